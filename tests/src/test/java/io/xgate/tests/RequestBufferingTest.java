package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.xgate.gateway.Gateway;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code proxy_request_buffering on} (nginx's default) reads the body first, spilling past
 * {@code client_body_buffer_size} to a temp file, so that a retry sends it again intact; off streams it, and a sent
 * body ends the retries, as in nginx.
 */
class RequestBufferingTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir
  Path temp;

  private Vertx vertx;
  private Gateway gateway;
  private final List<String> received = new CopyOnWriteArrayList<>();
  /** The Content-Length each origin request declared ("none": chunked). */
  private final List<String> declared = new CopyOnWriteArrayList<>();
  private int failing;
  private int echoing;

  @BeforeEach
  void startOrigins() throws Exception {
    vertx = Vertx.vertx();
    // reads the whole body, then answers 502: proxy_next_upstream http_502 moves on
    failing = listen(vertx.createHttpServer().requestHandler(r -> declare(r).body().onSuccess(b -> {
      received.add("failing " + b.length());
      r.response().setStatusCode(502).end();
    })));
    // answers the body's length and digest, after a pause during which the spill file can be seen
    echoing = listen(vertx.createHttpServer().requestHandler(r -> declare(r).body().onSuccess(b -> {
      received.add("echoing " + b.length());
      vertx.setTimer(300, t -> r.response().end(b.length() + " " + Digests.sha256(b.getBytes())));
    })));
  }

  private io.vertx.core.http.HttpServerRequest declare(io.vertx.core.http.HttpServerRequest r) {
    String length = r.getHeader("Content-Length");
    declared.add(length == null ? "none" : length);
    return r;
  }

  @AfterEach
  void stop() throws Exception {
    Shutdown.stop(gateway, vertx);
  }

  @Test
  void aBodyLargerThanTheMemoryBufferIsSpilledAndReplayedIntactToTheNextPeer() throws Exception {
    int port = start("client_body_buffer_size 4k;");
    byte[] body = randomBytes(200_000);
    AtomicBoolean spillSeen = new AtomicBoolean();
    Thread watcher = new Thread(() -> {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < end && !spillSeen.get()) {
        spillSeen.set(spillFiles().length > 0);
        Thread.onSpinWait();
      }
    });
    watcher.start();
    HttpResponse<String> r = post(port, body);
    watcher.join();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(body.length + " " + Digests.sha256(body));
    assertThat(received).containsExactly("failing 200000", "echoing 200000");
    assertThat(r.headers().firstValue("X-Upstream-Addr"))
        .hasValue("127.0.0.1:" + failing + ", 127.0.0.1:" + echoing);
    assertThat(spillSeen).as("a temp file held the body during the transfer").isTrue();
    awaitNoSpillFiles();
    LogFiles.awaitMatch(temp.resolve("error.log"), "\\[warn\\] .*: a client request body is buffered to a temporary"
        + " file " + java.util.regex.Pattern.quote(temp.resolve("bodies").toString()) + "/\\S+, client: 127\\.0\\.0\\.1,"
        + " server: , request: \"POST /up HTTP/1\\.1\", host: \"127\\.0\\.0\\.1:" + port + "\"$");
  }

  @Test
  void aSentBodyGoesWithItsLengthEvenWhenProxySetHeaderEmptiesContentLength() throws Exception {
    // Content-Length "" is for proxy_pass_request_body off; bytes that are sent, spilled or not, keep their length
    int port = start("client_body_buffer_size 4k; proxy_set_header Content-Length \"\";");
    byte[] body = randomBytes(200_000);
    HttpResponse<String> r = post(port, body);
    assertThat(r.body()).isEqualTo(body.length + " " + Digests.sha256(body));
    assertThat(declared).containsExactly("200000", "200000");
  }

  @Test
  void aSmallBodyStaysInMemoryAndIsReplayedToo() throws Exception {
    int port = start("");
    byte[] body = randomBytes(1000);
    HttpResponse<String> r = post(port, body);
    assertThat(r.body()).isEqualTo(body.length + " " + Digests.sha256(body));
    assertThat(received).containsExactly("failing 1000", "echoing 1000");
    assertThat(spillFiles()).isEmpty();
  }

  @Test
  void withBufferingOffASentBodyEndsTheRetriesAsInNginx() throws Exception {
    int port = start("proxy_request_buffering off;");
    HttpResponse<String> r = post(port, randomBytes(1000));
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(received).containsExactly("failing 1000");
  }

  @Test
  void aChunkedBodyOverClientMaxBodySizeIs413AndReachesNoPeer() throws Exception {
    int port = start("client_max_body_size 10k;");
    HttpResponse<String> r = postChunked(port, randomBytes(50_000));
    assertThat(r.statusCode()).as(r.headers() + " " + r.body()).isEqualTo(413);
    assertThat(received).isEmpty();
    awaitNoSpillFiles();
    // nginx: the bytes before the chunk that went over, and that chunk's
    LogFiles.awaitMatch(temp.resolve("error.log"), "\\[error\\] .*: client intended to send too large chunked body:"
        + " \\d+\\+\\d+ bytes, client: 127\\.0\\.0\\.1, server: , request: \"POST /up HTTP/1\\.1\", host: \"127");
  }

  @Test
  void withBufferingOffAChunkedBodyOverClientMaxBodySizeIs413Too() throws Exception {
    // nginx checks the limit as the bytes come, buffered or not (before: xgate streamed all 50,000 to the peer)
    int port = start("proxy_request_buffering off; client_max_body_size 10k;");
    HttpResponse<String> r = postChunked(port, randomBytes(50_000));
    assertThat(r.statusCode()).as(r.headers() + " " + r.body()).isEqualTo(413);
    assertThat(received).noneMatch(line -> line.endsWith(" 50000"));
    LogFiles.awaitMatch(temp.resolve("error.log"), "\\[error\\] .*: client intended to send too large chunked body:"
        + " \\d+\\+\\d+ bytes, client: 127\\.0\\.0\\.1, server: , request: \"POST /up HTTP/1\\.1\"");
  }

  /** A POST of {@code body} without a declared length: sent chunked. */
  private static HttpResponse<String> postChunked(int port, byte[] body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/up"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aDeclaredLengthOverClientMaxBodySizeIs413BeforeAnyOfItIsRead() throws Exception {
    int port = start("client_max_body_size 10;");
    String answer = RawHttp.exchange(port, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 26\r\n"
        + "Connection: close\r\n\r\nhello world, more than ten");
    assertThat(answer).startsWith("HTTP/1.1 413 Request Entity Too Large\r\n");
    assertThat(received).isEmpty();
    LogFiles.awaitText(temp.resolve("error.log"), "client intended to send too large body: 26 bytes, client:"
        + " 127.0.0.1, server: , request: \"POST /up HTTP/1.1\", host: \"x\"\n");
  }

  @Test
  void aClientExpecting100ContinueGetsItBeforeSendingItsBody() throws Exception {
    int port = start("");
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      var out = socket.getOutputStream();
      var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
          java.nio.charset.StandardCharsets.ISO_8859_1));
      out.write(("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
          + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      out.flush();
      assertThat(in.readLine()).isEqualTo("HTTP/1.1 100 Continue");
      assertThat(in.readLine()).isEmpty();
      out.write("hello".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      out.flush();
      assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
    }
    assertThat(received).containsExactly("failing 5", "echoing 5");
  }

  @Test
  void bodiesLeftByACrashedProcessAreDeletedAtStart() throws Exception {
    Path dir = Files.createDirectories(temp.resolve("bodies"));
    Path stale = Files.writeString(dir.resolve("xgate-body-123.tmp"), "left over");
    Path unrelated = Files.writeString(dir.resolve("keep.me"), "not ours");
    start("");
    assertThat(stale).doesNotExist();
    assertThat(unrelated).exists();
  }

  private int start(String locationDirectives) throws Exception {
    int port = freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n access_log off;\n"
        + " client_body_temp_path " + temp.resolve("bodies") + ";\n"
        + " upstream u { server 127.0.0.1:" + failing + "; server 127.0.0.1:" + echoing + "; }\n"
        + " server { listen 127.0.0.1:" + port + ";\n  location / { proxy_pass http://u;"
        + " proxy_next_upstream http_502 non_idempotent; add_header X-Upstream-Addr $upstream_addr always; "
        + locationDirectives + " }\n }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return port;
  }

  private static HttpResponse<String> post(int port, byte[] body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/up"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private Path[] spillFiles() {
    return TempFilesSeen.in(temp.resolve("bodies"), "xgate-body-");
  }

  private void awaitNoSpillFiles() throws InterruptedException {
    TempFilesSeen.awaitNone(temp.resolve("bodies"), "xgate-body-");
  }

  private static int listen(HttpServer server) throws Exception {
    return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
        .actualPort();
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
