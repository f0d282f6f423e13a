package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.xgate.gateway.Gateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nginx's timeouts on the client's side, each 1 s here while the origin may take 10 s
 * ({@code proxy_read_timeout}):
 * <ul>
 *   <li>{@code client_header_timeout}: a head must be complete that long after the connection's start, or after a
 *       later request's first bytes; else the connection closes without an answer;</li>
 *   <li>{@code client_body_timeout}: a body whose client stays silent that long is dropped: 408 in the log, no
 *       answer, the connection closed;</li>
 *   <li>{@code send_timeout}: a client that takes none of its response that long is closed; a slow one that keeps
 *       taking is not;</li>
 *   <li>{@code keepalive_timeout}: a kept connection with no request open closes that long after its last response,
 *       a location's own value governing after that location's response.</li>
 * </ul>
 * None of them cuts a request that waits on its origin.
 */
class ClientTimeoutsTest {

  private static final int BIG = 32 << 20;
  private static final int TWO_MIB = 2 << 20;

  @TempDir
  static Path temp;

  private static Vertx vertx;
  private static Gateway gateway;
  private static int port;
  private static int origin;
  private static int silent;
  private static final AtomicInteger bodiesStarted = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    origin = vertx.createHttpServer().requestHandler(req -> {
      String path = req.path();
      if (path.equals("/slow")) {
        vertx.setTimer(1500, t -> req.response().end("slow"));
      } else if (path.equals("/big")) {
        stream(req.response(), BIG);
      } else if (path.equals("/two")) {
        stream(req.response(), TWO_MIB);
      } else if (path.startsWith("/echo") || path.startsWith("/unbuffered")) {
        bodiesStarted.incrementAndGet();
        req.body().onSuccess(b -> req.response().end(Integer.toString(b.length())));
      } else {
        req.response().end("fast");
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    silent = vertx.createHttpServer().requestHandler(req -> { })   // takes requests, never answers
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    port = RawHttp.freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n"
        + " log_format t '$request_uri $status';\n access_log " + temp.resolve("access.log") + " t;\n"
        + " log_format n '\"$request\" $status $body_bytes_sent $bytes_sent $request_length \"$http_user_agent\"';\n"
        + " access_log " + temp.resolve("nginx-like.log") + " n;\n"
        + " keepalive_timeout 1s; proxy_read_timeout 10s;\n"
        + " client_header_timeout 1s; client_body_timeout 1s; send_timeout 1s;\n"
        + " upstream silent { server 127.0.0.1:" + silent + "; server 127.0.0.1:" + silent + ";"
        + " server 127.0.0.1:" + silent + "; }\n"
        + " server { listen 127.0.0.1:" + port + ";\n"
        + "  location / { proxy_pass http://127.0.0.1:" + origin + "; }\n"
        + "  location /kept3 { keepalive_timeout 3s; proxy_pass http://127.0.0.1:" + origin + "; }\n"
        + "  location /silent { proxy_read_timeout 1s; proxy_next_upstream timeout; proxy_pass http://silent; }\n"
        + "  location /unbuffered { proxy_request_buffering off; proxy_pass http://127.0.0.1:" + origin + "; }\n"
        + " }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** Writes {@code length} bytes as fast as the connection takes them. */
  private static void stream(HttpServerResponse response, int length) {
    Buffer piece = Buffer.buffer(new byte[64 * 1024]);
    response.putHeader("Content-Length", Integer.toString(length));
    int[] left = {length};
    Runnable[] more = new Runnable[1];
    more[0] = () -> {
      while (left[0] > 0 && !response.writeQueueFull()) {
        left[0] -= piece.length();
        response.write(piece);
      }
      if (left[0] > 0) {
        response.drainHandler(v -> more[0].run());
      } else {
        response.end();
      }
    };
    more[0].run();
  }

  @AfterAll
  static void stop() throws Exception {
    Shutdown.stop(gateway, vertx);
  }

  private static Socket connect() throws IOException {
    Socket client = new Socket("127.0.0.1", port);
    client.setSoTimeout(8000);
    return client;
  }

  private static void send(Socket client, String raw) throws IOException {
    OutputStream out = client.getOutputStream();
    out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Sends a kept-alive GET of {@code path} and reads its answer, which ends with {@code body}. */
  private static void exchange(Socket client, String path, String body) throws Exception {
    send(client, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    StringBuilder answer = new StringBuilder();
    InputStream in = client.getInputStream();
    while (!answer.toString().endsWith("\r\n\r\n" + body)) {
      int b = in.read();
      assertThat(b).as("the answer to %s so far: %s", path, answer).isNotNegative();
      answer.append((char) b);
    }
    assertThat(answer.toString()).startsWith("HTTP/1.1 200 OK\r\n");
  }

  /** Milliseconds until the gateway closes {@code client}, which must get nothing but the close meanwhile. */
  private static long millisUntilClosed(Socket client) throws Exception {
    long start = System.nanoTime();
    assertThat(client.getInputStream().read()).as("nothing but the close").isEqualTo(-1);
    return (System.nanoTime() - start) / 1_000_000;
  }

  // ------------------------------------------------------------------ keepalive_timeout

  @Test
  void anIdleKeptConnectionClosesAfterKeepaliveTimeoutNotAfterTheOriginsReadTimeout() throws Exception {
    try (Socket client = connect()) {
      exchange(client, "/a", "fast");
      exchange(client, "/b", "fast");   // a second request on it: the connection was kept
      assertThat(millisUntilClosed(client)).isBetween(700L, 4000L);
    }
  }

  @Test
  void aLocationsOwnKeepaliveTimeoutGovernsAfterItsResponse() throws Exception {
    try (Socket client = connect()) {
      exchange(client, "/kept3/a", "fast");
      assertThat(millisUntilClosed(client)).isBetween(2500L, 6000L);
    }
  }

  @Test
  void aRequestWaitingOnItsOriginLongerThanEveryClientTimeoutIsNotCut() throws Exception {
    try (Socket client = connect()) {
      exchange(client, "/a", "fast");
      Thread.sleep(500);   // idle for half the timeouts, then a request longer than the whole of them
      exchange(client, "/slow", "slow");
      exchange(client, "/c", "fast");
      assertThat(millisUntilClosed(client)).isBetween(700L, 4000L);
    }
  }

  @Test
  void aRequestRetriedOnThreeSilentPeersWaitsForAllOfThemThoughItOutlastsEveryTimeout() throws Exception {
    try (Socket client = connect()) {
      long start = System.nanoTime();
      send(client, "GET /silent HTTP/1.1\r\nHost: x\r\n\r\n");   // three tries, 1 s each: 3 s without a byte
      byte[] head = client.getInputStream().readNBytes(12);
      assertThat(new String(head, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 504");
      assertThat((System.nanoTime() - start) / 1_000_000).isBetween(2700L, 6000L);
    }
  }

  // ------------------------------------------------------------------ client_header_timeout

  @Test
  void aConnectionThatSendsNothingClosesAfterClientHeaderTimeout() throws Exception {
    try (Socket client = connect()) {
      assertThat(millisUntilClosed(client)).isBetween(700L, 4000L);
    }
  }

  @Test
  void aHeadSentInDribsIsCutClientHeaderTimeoutAfterItsStartThoughBytesKeepComing() throws Exception {
    try (Socket client = connect()) {
      long start = System.nanoTime();
      send(client, "GET / HTTP/1.1\r\nHost: x\r\n");
      Thread dribs = new Thread(() -> {
        try {
          for (int i = 0; i < 30; i++) {   // a header line every 200 ms, never the blank line: slowloris
            Thread.sleep(200);
            send(client, "X-Line-" + i + ": v\r\n");
          }
        } catch (IOException | InterruptedException closed) {
          // the gateway closed the connection
        }
      });
      dribs.start();
      try {
        assertThat(client.getInputStream().read()).as("nothing but the close").isEqualTo(-1);
      } catch (java.net.SocketException reset) {
        // closed while bytes were still arriving: a reset is a close too
      }
      assertThat((System.nanoTime() - start) / 1_000_000).isBetween(700L, 4000L);
      dribs.join(10_000);
    }
  }

  @Test
  void aKeptConnectionsNextHeadIsTimedFromItsFirstBytesNotFromTheLastResponse() throws Exception {
    try (Socket client = connect()) {
      exchange(client, "/a", "fast");
      Thread.sleep(600);   // 0.6 of keepalive_timeout idle
      send(client, "GET /b HTTP/1.1\r\n");   // a head starts: keep-alive is over, client_header_timeout runs
      assertThat(millisUntilClosed(client)).isBetween(700L, 4000L);
    }
  }

  @Test
  void aHeadCutByClientHeaderTimeoutIsLogged408WithWhatCameOfItAsNginxLogsIt() throws Exception {
    String line = "GET /line-timed-out HTTP/1.1\r\n";
    String headers = "GET /headers-timed-out HTTP/1.1\r\nHost: x\r\nUser-Agent: ua\r\n";
    try (Socket partLine = connect(); Socket wholeLine = connect(); Socket someHeaders = connect();
        Socket nothing = connect()) {
      long start = System.nanoTime();
      send(partLine, "GE");
      send(wholeLine, line);
      send(someHeaders, headers + "X-Unfinished: a");
      for (Socket client : new Socket[] {partLine, wholeLine, someHeaders, nothing}) {
        assertThat(client.getInputStream().read()).as("no answer, only the close").isEqualTo(-1);
        assertThat((System.nanoTime() - start) / 1_000_000).isBetween(700L, 4000L);
      }
    }
    // what nginx 1.22.1 logged for the same bytes: the request line as far as it came, the complete lines' length
    Path log = temp.resolve("nginx-like.log");
    LogFiles.awaitText(log, "\"GE\" 408 0 0 0 \"-\"\n");
    LogFiles.awaitText(log, "\"GET /line-timed-out HTTP/1.1\" 408 0 0 " + line.length() + " \"-\"\n");
    LogFiles.awaitText(log, "\"GET /headers-timed-out HTTP/1.1\" 408 0 0 " + headers.length() + " \"ua\"\n");
    LogFiles.awaitText(temp.resolve("error.log"), "#0: client timed out (110: Connection timed out) while reading"
        + " client request headers, client: 127.0.0.1, server: , request: \"GET /headers-timed-out HTTP/1.1\","
        + " host: \"x\"\n");
    Thread.sleep(300);
    assertThat(Files.readAllLines(log)).as("a connection that sent nothing is not logged, a cut head once")
        .noneMatch(l -> l.startsWith("\"-\"") || l.startsWith("\"\""))
        .noneMatch(l -> l.contains("-timed-out HTTP/1.1\" 400"));
  }

  @Test
  void aHeadItsClientClosedIsLogged400WithWhatCameOfItAsNginxLogsIt() throws Exception {
    String headers = "GET /closed HTTP/1.1\r\nHost: x\r\nUser-Agent: ua\r\n";
    try (Socket partLine = connect(); Socket someHeaders = connect()) {
      send(partLine, "GET /clo");
      send(someHeaders, headers + "X-Partial: abc");
      Thread.sleep(200);
    }
    Path log = temp.resolve("nginx-like.log");   // as nginx 1.22.1 logged the same bytes
    LogFiles.awaitText(log, "\"GET /clo\" 400 0 0 0 \"-\"\n");
    LogFiles.awaitText(log, "\"GET /closed HTTP/1.1\" 400 0 0 " + headers.length() + " \"ua\"\n");
    LogFiles.awaitText(temp.resolve("error.log"), "#0: client prematurely closed connection while reading client"
        + " request line, client: 127.0.0.1, server: , request: \"GET /clo\"\n");
  }

  // ------------------------------------------------------------------ client_body_timeout

  @Test
  void aBufferedBodyWhoseClientFallsSilentIs408WithoutAnAnswerAndNeverReachesTheOrigin() throws Exception {
    int before = bodiesStarted.get();
    try (Socket client = connect()) {
      send(client, "POST /echo?silent-buffered HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
      assertThat(millisUntilClosed(client)).isBetween(700L, 4000L);
    }
    LogFiles.awaitText(temp.resolve("access.log"), "/echo?silent-buffered 408\n");
    assertThat(bodiesStarted.get()).isEqualTo(before);
  }

  @Test
  void anUnbufferedBodyWhoseClientFallsSilentIs408AndItsOriginRequestIsDropped() throws Exception {
    int before = bodiesStarted.get();
    try (Socket client = connect()) {
      send(client, "POST /unbuffered?silent HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
      assertThat(millisUntilClosed(client)).isBetween(700L, 4000L);
    }
    LogFiles.awaitText(temp.resolve("access.log"), "/unbuffered?silent 408\n");
    assertThat(bodiesStarted.get()).isEqualTo(before + 1);
  }

  @Test
  void aBodyThatTricklesButIsNeverSilentForTheTimeoutArrivesWhole() throws Exception {
    try (Socket client = connect()) {
      send(client, "POST /echo?trickle HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n");
      for (int i = 0; i < 10; i++) {   // 2.5 s in all, 0.25 s between bytes
        Thread.sleep(250);
        send(client, "x");
      }
      String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\n10");
    }
  }

  // ------------------------------------------------------------------ send_timeout

  @Test
  void aClientThatTakesNothingOfItsResponseIsClosedAfterSendTimeout() throws Exception {
    long got = 0;
    try (Socket client = new Socket()) {
      client.setReceiveBufferSize(16 * 1024);
      client.connect(new java.net.InetSocketAddress("127.0.0.1", port));
      client.setSoTimeout(8000);
      send(client, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
      Thread.sleep(4000);   // takes nothing: closed 1 to 1.5 s after the socket's buffers filled
      InputStream in = client.getInputStream();
      byte[] buf = new byte[64 * 1024];
      try {
        for (int n; (n = in.read(buf)) >= 0; ) {
          got += n;
        }
      } catch (java.net.SocketException reset) {
        // closed with bytes unread: a reset
      }
    }
    assertThat(got).as("bytes the client got before the close").isLessThan(BIG);
    LogFiles.awaitText(temp.resolve("access.log"), "/big 200\n");   // as nginx: the status it sent
  }

  @Test
  void aSlowReaderThatKeepsTakingBytesGetsTheWholeResponse() throws Exception {
    try (Socket client = new Socket()) {
      client.setReceiveBufferSize(16 * 1024);
      client.connect(new java.net.InetSocketAddress("127.0.0.1", port));
      client.setSoTimeout(8000);
      send(client, "GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      InputStream in = client.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buf = new byte[16 * 1024];
      long sinceNap = 0;
      for (int n; (n = in.read(buf)) >= 0; ) {
        all.write(buf, 0, n);
        sinceNap += n;
        if (sinceNap >= 256 * 1024) {   // ~3 s in all, 0.3 s pauses: slower than the origin, never silent 1 s
          sinceNap = 0;
          Thread.sleep(300);
        }
      }
      String head = all.toString(StandardCharsets.ISO_8859_1);
      int bodyStart = head.indexOf("\r\n\r\n") + 4;
      assertThat(head).startsWith("HTTP/1.1 200 OK\r\n");
      assertThat(all.size() - bodyStart).isEqualTo(TWO_MIB);
    }
  }
}
