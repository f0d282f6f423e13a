package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.xgate.gateway.Gateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests nginx 1.22 refuses before anything goes upstream, sent as raw bytes: each gets nginx's status, the
 * connection is closed after it, and the counting origin sees nothing. The limits come from
 * {@code large_client_header_buffers 4 1k}.
 */
class EdgeHardeningTest {

  @TempDir
  static Path temp;

  private static Vertx vertx;
  private static Gateway gateway;
  private static int port;
  private static final AtomicInteger originRequests = new AtomicInteger();
  private static final AtomicInteger originConnections = new AtomicInteger();

  @BeforeEach
  void startOnce() throws Exception {
    if (gateway != null) {
      originRequests.set(0);
      originConnections.set(0);
      return;
    }
    vertx = Vertx.vertx();
    int origin = vertx.createHttpServer().requestHandler(r -> {
      originRequests.incrementAndGet();
      r.body().onComplete(b -> r.response().end("origin"));
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    int counting = vertx.createNetServer().connectHandler(socket -> {   // counts connections, answers nothing
      originConnections.incrementAndGet();
      socket.close();
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    port = RawHttp.freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n access_log off;\n"
        + " large_client_header_buffers 4 1k;\n"
        + " client_body_temp_path " + temp.resolve("bodies") + ";\n"
        + " upstream u { server 127.0.0.1:" + origin + "; }\n"
        + " server { listen 127.0.0.1:" + port + "; location / { proxy_pass http://u; }\n"
        + "  location /counted { proxy_pass http://127.0.0.1:" + counting + "; } }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @org.junit.jupiter.api.AfterAll
  static void stop() throws Exception {
    Shutdown.stop(gateway, vertx);
  }

  @Test
  void aWellFormedRequestIsProxied() throws Exception {
    String answer = send("POST /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5\r\nhello\r\n0\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 200 OK").endsWith("origin");
    assertThat(originRequests).hasValue(1);
  }

  @Test
  void chunkExtensionsAreSkippedAsNginxSkipsThem() throws Exception {
    for (String size : new String[] {"5;ext", "5;ext=1", "5;a=\"q;x\";b=2", "5 ;ext=1"}) {
      String answer = send("POST /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
          + size + "\r\nhello\r\n0;last=1\r\n\r\n");
      assertThat(answer).as(size).startsWith("HTTP/1.1 200 OK").endsWith("origin");
    }
    assertThat(originRequests).hasValue(4);
  }

  @Test
  void aMethodOfOtherCharactersThanUpperCaseLettersUnderscoreAndHyphenIs400() throws Exception {
    for (String method : new String[] {"get", "GeT", "G.T"}) {
      refused(method + " / HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    }
  }

  @Test
  void aVersionIsReadAsNginxReadsIt() throws Exception {
    for (String version : new String[] {"HTTP/2.0", "HTTP/10.0"}) {
      assertThat(refused("GET / " + version + "\r\nHost: x\r\n\r\n", 505)).as(version)
          .contains("<title>505 HTTP Version Not Supported</title>");
    }
    for (String version : new String[] {"HTTP/01.1", "HTTP/0.9", "HTTP/1.", "HTTP/1", "HTTP/1.1x", "http/1.1",
        "HTTP/1.1000"}) {
      refused("GET / " + version + "\r\nHost: x\r\n\r\n", 400);
    }
    for (String version : new String[] {"HTTP/1.2", "HTTP/1.10", "HTTP/1.100"}) {   // HTTP/1.1, as nginx takes it
      assertThat(send("GET /ok " + version + "\r\nHost: x\r\nConnection: close\r\n\r\n")).as(version)
          .startsWith("HTTP/1.1 200 OK").endsWith("origin");
    }
    assertThat(send("GET /ok HTTP/1.2\r\nConnection: close\r\n\r\n")).as("an HTTP/1.1 request needs its Host")
        .startsWith("HTTP/1.1 400 Bad Request");
  }

  @Test
  void nothingPipelinedBehindARefusedRequestIsRead() throws Exception {
    for (String refused : new String[] {"TRACE / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "GET / HTTP/2.0\r\nHost: x\r\n\r\n"}) {
      String answer = refused(refused + "GET /counted HTTP/1.1\r\nHost: x\r\n\r\nPOST /counted HTTP/1.1\r\n"
          + "Host: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", answerStatus(refused));
      assertThat(answer.split("HTTP/1\\.1 ", -1)).as("one answer: " + refused).hasSize(2);
      assertThat(originConnections).as("no connection opened for what followed: " + refused).hasValue(0);
    }
  }

  private static int answerStatus(String refused) {
    return refused.startsWith("TRACE") ? 405 : refused.contains("HTTP/2.0") ? 505 : 400;
  }

  @Test
  void traceIs405() throws Exception {
    assertThat(refused("TRACE / HTTP/1.1\r\nHost: x\r\n\r\n", 405)).contains("<title>405 Not Allowed</title>");
  }

  @Test
  void aConnectionHeaderThatContainsCloseClosesTheConnectionAsInNginx() throws Exception {
    long start = System.nanoTime();
    String answer = send("GET /ok HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 200 OK").endsWith("origin");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("closed after the answer, not idle")
        .isLessThan(3000);
  }

  @Test
  void anHttp10RequestIsAnsweredWithAnHttp11StatusLineAndNoChunksAsByNginx() throws Exception {
    String answer = send("GET /ok HTTP/1.0\r\nHost: x\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 200 OK").doesNotContainIgnoringCase("transfer-encoding")
        .endsWith("\r\n\r\norigin");
  }

  @Test
  void contentLengthWithTransferEncodingIs400() throws Exception {
    // Netty alone would drop the Content-Length and read the chunks: a request-smuggling shape
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", 400);
  }

  @Test
  void aTransferEncodingOtherThanChunkedIs501() throws Exception {
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 501);
  }

  @Test
  void transferEncodingOnAnHttp10RequestIs400() throws Exception {
    refused("POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400);
  }

  @Test
  void anInvalidChunkSizeIs400() throws Exception {
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400);
  }

  @Test
  void anInvalidContentLengthIs400() throws Exception {
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4x\r\n\r\nbody", 400);
  }

  @Test
  void twoContentLengthsAre400() throws Exception {
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nbody!", 400);
  }

  @Test
  void aDuplicateHostIs400() throws Exception {
    refused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
  }

  @Test
  void aRequestLineLongerThanOneBufferIs414() throws Exception {
    String answer = refused("GET /" + "a".repeat(1100) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414);
    assertThat(answer).contains("414 Request-URI Too Large");
  }

  @Test
  void aHeaderLineLongerThanOneBufferIs400RequestHeaderTooLarge() throws Exception {
    String answer = refused("GET / HTTP/1.1\r\nHost: x\r\nCookie: " + "c".repeat(1100) + "\r\n\r\n", 400);
    assertThat(answer).contains("Request Header Or Cookie Too Large");
  }

  @Test
  void headersLongerThanAllBuffersTogetherAre400RequestHeaderTooLarge() throws Exception {
    StringBuilder headers = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      headers.append("X-Filler-").append(i).append(": ").append("f".repeat(900)).append("\r\n");
    }
    String answer = refused("GET / HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n", 400);
    assertThat(answer).contains("Request Header Or Cookie Too Large");
  }

  @Test
  void aSpaceOrControlCharacterInAHeaderNameIs400() throws Exception {
    refused("GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n", 400);
    refused("GET / HTTP/1.1\r\nHost: x\r\nBad\u0001Name: 1\r\n\r\n", 400);
  }

  @Test
  void aNulInAHeaderValueIs400() throws Exception {
    refused("GET / HTTP/1.1\r\nHost: x\r\nX-Value: a\u0000b\r\n\r\n", 400);
  }

  /** Sends {@code raw}, expects {@code status} and a closed connection, and that the origin saw nothing. */
  private static String refused(String raw, int status) throws Exception {
    String answer = send(raw);
    assertThat(answer).as(raw).matches("(?s)HTTP/1\\.1 " + status + " .*");   // nginx says 1.1 to every client
    assertThat(answer.toLowerCase()).contains("connection: close");
    Thread.sleep(100);   // anything proxied would have reached the origin by now
    assertThat(originRequests).as("requests that reached the origin").hasValue(0);
    return answer;
  }

  private static String send(String raw) throws Exception {
    return RawHttp.exchange(port, raw);
  }
}
