package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetServer;
import io.xgate.gateway.Gateway;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy path's fault cases against real loopback origins, each as nginx 1.22 handles it: an origin that
 * closes before or after its header, a client that goes away mid-response, bodyless responses, and trailers.
 */
class ProxyFaultsTest {

  @TempDir
  Path temp;

  private Vertx vertx;
  private Gateway gateway;
  private final AtomicInteger originConnections = new AtomicInteger();
  private final AtomicInteger originRequests = new AtomicInteger();
  private final AtomicInteger healthyRequests = new AtomicInteger();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    Shutdown.stop(gateway, vertx);
  }

  @Test
  void anOriginClosingBeforeItsHeaderIsAFailedAttemptRetriedOnTheNextPeer() throws Exception {
    int failing = rawOrigin(head -> null);   // reads the request, answers nothing, closes
    int healthy = healthyOrigin();
    int port = startGateway("server 127.0.0.1:" + failing + " max_fails=1 fail_timeout=30s; server 127.0.0.1:"
        + healthy + ";", "add_header X-Upstream-Addr $upstream_addr always;");
    String first = get(port, "/first");
    assertThat(first).startsWith("HTTP/1.1 200 OK")
        .contains("X-Upstream-Addr: 127.0.0.1:" + failing + ", 127.0.0.1:" + healthy);
    // counted against max_fails=1 (an upstream of one server would not count it, as nginx): within fail_timeout
    // round robin does not come back to it
    for (int i = 0; i < 3; i++) {
      assertThat(get(port, "/again")).startsWith("HTTP/1.1 200 OK").contains("X-Upstream-Addr: 127.0.0.1:" + healthy);
    }
    assertThat(originRequests).hasValue(1);
    assertThat(healthyRequests).hasValue(4);
    LogFiles.awaitText(temp.resolve("error.log"), "upstream prematurely closed connection while reading response"
        + " header from upstream, client: 127.0.0.1, server: , request: \"GET /first HTTP/1.1\", upstream: "
        + "\"http://127.0.0.1:" + failing + "/first\", host: \"x\"");
  }

  @Test
  void refusedConnectionsAndThenNoLivePeersAreInTheErrorLogAsNginxWritesThem() throws Exception {
    int dead1 = RawHttp.freePort();
    int dead2 = RawHttp.freePort();
    int port = startGateway("server 127.0.0.1:" + dead1 + " max_fails=1 fail_timeout=30s; server 127.0.0.1:" + dead2
        + " max_fails=1 fail_timeout=30s;", "");
    assertThat(exchange(port, "GET /a HTTP/1.1\r\nHost: x\r\nReferer: http://r.example/p\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 502 ");
    assertThat(get(port, "/b")).startsWith("HTTP/1.1 502 ");
    Path log = temp.resolve("error.log");
    for (int dead : new int[] {dead1, dead2}) {
      LogFiles.awaitText(log, "[error] ");
      LogFiles.awaitText(log, "connect() failed (111: Connection refused) while connecting to upstream, client:"
          + " 127.0.0.1, server: , request: \"GET /a HTTP/1.1\", upstream: \"http://127.0.0.1:" + dead + "/a\", host:"
          + " \"x\", referrer: \"http://r.example/p\"\n");
    }
    LogFiles.awaitText(log, "no live upstreams while connecting to upstream, client: 127.0.0.1, server: , request:"
        + " \"GET /b HTTP/1.1\", upstream: \"http://u/b\", host: \"x\"");
  }

  @Test
  void anOriginSendingAnInvalidStatusLineIs502AndAFailedAttempt() throws Exception {
    int failing = rawOrigin(head -> "HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok");
    int healthy = healthyOrigin();
    int port = startGateway("server 127.0.0.1:" + failing + " max_fails=1 fail_timeout=30s; server 127.0.0.1:"
        + healthy + ";", "");
    // invalid_header is not in the default proxy_next_upstream: no retry, but the peer is blamed
    assertThat(get(port, "/first")).startsWith("HTTP/1.1 502 ");
    for (int i = 0; i < 3; i++) {
      assertThat(get(port, "/again")).startsWith("HTTP/1.1 200 OK");
    }
    assertThat(originRequests).hasValue(1);
    assertThat(healthyRequests).hasValue(3);
    LogFiles.awaitText(temp.resolve("error.log"), "upstream sent no valid HTTP/1.0 header while reading response"
        + " header from upstream, client: 127.0.0.1, server: , request: \"GET /first HTTP/1.1\"");
  }

  @Test
  void aResponseHeadLargerThanProxyBufferSizeIsTooBigAnInvalidHeaderForProxyNextUpstream() throws Exception {
    int failing = rawOrigin(head -> "HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(1100)
        + "\r\nContent-Length: 2\r\n\r\nok");
    int healthy = healthyOrigin();
    int port = startGateway("server 127.0.0.1:" + failing + "; server 127.0.0.1:" + healthy + ";",
        "proxy_buffer_size 1k; proxy_next_upstream error timeout invalid_header;"
        + " add_header X-Upstream-Addr $upstream_addr always;");
    assertThat(get(port, "/first")).startsWith("HTTP/1.1 200 OK")
        .contains("X-Upstream-Addr: 127.0.0.1:" + failing + ", 127.0.0.1:" + healthy);
    assertThat(originRequests).hasValue(1);
    LogFiles.awaitText(temp.resolve("error.log"), "upstream sent too big header while reading response header from"
        + " upstream, client: 127.0.0.1, server: , request: \"GET /first HTTP/1.1\", upstream: \"http://127.0.0.1:"
        + failing + "/first\"");
  }

  @Test
  void anOriginClosingMidBodyTruncatesTheResponseAndClosesTheClientWithoutBlamingThePeer() throws Exception {
    // nginx finalizes such a request (the status is out) and frees the peer without NGX_PEER_FAILED
    int origin = rawOrigin(head -> head.contains("/truncated")
        ? "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(1000)
        : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    int port = startGateway("server 127.0.0.1:" + origin + " max_fails=1 fail_timeout=30s;", "");
    String answer = get(port, "/truncated");
    assertThat(answer).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("content-length: 100000");
    String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
    assertThat(body).isEqualTo("x".repeat(1000));   // then the connection was closed
    assertThat(get(port, "/after")).startsWith("HTTP/1.1 200 OK").endsWith("ok");
    assertThat(originRequests).hasValue(2);
    LogFiles.awaitText(temp.resolve("error.log"),
        "upstream prematurely closed connection while reading upstream, client: 127.0.0.1");
  }

  @Test
  void aClientGoneMidResponseCancelsTheOriginRequestAndItsConnectionIsNotReused() throws Exception {
    CompletableFuture<Void> originSawClose = new CompletableFuture<>();
    int origin = vertx.createHttpServer()
        .connectionHandler(c -> originConnections.incrementAndGet())
        .requestHandler(req -> {
          originRequests.incrementAndGet();
          if (req.path().equals("/endless")) {
            req.response().setChunked(true);
            long timer = vertx.setPeriodic(20, t -> req.response().write("more data\n"));
            req.connection().closeHandler(v -> {
              vertx.cancelTimer(timer);
              originSawClose.complete(null);
            });
          } else {
            req.response().end("small");
          }
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    int port = startGateway("server 127.0.0.1:" + origin + "; keepalive 8;", "");
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      byte[] some = new byte[200];
      assertThat(s.getInputStream().read(some)).isPositive();
    }   // the client goes away with the response still coming
    originSawClose.get(5, TimeUnit.SECONDS);
    assertThat(get(port, "/next")).endsWith("small");
    assertThat(originConnections).as("the half-read connection was closed, not pooled: a new one was opened")
        .hasValue(2);
  }

  @Test
  void headNoContentAndNotModifiedCarryNoBodyAndBothConnectionsStayInStep() throws Exception {
    HttpServer server = vertx.createHttpServer().connectionHandler(c -> originConnections.incrementAndGet());
    int origin = server.requestHandler(req -> {
      switch (req.path()) {
        case "/head" -> req.response().putHeader("Content-Length", "1234").end();
        case "/204" -> req.response().setStatusCode(204).end();
        case "/304" -> req.response().setStatusCode(304).putHeader("ETag", "\"v1\"").end();
        default -> req.response().end("last");
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    int port = startGateway("server 127.0.0.1:" + origin + "; keepalive 8;", "");
    String all = exchange(port, "HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n"
        + "GET /204 HTTP/1.1\r\nHost: x\r\n\r\n"
        + "GET /304 HTTP/1.1\r\nHost: x\r\n\r\n"
        + "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    String[] answers = all.split("(?=HTTP/1\\.1 )");
    assertThat(answers).hasSize(4);
    assertThat(answers[0]).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("content-length: 1234")
        .endsWith("\r\n\r\n");
    assertThat(answers[1].toLowerCase()).startsWith("http/1.1 204 no content").doesNotContain("content-length")
        .doesNotContain("transfer-encoding").endsWith("\r\n\r\n");
    assertThat(answers[2]).startsWith("HTTP/1.1 304 Not Modified").containsIgnoringCase("etag: \"v1\"")
        .endsWith("\r\n\r\n");
    assertThat(answers[3]).startsWith("HTTP/1.1 200 OK").endsWith("last");
    assertThat(originConnections).as("nothing follows a bodyless head: the origin connection was kept for the next")
        .hasValue(1);
  }

  @Test
  void trailersFromTheOriginAreDroppedAsNginxDoes() throws Exception {
    int origin = vertx.createHttpServer().requestHandler(req -> {
      req.response().setChunked(true).putHeader("Trailer", "X-Checksum");
      req.response().write("chunked body");
      req.response().trailers().add("X-Checksum", "abc123");
      req.response().end();
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    int port = startGateway("server 127.0.0.1:" + origin + ";", "");
    String answer = get(port, "/t");
    assertThat(answer).startsWith("HTTP/1.1 200 OK").contains("chunked body").endsWith("0\r\n\r\n");
    // the trailer's field stays behind; the Trailer header that announced it passes, as nginx 1.22.1 passes it
    assertThat(answer.toLowerCase()).doesNotContain("abc123").contains("\r\ntrailer: x-checksum\r\n");
  }

  // ---------------------------------------------------------------- helpers

  /** An origin speaking raw bytes: for each request head, the bytes {@code answer} gives (null: none), then close. */
  @Test
  void anOriginThatStallsTimesOutAfterProxyReadTimeoutNotTheLargerSendTimeout() throws Exception {
    int stalling = stallingOrigin();
    int healthy = healthyOrigin();
    int port = startGateway("server 127.0.0.1:" + stalling + "; server 127.0.0.1:" + healthy + ";",
        "proxy_read_timeout 1s; proxy_send_timeout 60s; add_header X-Upstream-Addr $upstream_addr always;");
    long start = System.nanoTime();
    String answer = get(port, "/stall");
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(answer).startsWith("HTTP/1.1 200 OK")
        .contains("X-Upstream-Addr: 127.0.0.1:" + stalling + ", 127.0.0.1:" + healthy);
    assertThat(tookMs).as("timed out by proxy_read_timeout, then retried (proxy_next_upstream timeout)")
        .isBetween(900L, 30_000L);
    LogFiles.awaitText(temp.resolve("error.log"), "upstream timed out (110: Connection timed out) while reading"
        + " response header from upstream, client: 127.0.0.1, server: , request: \"GET /stall HTTP/1.1\"");
  }

  @Test
  void aPostToAnOriginThatStallsAlsoTimesOutAfterProxyReadTimeoutOnceItsBodyIsSent() throws Exception {
    int stalling = stallingOrigin();
    int port = startGateway("server 127.0.0.1:" + stalling + ";", "proxy_read_timeout 1s; proxy_send_timeout 60s;");
    long start = System.nanoTime();
    String answer = exchange(port, "POST /stall HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        + "Connection: close\r\n\r\nhello");
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(answer).startsWith("HTTP/1.1 504 Gateway Time-out");
    assertThat(tookMs).as("proxy_read_timeout runs once the request is sent, whatever proxy_send_timeout says")
        .isBetween(900L, 4_000L);
    LogFiles.awaitText(temp.resolve("error.log"), "upstream timed out (110: Connection timed out) while reading"
        + " response header from upstream, client: 127.0.0.1, server: , request: \"POST /stall HTTP/1.1\"");
  }

  @Test
  void anOriginThatTakesNoneOfTheBodyTimesOutAfterProxySendTimeoutWhileSendingTheRequest() throws Exception {
    // accepts, and reads nothing: the request's bytes stay in the kernel's socket buffers and then in xgate's
    // (a plain socket: a paused Vert.x one would hold what Netty read before the pause)
    try (java.net.ServerSocket deaf = new java.net.ServerSocket()) {
      deaf.setReceiveBufferSize(8192);
      deaf.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
      CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
        try {
          Socket s = deaf.accept();
          originConnections.incrementAndGet();
          return s;
        } catch (java.io.IOException e) {
          return null;
        }
      });
      int port = startGateway("server 127.0.0.1:" + deaf.getLocalPort() + ";",
          "client_max_body_size 64m; client_body_temp_path " + temp.resolve("bodies")
              + "; proxy_send_timeout 1s; proxy_read_timeout 60s;");
      int size = 32 * 1024 * 1024;   // more than loopback's socket buffers on both sides hold
      long start = System.nanoTime();
      String answer = exchange(port, "POST /deaf HTTP/1.1\r\nHost: x\r\nContent-Length: " + size
          + "\r\nConnection: close\r\n\r\n" + "b".repeat(size));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      Socket held = accepted.getNow(null);
      if (held != null) {
        held.close();
      }
      assertThat(answer).startsWith("HTTP/1.1 504 Gateway Time-out");
      assertThat(tookMs).as("proxy_send_timeout once the origin stopped taking bytes (1 to 1.5 times it)")
          .isBetween(900L, 10_000L);
      assertThat(originConnections).hasValue(1);
    }
    LogFiles.awaitText(temp.resolve("error.log"), "upstream timed out (110: Connection timed out) while sending"
        + " request to upstream, client: 127.0.0.1, server: , request: \"POST /deaf HTTP/1.1\"");
  }

  @Test
  void aPluginWhoseRequestHookThrowsGets500AndAnErrorLogLineNotAHang() throws Exception {
    int healthy = healthyOrigin();
    int port = startGateway("test_throwing_hook request; server 127.0.0.1:" + healthy + ";", "");
    assertThat(get(port, "/")).startsWith("HTTP/1.1 500 ");
    assertThat(healthyRequests).as("nothing was sent").hasValue(0);
    assertThat(get(port, "/")).as("the peer's attempt was ended: the next request is served the same way")
        .startsWith("HTTP/1.1 500 ");
    LogFiles.awaitText(temp.resolve("error.log"), "balancer hook of upstream \"u\" failed on /");
  }

  @Test
  void aPluginWhoseSelectionThrowsGets500NotAHang() throws Exception {
    int healthy = healthyOrigin();
    int port = startGateway("test_throwing_hook next; server 127.0.0.1:" + healthy + ";", "");
    assertThat(get(port, "/")).startsWith("HTTP/1.1 500 ");
    assertThat(healthyRequests).hasValue(0);
    LogFiles.awaitText(temp.resolve("error.log"),
        "balancer selection of upstream \"u\" failed on /: java.lang.IllegalStateException: plugin bug in next()");
  }

  @Test
  void aPluginWhoseResponseHookThrowsGets500NotAHang() throws Exception {
    int healthy = healthyOrigin();
    int port = startGateway("test_throwing_hook response; server 127.0.0.1:" + healthy + ";", "");
    assertThat(get(port, "/")).startsWith("HTTP/1.1 500 ");
    LogFiles.awaitText(temp.resolve("error.log"), "plugin bug in the response hook");
  }

  @Test
  void aClientThatLeavesBeforeTheAnswerDoesNotBlameThePeer() throws Exception {
    int slow = vertx.createHttpServer().requestHandler(req -> {
      originRequests.incrementAndGet();
      vertx.setTimer(500, t -> req.response().end("slow"));
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    int healthy = healthyOrigin();
    int port = startGateway("server 127.0.0.1:" + slow + " max_fails=1 fail_timeout=30s; server 127.0.0.1:"
        + healthy + ";", "add_header X-Upstream-Addr $upstream_addr always;");
    for (int i = 0; i < 3; i++) {   // three clients give up on the slow peer (nginx's 499)
      try (java.net.Socket client = new java.net.Socket("127.0.0.1", port)) {
        client.getOutputStream().write("GET /gone HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (originRequests.get() < i + 1 && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        get(port, "/between");   // round robin: the healthy peer's turn
      }
    }
    Thread.sleep(200);
    // had those aborts counted against max_fails=1, the slow peer would be out for 30 s
    assertThat(get(port, "/after")).contains("X-Upstream-Addr: 127.0.0.1:" + slow);
  }

  private int rawOrigin(java.util.function.Function<String, String> answer) throws Exception {
    NetServer server = vertx.createNetServer().connectHandler(so -> {
      originConnections.incrementAndGet();
      Buffer head = Buffer.buffer();
      so.handler(buf -> {
        head.appendBuffer(buf);
        String text = head.toString(StandardCharsets.ISO_8859_1);
        if (text.contains("\r\n\r\n")) {
          so.handler(null);
          originRequests.incrementAndGet();
          String reply = answer.apply(text);
          if (reply != null) {
            so.write(Buffer.buffer(reply.getBytes(StandardCharsets.ISO_8859_1)));
          }
          so.close();
        }
      });
    });
    return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
        .actualPort();
  }

  /** An origin that accepts and reads each request, then says nothing and keeps the connection open. */
  private int stallingOrigin() throws Exception {
    return vertx.createNetServer().connectHandler(so -> so.handler(buf -> originRequests.incrementAndGet()))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
  }

  private int healthyOrigin() throws Exception {
    return vertx.createHttpServer().requestHandler(req -> {
      healthyRequests.incrementAndGet();
      req.response().end("healthy");
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
  }

  private int startGateway(String servers, String locationDirectives) throws Exception {
    int port = RawHttp.freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n access_log off;\n"
        + " upstream u { " + servers + " }\n"
        + " server { listen 127.0.0.1:" + port + "; location / { proxy_pass http://u; " + locationDirectives
        + " } }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return port;
  }

  private static String get(int port, String path) throws Exception {
    return exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  }

  private static String exchange(int port, String raw) throws Exception {
    return RawHttp.exchange(port, raw);
  }
}
