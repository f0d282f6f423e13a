package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.xgate.gateway.Gateway;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Passive health is shared per peer address: two upstreams listing the same dead server, one finds it dead and the
 * other stops sending there too ({@code shared_health on}, the default); {@code shared_health off} keeps nginx's
 * per-upstream state.
 */
class SharedHealthTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir
  Path temp;

  private HttpServer origin;
  private String live;
  private String dead;
  private Gateway gateway;
  private int port;

  @BeforeEach
  void startOrigin() throws Exception {
    origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    origin.createContext("/", exchange -> {
      byte[] body = "live".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    origin.start();
    live = "127.0.0.1:" + origin.getAddress().getPort();
    dead = "127.0.0.1:" + freePort();   // nothing listens there: connection refused
  }

  /** Upstreams a and b (health shared) and own ({@code shared_health off}) list the same dead and live servers. */
  private void start(String checkOfA) throws Exception {
    String servers = " server " + dead + "; server " + live + "; ";
    port = freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n access_log off;\n"
        + " upstream a {" + checkOfA + servers + "}\n"
        + " upstream b {" + servers + "}\n"
        + " upstream own { shared_health off;" + servers + "}\n"
        + " server { listen 127.0.0.1:" + port + ";\n"
        + "  add_header X-Upstream-Addr $upstream_addr always;\n"
        + "  location /a { proxy_pass http://a; }\n"
        + "  location /b { proxy_pass http://b; }\n"
        + "  location /own { proxy_pass http://own; }\n"
        + " }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    Shutdown.stop(gateway);
    origin.stop(0);
  }

  @Test
  void aPeerOneUpstreamFoundDeadIsSkippedByAnotherListingTheSameAddress() throws Exception {
    start("");
    assertThat(tried("/a")).as("a finds the dead peer itself").isEqualTo(dead + ", " + live);
    assertThat(tried("/b")).as("b never tries it: a's failure counts against b's max_fails=1").isEqualTo(live);
    assertThat(tried("/b")).isEqualTo(live);
    assertThat(tried("/a")).isEqualTo(live);
  }

  @Test
  void anUpstreamWithSharedHealthOffNeitherLearnsNorTells() throws Exception {
    start("");
    assertThat(tried("/a")).isEqualTo(dead + ", " + live);
    assertThat(tried("/own")).as("own keeps nginx's per-upstream state").isEqualTo(dead + ", " + live);
    assertThat(tried("/own")).isEqualTo(live);
    assertThat(tried("/b")).as("b learned from a, not from own").isEqualTo(live);
  }

  @Test
  void failuresFoundByAnOptedOutUpstreamStayThere() throws Exception {
    start("");
    assertThat(tried("/own")).isEqualTo(dead + ", " + live);
    assertThat(tried("/a")).isEqualTo(dead + ", " + live);
  }

  @Test
  void anActiveCheckOfOneUpstreamHoldsTheAddressDownForEveryUpstreamSharingIt() throws Exception {
    start(" check interval=100 rise=1 fall=1 timeout=500 type=tcp;");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String first = null;
    while (System.nanoTime() < deadline) {   // servers start down until their first rise, as in Tengine
      first = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/a")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode() == 200 ? "up" : null;
      if (first != null) {
        break;
      }
      Thread.sleep(50);
    }
    assertThat(first).as("the check let the live server up").isEqualTo("up");
    assertThat(tried("/b")).as("b has no check, yet never tries what a's check holds down").isEqualTo(live);
    assertThat(tried("/b")).isEqualTo(live);
    assertThat(tried("/own")).as("own keeps its own view: it finds the dead server itself").isEqualTo(dead + ", " + live);
  }

  private String tried(String uri) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + uri))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("live");
    return r.headers().firstValue("X-Upstream-Addr").orElseThrow();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
