package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.xgate.gateway.Gateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bytes beyond ASCII in a request and in the config are handled as nginx handles them, as bytes, whatever their
 * encoding: a UTF-8 path sent raw or escaped reaches the origin, matches a location, feeds a hash, is answered and
 * is logged as nginx 1.22.1 did for the same config and requests (each expectation was recorded from it). Strings
 * in xgate hold such bytes one char per byte (ISO-8859-1), as Netty decodes a head.
 */
class RequestBytesTest {

  /** "café" and "中文" as UTF-8 bytes, one char per byte, as they stand in a request line. */
  private static final String CAFE = "caf\u00c3\u00a9";
  private static final String ZHONGWEN = "\u00e4\u00b8\u00ad\u00e6\u0096\u0087";

  @TempDir
  static Path temp;
  private static Vertx vertx;
  private static Gateway gateway;
  private static int port;
  /** The request line each origin received, by origin index (0..3: the hash upstream's servers; 4: the plain one). */
  private static final List<Queue<String>> originSaw = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    List<Integer> origins = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Queue<String> saw = new ConcurrentLinkedQueue<>();
      originSaw.add(saw);
      NetServer server = vertx.createNetServer().connectHandler(socket -> {
        StringBuilder got = new StringBuilder();
        socket.handler(b -> {
          got.append(b.toString(StandardCharsets.ISO_8859_1));
          if (got.indexOf("\r\n\r\n") >= 0) {
            saw.add(got.substring(0, got.indexOf("\r\n")));
            socket.end(Buffer.buffer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"));
          }
        });
      });
      origins.add(server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
          .actualPort());
    }
    StringBuilder servers = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      servers.append(" server 127.0.0.1:").append(origins.get(i)).append(';');
    }
    port = RawHttp.freePort();
    // the config holds UTF-8 bytes too: a location and a hash key
    String conf = "error_log " + temp.resolve("error.log") + " info;\nhttp {\n"
        + " log_format bytes '$uri|$request_uri|$http_x_k';\n"
        + " log_format js escape=json '$uri|$request_uri';\n"
        + " access_log " + temp.resolve("access.log") + " bytes;\n"
        + " access_log " + temp.resolve("access-json.log") + " js;\n"
        + " upstream h { hash $request_uri;" + servers + " }\n"
        + " upstream hu { hash $uri;" + servers + " }\n"
        + " upstream hk { hash \"" + CAFE + "$http_x_k\";" + servers + " }\n"
        + " server { listen 127.0.0.1:" + port + ";\n"
        + "  location /a/ { proxy_pass http://127.0.0.1:" + origins.get(4) + "/b/; }\n"
        + "  location /h/ { proxy_pass http://h; }\n"
        + "  location /hu/ { proxy_pass http://hu; }\n"
        + "  location /hk/ { proxy_pass http://hk; }\n"
        + "  location /r/ { add_header X-Uri $uri; return 200 \"[$uri]\"; }\n"
        + "  location /" + CAFE + "/ { return 200 \"matched\"; }\n"
        + " }\n}\n";
    Files.write(temp.resolve("xgate.conf"), conf.getBytes(StandardCharsets.ISO_8859_1));
    gateway = Gateway.start(temp.resolve("xgate.conf"), temp).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    Shutdown.stop(gateway, vertx);
  }

  @BeforeEach
  void forget() {
    originSaw.forEach(Queue::clear);
  }

  @Test
  void aPathGoesToTheOriginAsItCameAndARewrittenOneIsEscapedOnlyIfItCameEscaped() throws Exception {
    // request path -> what nginx sent with proxy_pass http://origin/b/ for location /a/
    Map<String, String> sent = Map.of(
        "/a/" + CAFE, "GET /b/" + CAFE + " HTTP/1.1",
        "/a/caf%C3%A9", "GET /b/caf%C3%A9 HTTP/1.1",
        "/a/caf%E9", "GET /b/caf%E9 HTTP/1.1",
        "/a/x%20y", "GET /b/x%20y HTTP/1.1");
    for (Map.Entry<String, String> e : sent.entrySet()) {
      assertThat(get(e.getKey())).startsWith("HTTP/1.1 200 OK");
      assertThat(originSaw.get(4).poll()).as(e.getKey()).isEqualTo(e.getValue());
    }
    assertThat(get("/h/" + ZHONGWEN)).startsWith("HTTP/1.1 200 OK");
    assertThat(originSaw.stream().map(Queue::poll).filter(java.util.Objects::nonNull))
        .as("passed on unchanged").containsExactly("GET /h/" + ZHONGWEN + " HTTP/1.1");
  }

  @Test
  void aHashOfARequestWithUtf8BytesPicksThePeerNginxPicks() throws Exception {
    // request path -> the index of the server nginx 1.22.1 chose (hash $request_uri, hash $uri, hash "café$http_x_k")
    Map<String, Integer> chosen = Map.of(
        "/h/" + CAFE, 0, "/h/caf%C3%A9", 1, "/h/" + ZHONGWEN, 1,
        "/hu/" + CAFE, 2, "/hu/caf%C3%A9", 2, "/hu/caf%E9", 0, "/hu/\u00e4\u00b8\u00ad", 1,
        "/hk/1", 3);
    for (Map.Entry<String, Integer> e : chosen.entrySet()) {
      assertThat(get(e.getKey())).startsWith("HTTP/1.1 200 OK");
      assertThat(originSaw.get(e.getValue()).poll()).as(e.getKey()).isEqualTo("GET " + e.getKey() + " HTTP/1.1");
    }
  }

  @Test
  void aLocationWrittenInUtf8MatchesThePathSentRawOrEscaped() throws Exception {
    assertThat(get("/" + CAFE + "/")).endsWith("\r\n\r\nmatched");
    assertThat(get("/caf%C3%A9/")).endsWith("\r\n\r\nmatched");
  }

  @Test
  void anAnswerMadeOfTheUriHoldsItsBytes() throws Exception {
    assertThat(get("/r/" + CAFE)).contains("\r\nX-Uri: /r/" + CAFE + "\r\n").endsWith("\r\n\r\n[/r/" + CAFE + "]");
    assertThat(get("/r/caf%E9")).contains("\r\nX-Uri: /r/caf\u00e9\r\n").endsWith("\r\n\r\n[/r/caf\u00e9]");
  }

  @Test
  void theAccessLogWritesTheBytesAsNginxDoes() throws Exception {
    get("/r/" + CAFE);
    get("/r/caf%E9");
    // nginx's default escaping: \xHH for each byte above 0x7E; escape=json: the bytes as they are
    LogFiles.awaitText(temp.resolve("access.log"), "/r/caf\\xC3\\xA9|/r/caf\\xC3\\xA9|\\xC3\\xA9t\\xC3\\xA9\n"
        + "/r/caf\\xE9|/r/caf%E9|\\xC3\\xA9t\\xC3\\xA9\n");
    LogFiles.awaitText(temp.resolve("access-json.log"), "/r/" + CAFE + "|/r/" + CAFE + "\n/r/caf\u00e9|/r/caf%E9\n");
  }

  private static String get(String path) throws Exception {
    return RawHttp.exchange(port, "GET " + path + " HTTP/1.1\r\nHost: a\r\nX-K: \u00c3\u00a9t\u00c3\u00a9\r\n"
        + "Connection: close\r\n\r\n");
  }
}
