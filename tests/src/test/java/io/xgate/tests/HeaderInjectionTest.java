package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.xgate.gateway.Gateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A header value made from variables cannot split a head. {@code $uri} is the decoded path, so a request to
 * {@code /x%0D%0AX-Injected:%20yes} makes it hold a line break; nginx 1.22.1 writes such a value as it is (the
 * client then gets, or the origin is sent, an {@code X-Injected} header of the requester's making). xgate answers
 * 500 instead and names the directive in the error log; the request neither hangs nor reaches the origin with the
 * header, and an error page under way goes out without its {@code add_header}s.
 */
class HeaderInjectionTest {

  private static final String INJECTING = "%0D%0AX-Injected:%20yes";

  @TempDir
  static Path temp;

  private static Vertx vertx;
  private static Gateway gateway;
  private static int port;
  private static final Queue<String> originSaw = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    int origin = vertx.createNetServer().connectHandler(socket -> {
      StringBuilder got = new StringBuilder();
      socket.handler(b -> {
        got.append(b.toString(StandardCharsets.ISO_8859_1));
        if (got.indexOf("\r\n\r\n") >= 0) {
          originSaw.add(got.toString());
          socket.end(Buffer.buffer("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\norigin"));
        }
      });
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    port = RawHttp.freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n access_log off;\n"
        + " server { listen 127.0.0.1:" + port + ";\n"
        + "  location /return/ { return 301 https://$host$uri; }\n"
        + "  location /text/ { return 200 \"[$uri]\"; }\n"
        + "  location /added/ { proxy_pass http://127.0.0.1:" + origin + "; add_header X-Uri $uri; }\n"
        + "  location /set/ { proxy_pass http://127.0.0.1:" + origin + "; proxy_set_header X-Uri $uri; }\n"
        + "  location /refused/ { proxy_pass http://127.0.0.1:" + RawHttp.freePort() + ";"
        + " add_header X-Uri $uri always; }\n"
        + " }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    Shutdown.stop(gateway, vertx);
  }

  @BeforeEach
  void forget() {
    originSaw.clear();
  }

  @Test
  void aReturnedRedirectWhoseUrlHoldsALineBreakIs500() throws Exception {
    String answer = get("/return/x" + INJECTING);
    assertThat(answer).startsWith("HTTP/1.1 500 Internal Server Error\r\n").doesNotContain("X-Injected")
        .doesNotContain("Location");
    LogFiles.awaitText(temp.resolve("error.log"), "[error] ");
    LogFiles.awaitText(temp.resolve("error.log"), "a line break in the value \"https://x/return/x\\x0D\\x0A"
        + "X-Injected: yes\" of \"return\", client: 127.0.0.1, server: , request: \"GET /return/x" + INJECTING
        + " HTTP/1.1\", host: \"x\"\n");
  }

  @Test
  void aReturnedTextMayHoldALineBreakAsItIsTheBody() throws Exception {
    assertThat(get("/text/x" + INJECTING)).startsWith("HTTP/1.1 200 OK\r\n")
        .endsWith("\r\n\r\n[/text/x\r\nX-Injected: yes]");
  }

  @Test
  void anAddHeaderValueWithALineBreakMakesThePassedResponseA500() throws Exception {
    String answer = get("/added/x" + INJECTING);
    assertThat(answer).startsWith("HTTP/1.1 500 Internal Server Error\r\n").doesNotContain("X-Injected")
        .doesNotContain("origin");
    LogFiles.awaitText(temp.resolve("error.log"), "a line break in the value \"/added/x\\x0D\\x0AX-Injected: yes\""
        + " of \"add_header X-Uri\"");
  }

  @Test
  void aProxySetHeaderValueWithALineBreakIsNotSentAndTheRequestIs500() throws Exception {
    String answer = get("/set/x" + INJECTING);
    assertThat(answer).startsWith("HTTP/1.1 500 Internal Server Error\r\n");
    LogFiles.awaitText(temp.resolve("error.log"), "a line break in the value \"/set/x\\x0D\\x0AX-Injected: yes\""
        + " of \"proxy_set_header X-Uri\"");
    Thread.sleep(100);   // a request sent would have reached the origin by now
    assertThat(originSaw).isEmpty();
  }

  @Test
  void anErrorPageWhoseAddHeaderValueHoldsALineBreakGoesWithoutIt() throws Exception {
    String answer = get("/refused/x" + INJECTING);
    assertThat(answer).startsWith("HTTP/1.1 502 Bad Gateway\r\n").doesNotContain("X-Uri")
        .doesNotContain("X-Injected").contains("<title>502 Bad Gateway</title>");
  }

  @Test
  void theSameValuesWithoutALineBreakGoOut() throws Exception {
    assertThat(get("/return/x")).startsWith("HTTP/1.1 301 ").contains("\r\nLocation: https://x/return/x\r\n");
    assertThat(get("/added/x%20y")).startsWith("HTTP/1.1 200 OK\r\n").contains("\r\nX-Uri: /added/x y\r\n")
        .endsWith("origin");
    originSaw.clear();
    assertThat(get("/set/x%20y")).startsWith("HTTP/1.1 200 OK\r\n");
    assertThat(originSaw.poll()).contains("\r\nX-Uri: /set/x y\r\n");
  }

  private static String get(String path) throws Exception {
    return RawHttp.exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  }
}
