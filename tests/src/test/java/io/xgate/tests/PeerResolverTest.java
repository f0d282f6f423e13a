package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.xgate.gateway.Gateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upstream_by_bgn_listen}: the line protocol for caches that asked a "detect" process for an origin address
 * picks exactly as the upstream would, and its lease reports feed {@code max_fails}.
 */
class PeerResolverTest {

  @TempDir
  Path temp;

  private Gateway gateway;
  private Socket socket;
  private BufferedReader in;
  private OutputStream out;

  @BeforeEach
  void start() throws Exception {
    int http = freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n access_log off;\n"
        + " upstream_by_bgn_listen 127.0.0.1:" + freePort() + ";\n"
        + " upstream u { server 127.0.0.1:19001 weight=2; server 127.0.0.1:19002; }\n"
        + " upstream h { hash $request_uri; server 127.0.0.1:19001; server 127.0.0.1:19002; server 127.0.0.1:19003; }\n"
        + " upstream broken { test_throwing_hook next; server 127.0.0.1:19001; }\n"
        + " server { listen 127.0.0.1:" + http + "; location / { upstream_by_bgn u; } }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    socket = new Socket("127.0.0.1", gateway.peerResolverPort());
    socket.setSoTimeout(10_000);
    in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
    out = socket.getOutputStream();
  }

  @AfterEach
  void stop() throws Exception {
    if (socket != null) {
      socket.close();
    }
    Shutdown.stop(gateway);
  }

  @Test
  void resolveAnswersTheUpstreamsOwnSequence() throws Exception {
    assertThat(ask("RESOLVE u")).isEqualTo("127.0.0.1:19001");
    assertThat(ask("RESOLVE u")).isEqualTo("127.0.0.1:19002");
    assertThat(ask("RESOLVE u\r")).as("a CRLF line works too").isEqualTo("127.0.0.1:19001");
  }

  @Test
  void theKeyStandsForTheVariablesAHashBalancerReads() throws Exception {
    String first = ask("RESOLVE h /some/object?v=1");
    for (int i = 0; i < 5; i++) {
      assertThat(ask("RESOLVE h /some/object?v=1")).isEqualTo(first);
    }
  }

  @Test
  void aLeaseReportedFailedDisablesThePeerAsMaxFailsSays() throws Exception {
    String[] lease = ask("LEASE u").split(" ");
    assertThat(lease[0]).isEqualTo("127.0.0.1:19001");
    assertThat(ask("REPORT " + lease[1] + " failed")).isEqualTo("OK");
    for (int i = 0; i < 3; i++) {
      assertThat(ask("RESOLVE u")).isEqualTo("127.0.0.1:19002");
    }
    assertThat(ask("REPORT " + lease[1] + " ok")).isEqualTo("ERR unknown, closed or expired lease");
  }

  @Test
  void aFailureReportCanAskForTheNextPeerUnderTheSameLease() throws Exception {
    String[] lease = ask("LEASE u").split(" ");
    assertThat(ask("REPORT " + lease[1] + " timeout next")).isEqualTo("127.0.0.1:19002 " + lease[1]);
    assertThat(ask("REPORT " + lease[1] + " ok")).isEqualTo("OK");
  }

  @Test
  void badCommandsGetAnErrorLineAndTheConnectionStaysUsable() throws Exception {
    assertThat(ask("RESOLVE nosuch")).isEqualTo("ERR no upstream \"nosuch\"");
    assertThat(ask("RESOLVE")).isEqualTo("ERR usage: RESOLVE upstream [key]");
    assertThat(ask("HELLO")).isEqualTo("ERR unknown command \"HELLO\"");
    assertThat(ask("REPORT x maybe")).isEqualTo("ERR unknown, closed or expired lease");
    assertThat(ask("REPORT x")).isEqualTo("ERR usage: REPORT lease-id ok|failed|timeout [next]");
    assertThat(ask("RESOLVE u")).isEqualTo("127.0.0.1:19001");
  }

  @Test
  void aBalancerPluginThatThrowsGetsAnErrorLineAndTheConnectionStaysUsable() throws Exception {
    assertThat(ask("LEASE broken")).isEqualTo("ERR balancer selection of upstream \"broken\" failed: "
        + "java.lang.IllegalStateException: plugin bug in next()");
    assertThat(ask("RESOLVE broken")).startsWith("ERR balancer selection of upstream \"broken\" failed");
    assertThat(gateway.leases().openCount()).isZero();
    assertThat(ask("RESOLVE u")).isEqualTo("127.0.0.1:19001");
  }

  @Test
  void aLineLongerThan4kIsRefusedAndTheConnectionClosed() throws Exception {
    assertThat(ask("RESOLVE u " + "x".repeat(5000))).isEqualTo("ERR line longer than 4096 bytes");
    assertThat(in.readLine()).isNull();
  }

  @Test
  void aReloadMovesTheListenerOrStopsIt() throws Exception {
    Path conf = temp.resolve("xgate.conf");
    int before = gateway.peerResolverPort();
    int moved = freePort();
    Files.writeString(conf, Files.readString(conf).replaceAll("upstream_by_bgn_listen 127.0.0.1:\\d+",
        "upstream_by_bgn_listen 127.0.0.1:" + moved));
    gateway.reload().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(gateway.peerResolverPort()).isEqualTo(moved);
    assertThat(canConnect(before)).as("the old port is released").isFalse();
    try (Socket s = new Socket("127.0.0.1", moved)) {
      s.getOutputStream().write("RESOLVE u\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine())
          .startsWith("127.0.0.1:1900");
    }
    Files.writeString(conf, Files.readString(conf).replaceAll("upstream_by_bgn_listen 127.0.0.1:\\d+;", ""));
    gateway.reload().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(gateway.peerResolverPort()).isEqualTo(-1);
    assertThat(canConnect(moved)).isFalse();
  }

  private static boolean canConnect(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private String ask(String line) throws IOException {
    out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return in.readLine();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
