package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.xgate.gateway.Gateway;
import io.xgate.gateway.config.EventMethod;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A change to the config file, or to a file it includes, reloads the running gateway (config_scan_interval, through
 * vertx-config); a bad change is rejected with its file:line and the running config keeps serving.
 */
class ConfigChangeReloadTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir
  Path temp;

  private Gateway gateway;

  @AfterEach
  void stop() throws Exception {
    Shutdown.stop(gateway);
  }

  @Test
  void anEditedIncludeIsServedWithoutASignalAndABadEditIsRejected() throws Exception {
    int port = freePort();
    Path conf = temp.resolve("xgate.conf");
    Path location = temp.resolve("location.conf");
    Files.writeString(conf, "config_scan_interval 100ms;\nerror_log " + temp.resolve("error.log") + " info;\n"
        + "http {\n access_log off;\n server { listen 127.0.0.1:" + port + ";\n  include location.conf;\n }\n}\n");
    Files.writeString(location, "location / { return 200 \"one\"; }\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(body(port)).isEqualTo("one");

    Files.writeString(location, "location / { return 200 \"two\"; }\n");
    awaitBody(port, "two");

    Files.writeString(location, "location / { retrun 200 \"bad\"; }\n");
    LogFiles.awaitText(temp.resolve("error.log"), "unknown directive \"retrun\" in " + location + ":1");
    assertThat(body(port)).isEqualTo("two");

    Files.writeString(location, "location / { return 200 \"three\"; }\n");
    awaitBody(port, "three");
  }

  @Test
  void aReloadWarnsThatProcessAndEventMethodChangesWaitForARestartAndAppliesTheRest() throws Exception {
    int port = freePort();
    Path conf = temp.resolve("xgate.conf");
    String method = EventMethod.EPOLL.available() ? "epoll" : null;
    String config = "error_log " + temp.resolve("error.log") + " info;\nworker_processes 1;\n"
        + (method == null ? "" : "events { use " + method + "; }\n")
        + "http {\n access_log off;\n server { listen 127.0.0.1:" + port + ";\n"
        + "  location / { return 200 \"one\"; }\n }\n}\n";
    Files.writeString(conf, config);
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    Files.writeString(conf, config.replace("worker_processes 1;", "worker_processes 2;")
        .replace("events { use epoll; }\n", "").replace("\"one\"", "\"two\""));
    gateway.reload().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    awaitBody(port, "two");
    LogFiles.awaitText(temp.resolve("error.log"), "\"worker_processes\" changes take effect on restart only");
    if (method != null) {
      LogFiles.awaitText(temp.resolve("error.log"), "\"use\" changes take effect on restart only");
    }
  }

  @Test
  void aPreparedGatewayOpensItsPortsOnListenAndRunsAReloadAskedForMeanwhile() throws Exception {
    int port = freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\n"
        + "http {\n access_log off;\n server { listen 127.0.0.1:" + port + "; location / { return 200 \"one\"; } }\n}\n");
    gateway = Gateway.prepare(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(listening(port)).isFalse();

    Files.writeString(conf, Files.readString(conf).replace("\"one\"", "\"two\""));
    gateway.reload().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(listening(port)).isFalse();

    gateway.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    awaitBody(port, "two");
  }

  @Test
  void aReloadsClientHeaderTimeoutAndHeaderBuffersApplyToTheConnectionsAfterIt() throws Exception {
    int port = freePort();
    Path conf = temp.resolve("xgate.conf");
    String config = "error_log " + temp.resolve("error.log") + " info;\n"
        + "http {\n access_log off;\n client_header_timeout 30s;\n large_client_header_buffers 4 8k;\n"
        + " server { listen 127.0.0.1:" + port + "; location / { return 200 \"one\"; } }\n}\n";
    Files.writeString(conf, config);
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    String longLine = "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + "v".repeat(2000) + "\r\nConnection: close\r\n\r\n";
    assertThat(RawHttp.exchange(port, longLine)).startsWith("HTTP/1.1 200 OK\r\n");

    Files.writeString(conf, config.replace("30s", "1s").replace("4 8k", "4 1k"));
    gateway.reload().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(RawHttp.exchange(port, longLine)).startsWith("HTTP/1.1 400 Bad Request\r\n");
    try (java.net.Socket quiet = new java.net.Socket("127.0.0.1", port)) {
      quiet.setSoTimeout(8000);
      long start = System.nanoTime();
      assertThat(quiet.getInputStream().read()).isEqualTo(-1);   // client_header_timeout 1s, not 30s
      assertThat((System.nanoTime() - start) / 1_000_000).isBetween(700L, 4000L);
    }
  }

  private static boolean listening(int port) {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void awaitBody(int port, String expected) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String got = body(port);
    while (!got.equals(expected) && System.nanoTime() < end) {
      Thread.sleep(50);
      got = body(port);
    }
    assertThat(got).isEqualTo(expected);
  }

  private static String body(int port) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
