package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.xgate.gateway.Gateway;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nginx's {@code keepalive_timeout} on the client's side: a kept connection with no request open closes that long
 * after its last response, however long the origin waits are allowed to be ({@code proxy_read_timeout}); a request
 * that waits on its origin longer than that is not cut.
 */
class KeepaliveTimeoutTest {

  @TempDir
  static Path temp;

  private static Vertx vertx;
  private static Gateway gateway;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    int origin = vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/slow")) {
        vertx.setTimer(1500, t -> req.response().end("slow"));
      } else {
        req.response().end("fast");
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    port = RawHttp.freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n access_log off;\n"
        + " keepalive_timeout 1s; proxy_read_timeout 10s;\n"
        + " server { listen 127.0.0.1:" + port + ";\n"
        + "  location / { proxy_pass http://127.0.0.1:" + origin + "; }\n }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** Sends a kept-alive GET of {@code path} and reads its answer, which ends with {@code body}. */
  private static void exchange(Socket client, String path, String body) throws Exception {
    client.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
    StringBuilder answer = new StringBuilder();
    InputStream in = client.getInputStream();
    while (!answer.toString().endsWith("\r\n\r\n" + body)) {
      int b = in.read();
      assertThat(b).as("the answer to %s so far: %s", path, answer).isNotNegative();
      answer.append((char) b);
    }
    assertThat(answer.toString()).startsWith("HTTP/1.1 200 OK\r\n");
  }

  /** Milliseconds until the gateway closes {@code client}, which sends nothing meanwhile. */
  private static long millisUntilClosed(Socket client) throws Exception {
    long start = System.nanoTime();
    assertThat(client.getInputStream().read()).as("nothing but the close").isEqualTo(-1);
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void anIdleKeptConnectionClosesAfterKeepaliveTimeoutNotAfterTheOriginsReadTimeout() throws Exception {
    try (Socket client = new Socket("127.0.0.1", port)) {
      client.setSoTimeout(8000);
      exchange(client, "/a", "fast");
      exchange(client, "/b", "fast");   // a second request on it: the connection was kept
      assertThat(millisUntilClosed(client)).isBetween(700L, 4000L);
    }
  }

  @Test
  void aRequestWaitingOnItsOriginLongerThanKeepaliveTimeoutIsNotCut() throws Exception {
    try (Socket client = new Socket("127.0.0.1", port)) {
      client.setSoTimeout(8000);
      exchange(client, "/a", "fast");
      Thread.sleep(500);   // idle for half the timeout, then a request longer than the whole of it
      exchange(client, "/slow", "slow");
      exchange(client, "/c", "fast");
      assertThat(millisUntilClosed(client)).isBetween(700L, 4000L);
    }
  }
}
