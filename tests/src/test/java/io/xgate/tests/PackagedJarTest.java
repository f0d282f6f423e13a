package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as users run it: it finds every balancer through merged {@code META-INF/services}, tests configs
 * nginx style, serves, reloads on SIGHUP (keeping the running config when the new one is bad) and stops on
 * SIGTERM with its port released.
 */
class PackagedJarTest {

  private static final Path JAR = Path.of(System.getProperty("xgate.jar", "../gateway/target/xgate.jar"));
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir
  Path dir;
  private Process gateway;

  @AfterEach
  void stopGateway() throws InterruptedException {
    if (gateway != null && gateway.isAlive()) {
      gateway.destroyForcibly();
      gateway.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private record Run(int exit, String output) {
  }

  private Run xgate(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toAbsolutePath().toString()));
    cmd.addAll(List.of(args));
    return run(dir, cmd, 60);
  }

  /** Runs {@code cmd} in {@code workdir} to its end, with its output (standard error merged). */
  private static Run run(Path workdir, List<String> cmd, int timeoutSeconds) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(workdir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  @Test
  void theJarFindsTheBalancersThroughServiceLoader() throws Exception {
    Path conf = dir.resolve("hash.conf");
    Files.writeString(conf, "http {\n upstream h { hash $request_uri consistent; server 127.0.0.1:9001; "
        + "server 127.0.0.1:9002; }\n upstream l { least_conn; server 127.0.0.1:9001; server 127.0.0.1:9002; }\n"
        + " upstream i { ip_hash; server 127.0.0.1:9001; }\n upstream r { random two least_conn; "
        + "server 127.0.0.1:9001; }\n}\n");
    Run run = xgate("-t", "-c", conf.toString());
    assertThat(run.output()).contains("syntax is ok").contains("test is successful");
    assertThat(run.exit()).isZero();
  }

  @Test
  void testingAConfigPrintsWhatNginxWouldWarnAboutAndStillPasses() throws Exception {
    Path conf = dir.resolve("warned.conf");
    Files.writeString(conf, "http {\n deny 127.0.0.5/8;\n types { a/x dup; b/y dup; }\n}\n");
    Run run = xgate("-t", "-c", conf.toString());
    assertThat(run.output()).contains("xgate: [warn] low address bits of 127.0.0.5/8 are meaningless in " + conf
        + ":2\n", "xgate: [warn] duplicate extension \"dup\", content type: \"b/y\", previous content type: \"a/x\" in "
        + conf + ":3\n", "syntax is ok", "test is successful");   // nginx -t's words
    assertThat(run.exit()).isZero();
  }

  @Test
  void testingABadConfigNamesFileAndLineAndExitsOne() throws Exception {
    Path conf = dir.resolve("bad.conf");
    Files.writeString(conf, "http {\n  upstream u {\n    hash;\n    server 127.0.0.1:9001;\n  }\n}\n");
    Run run = xgate("-t", "-c", conf.toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.output()).contains("invalid number of arguments in \"hash\" directive in " + conf + ":3")
        .contains("test failed");
  }

  @Test
  void servesReloadsAndStops() throws Exception {
    int proxy = freePort();
    int o1 = freePort();
    int o2 = freePort();
    Path conf = dir.resolve("xgate.conf");
    Files.writeString(conf, config(proxy, o1, o2, "weight=2"));
    startGateway(conf, proxy);
    String started = Files.readString(dir.resolve("logs/error.log"));
    assertThat(started).doesNotContain("warm-up");
    if (hasNativeListenerShutdown()) {
      awaitLog("SIGTERM shuts the listening sockets down natively");
    }
    // smooth weighted round robin with weights 2:1, as nginx orders it
    assertThat(bodies(proxy, 3)).containsExactly("origin 1\n", "origin 2\n", "origin 1\n");

    // a bad config is rejected with its place in the error log, and the running one keeps serving
    Files.writeString(conf, config(proxy, o1, o2, "weight=2 bogus"));
    signal("HUP");
    awaitLog("reload rejected");
    assertThat(Files.readString(dir.resolve("logs/error.log"))).contains("invalid parameter \"bogus\" in " + conf);
    assertThat(bodies(proxy, 3)).containsExactly("origin 1\n", "origin 2\n", "origin 1\n");

    // a good one replaces it for the next requests (fresh balancer state)
    Files.writeString(conf, config(proxy, o1, o2, "down"));
    signal("HUP");
    awaitLog("reconfiguring");
    assertThat(bodies(proxy, 2)).containsExactly("origin 2\n", "origin 2\n");
    assertThat(Files.readString(dir.resolve("logs/access.log"))).contains("\"GET /r HTTP/1.1\" 200");

    // the native handler (when built) passes SIGTERM on: the Java fast shutdown still logs and removes the pid
    signal("TERM");
    assertThat(gateway.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(isListening(proxy)).isFalse();
    assertThat(dir.resolve("logs/xgate.pid")).doesNotExist();
    assertThat(Files.readString(dir.resolve("logs/error.log"))).contains("xgate exiting (fast shutdown)");
  }

  /** Whether the build compiled the native SIGTERM listener shutdown for this machine into the jar. */
  private static boolean hasNativeListenerShutdown() throws IOException {
    try (JarFile jar = new JarFile(JAR.toFile())) {
      return jar.getEntry("META-INF/native/libxgate_listener_shutdown_" + System.getProperty("os.arch") + ".so")
          != null;
    }
  }

  /**
   * The first proxied and logged request runs code that the start loaded already: the warm-up covers the proxy path,
   * the balancer chain and the access log's formats (whose time and locale code alone is ~100 classes), so none of
   * xgate's classes, and none of java.time's or the locale data's, is loaded while the first client waits. The start
   * finishes its own work (signal handlers, the pid file's code, its log lines) before the port opens, and no
   * method handles are spun for a string concatenation's first run (xgate is compiled with inline concatenation).
   */
  @Test
  void theFirstRequestFindsItsCodeLoaded() throws Exception {
    int proxy = freePort();
    int o1 = freePort();
    int o2 = freePort();
    Path conf = dir.resolve("xgate.conf");
    Files.writeString(conf, config(proxy, o1, o2, ""));
    Path loaded = dir.resolve("classes.log");
    startGateway(conf, proxy, "-Xlog:class+load:file=" + loaded);
    int before = Files.readAllLines(loaded).size();
    assertThat(bodies(proxy, 1)).containsExactly("origin 1\n");
    awaitLog("GET /r HTTP/1.1", "logs/access.log");
    List<String> duringFirstRequest = Files.readAllLines(loaded);
    assertThat(duringFirstRequest.subList(before, duringFirstRequest.size()))
        .noneMatch(line -> line.contains(" io.xgate.") || line.contains(" java.time.") || line.contains(" sun.util.")
            || line.contains(" java.lang.invoke.LambdaForm$"));
  }

  /** Runs the jar on {@code conf} (with {@code jvmOptions}) until the test ends; returns once it listens. */
  private void startGateway(Path conf, int proxyPort, String... jvmOptions) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java"));
    cmd.addAll(List.of(jvmOptions));
    cmd.addAll(List.of("-jar", JAR.toAbsolutePath().toString(), "-c", conf.toString()));
    gateway = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("out.log").toFile()).start();
    awaitListening(proxyPort);
  }

  private static String config(int proxy, int o1, int o2, String firstOriginParams) {
    return "worker_processes 2;\nerror_log logs/error.log info;\npid logs/xgate.pid;\n"
        + "http {\n access_log logs/access.log;\n"
        + " upstream origins {\n  server 127.0.0.1:" + o1 + " " + firstOriginParams + ";\n  server 127.0.0.1:" + o2
        + ";\n }\n"
        + " server { listen 127.0.0.1:" + proxy + "; location / { proxy_pass http://origins; } }\n"
        + " server { listen 127.0.0.1:" + o1 + "; location / { return 200 \"origin 1\\n\"; } }\n"
        + " server { listen 127.0.0.1:" + o2 + "; location / { return 200 \"origin 2\\n\"; } }\n"
        + "}\n";
  }

  private List<String> bodies(int port, int n) throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/r"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      out.add(r.body());
    }
    return out;
  }

  private void signal(String sig) throws Exception {
    assertThat(new ProcessBuilder("kill", "-" + sig, Long.toString(gateway.pid())).start().waitFor()).isZero();
  }

  private void awaitLog(String text) throws Exception {
    awaitLog(text, "logs/error.log");
  }

  private void awaitLog(String text, String file) throws Exception {
    LogFiles.awaitText(dir.resolve(file), text, 20);
  }

  private void awaitListening(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (isListening(port)) {
        return;
      }
      assertThat(gateway.isAlive()).as("gateway exited: " + Files.readString(dir.resolve("out.log"))).isTrue();
      Thread.sleep(50);
    }
    throw new AssertionError("gateway did not listen on " + port);
  }

  private static boolean isListening(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * Issue 3's fault cases replayed from outside against the jar by {@code bench/faults-from-outside.py} (an origin
   * that stalls, one that resets mid-body, one with an invalid head, a slow client with a spill file, a client that
   * leaves, a spilled POST body retried after a refused connection, pipelined requests), then its leak check: open
   * files and sockets back to their count, temp paths empty. The script prints one line per case.
   */
  @Test
  void theFaultCasesReplayedFromOutsideLeaveNothingBehind() throws Exception {
    Run replay = run(Path.of(".."),
        List.of("python3", "bench/faults-from-outside.py", "--jar", JAR.toAbsolutePath().toString()), 120);
    System.out.println(replay.output());
    assertThat(replay.output()).contains("0 failed");
    assertThat(replay.exit()).as(replay.output()).isZero();
  }
}
