package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.xgate.gateway.Gateway;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tengine's active health check end to end, with real loopback backends that stop and start again: servers start
 * down, come up after {@code rise} passing checks, go down after {@code fall} failing ones, the status page shows
 * it in every format; probes stop with the upstream (reload) and with the gateway; the HTML page renders in a real
 * browser.
 */
class HealthCheckTest {

  @TempDir
  Path temp;

  private Vertx backendsVertx;
  private final Map<Integer, HttpServer> backends = new HashMap<>();
  private final Map<Integer, AtomicInteger> probes = new HashMap<>();
  private Gateway gateway;

  @BeforeEach
  void startVertx() {
    backendsVertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    Shutdown.stop(gateway, backendsVertx);
  }

  @Test
  void serversStartDownUntilTheirFirstRise() throws Exception {
    int a = freePort();
    int b = freePort();
    backend(a);
    backend(b);
    // rise=2 with interval=10000: the second passing check comes at least 10 s after the first
    int port = start("upstream u { server 127.0.0.1:" + a + "; server 127.0.0.1:" + b + ";\n"
        + "  check interval=10000 rise=2 fall=3 timeout=1000 type=http; }\n");
    Map<String, String[]> rows = rows(port);
    assertThat(rows).containsOnlyKeys("127.0.0.1:" + a, "127.0.0.1:" + b);
    for (String[] row : rows.values()) {
      assertThat(row[3]).as("status of " + row[2]).isEqualTo("down");
      assertThat(Integer.parseInt(row[4])).as("rise count of " + row[2]).isLessThan(2);
      assertThat(row[5]).as("fall count of " + row[2]).isEqualTo("0");
    }
    Response r = get(port, "/");
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.header("X-Upstream-Addr")).as("no live peer: the upstream's name").isEqualTo("u");
  }

  @Test
  void aStoppedServerGoesDownAfterFallAndComesBackAfterRise() throws Exception {
    int a = freePort();
    int b = freePort();
    backend(a);
    backend(b);
    int port = start("upstream u { server 127.0.0.1:" + a + " max_fails=0; server 127.0.0.1:" + b
        + " max_fails=0;\n  check interval=100 rise=2 fall=3 timeout=300 type=http;\n"
        + "  check_http_send \"HEAD / HTTP/1.0\\r\\n\\r\\n\";\n  check_http_expect_alive http_2xx http_3xx; }\n");
    await(() -> rows(port).values().stream().allMatch(r -> r[3].equals("up")), 5000);
    assertThat(servedBy(port, 4)).containsOnly("127.0.0.1:" + a, "127.0.0.1:" + b);

    stopBackend(b);
    await(() -> rows(port).get("127.0.0.1:" + b)[3].equals("down"), 5000);
    String[] down = rows(port).get("127.0.0.1:" + b);
    assertThat(Integer.parseInt(down[5])).as("fall count").isGreaterThanOrEqualTo(3);
    assertThat(down[4]).as("rise count").isEqualTo("0");
    assertThat(servedBy(port, 6)).containsOnly("127.0.0.1:" + a);
    Response r = get(port, "/");
    assertThat(r.header("X-Upstream-Addr")).as("the down server is not even tried").isEqualTo("127.0.0.1:" + a);

    backend(b);
    await(() -> rows(port).get("127.0.0.1:" + b)[3].equals("up"), 5000);
    assertThat(Integer.parseInt(rows(port).get("127.0.0.1:" + b)[4])).isGreaterThanOrEqualTo(2);
    assertThat(servedBy(port, 4)).contains("127.0.0.1:" + b);
  }

  @Test
  void theStatusPageServesGetAndHeadOnlyInEveryFormat() throws Exception {
    int a = freePort();
    backend(a);
    int port = start("upstream u { server 127.0.0.1:" + a + ";\n  check interval=100 rise=1 fall=1 timeout=300 "
        + "type=tcp port=" + a + "; }\n");
    await(() -> rows(port).get("127.0.0.1:" + a)[3].equals("up"), 5000);

    Response json = get(port, "/status?format=json&status=up");
    assertThat(json.header("Content-Type")).isEqualTo("application/json");
    assertThat(json.body()).startsWith("{\"servers\": {\n  \"total\": 1,\n  \"up\": 1,\n  \"down\": 0,\n"
        + "  \"generation\": 1,\n").contains("\"type\": \"tcp\", \"port\": " + a + "}");
    assertThat(json.header("Content-Length")).isEqualTo(Integer.toString(json.body().length()));
    assertThat(get(port, "/status?format=json&status=down").body()).contains("\"total\": 0,");
    assertThat(get(port, "/status?format=prometheus").header("Content-Type")).isEqualTo("text/plain");
    assertThat(get(port, "/status?format=xml").header("Content-Type")).as("unknown: the location's format")
        .isEqualTo("text/html");

    Response head = request(port, "HEAD /status?format=json HTTP/1.1");
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Type")).isEqualTo("application/json");
    assertThat(head.header("Content-Length")).as("HEAD: headers without Content-Length").isNull();
    assertThat(head.body()).isEmpty();

    Response post = request(port, "POST /status HTTP/1.1\r\nContent-Length: 0");
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.header("Content-Type")).isEqualTo("text/html");
  }

  @Test
  void probesStopWithTheUpstreamAtReloadAndWithTheGateway() throws Exception {
    int kept = freePort();
    int dropped = freePort();
    backend(kept);
    backend(dropped);
    String check = "  check interval=100 rise=1 fall=2 timeout=300 type=http; }\n";
    int port = start("upstream u { server 127.0.0.1:" + kept + "; server 127.0.0.1:" + dropped + ";\n" + check);
    await(() -> rows(port).values().stream().allMatch(r -> r[3].equals("up")), 5000);

    writeConfig(port, "upstream u { server 127.0.0.1:" + kept + ";\n" + check);
    gateway.reload().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    Map<String, String[]> after = rows(port);
    assertThat(after).containsOnlyKeys("127.0.0.1:" + kept);
    assertThat(after.get("127.0.0.1:" + kept)[3]).as("an address still checked keeps its state").isEqualTo("up");
    assertThat(get(port, "/status?format=json").body()).contains("\"generation\": 2,");

    Thread.sleep(300);   // a check already under way may still arrive
    int droppedProbes = probes.get(dropped).get();
    int keptProbes = probes.get(kept).get();
    Thread.sleep(700);
    assertThat(probes.get(dropped).get()).as("no probe of a server the reload removed").isEqualTo(droppedProbes);
    assertThat(probes.get(kept).get()).as("the kept server is still checked").isGreaterThan(keptProbes);

    gateway.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    gateway = null;
    Thread.sleep(300);
    keptProbes = probes.get(kept).get();
    Thread.sleep(700);
    assertThat(probes.get(kept).get()).as("no probe after the gateway stopped").isEqualTo(keptProbes);
  }

  @Test
  void theHtmlPageRendersInHeadlessChromium() throws Exception {
    String chromium = findChromium();
    assumeTrue(chromium != null, "no chromium on this machine (Debian: apt-get install chromium)");
    int a = freePort();
    int b = freePort();
    backend(a);
    int port = start("upstream u { server 127.0.0.1:" + a + "; server 127.0.0.1:" + b + ";\n"
        + "  check interval=100 rise=1 fall=1 timeout=300 type=http; }\n");
    await(() -> rows(port).get("127.0.0.1:" + a)[3].equals("up")
        && rows(port).get("127.0.0.1:" + b)[3].equals("down"), 5000);

    Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--user-data-dir=" + temp.resolve("chromium"), "--dump-dom", "http://127.0.0.1:" + port + "/status")
        .redirectError(temp.resolve("chromium.log").toFile()).start();
    String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(dom).as("the DOM Chromium built from the page").contains("<h1>Nginx http upstream check status</h1>");

    // the table as the browser parsed it: a header row and one row per checked server
    List<List<String>> table = new ArrayList<>();
    Matcher row = Pattern.compile("<tr[^>]*>(.*?)</tr>", Pattern.DOTALL).matcher(dom);
    while (row.find()) {
      List<String> cells = new ArrayList<>();
      Matcher cell = Pattern.compile("<t[hd]>(.*?)</t[hd]>").matcher(row.group(1));
      while (cell.find()) {
        cells.add(cell.group(1));
      }
      table.add(cells);
    }
    assertThat(table).hasSize(3);
    assertThat(table.get(0)).containsExactly("Index", "Upstream", "Name", "Status", "Rise counts", "Fall counts",
        "Check type", "Check port");
    assertThat(table.get(1)).startsWith("0", "u", "127.0.0.1:" + a, "up");
    assertThat(table.get(2)).startsWith("1", "u", "127.0.0.1:" + b, "down");
    assertThat(dom).contains("<tr bgcolor=\"#FF0000\">");
  }

  // ---------------------------------------------------------------- helpers

  private record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase());
    }
  }

  private static String findChromium() {
    for (String c : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
      if (Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    return null;
  }

  private int start(String upstream) throws Exception {
    int port = freePort();
    Path conf = writeConfig(port, upstream);
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return port;
  }

  private Path writeConfig(int port, String upstream) throws IOException {
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "config_scan_interval off;\nerror_log " + temp.resolve("error.log") + " info;\n"
        + "http {\n  access_log off;\n" + upstream
        + "  server {\n    listen 127.0.0.1:" + port + ";\n"
        + "    location / { proxy_pass http://u; add_header X-Upstream-Addr $upstream_addr always; }\n"
        + "    location = /status { check_status; }\n"
        + "    location = /status_csv { check_status csv; }\n"
        + "  }\n}\n");
    return conf;
  }

  private void backend(int port) throws Exception {
    AtomicInteger count = probes.computeIfAbsent(port, p -> new AtomicInteger());
    String addr = "127.0.0.1:" + port;
    HttpServer s = backendsVertx.createHttpServer().requestHandler(req -> {
      if (req.method().name().equals("HEAD") || req.uri().equals("/")) {
        count.incrementAndGet();
      }
      req.response().putHeader("X-Backend", addr).end(addr);
    }).listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    backends.put(port, s);
  }

  private void stopBackend(int port) throws Exception {
    backends.remove(port).close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The csv status page's rows by server name. */
  private static Map<String, String[]> rows(int port) {
    Map<String, String[]> out = new HashMap<>();
    try {
      for (String line : get(port, "/status_csv").body().split("\n")) {
        if (!line.isBlank()) {
          String[] r = line.split(",");
          out.put(r[2], r);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static List<String> servedBy(int port, int n) throws IOException {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Response r = get(port, "/t/" + i);
      assertThat(r.status()).isEqualTo(200);
      out.add(r.header("X-Backend"));
    }
    return out;
  }

  private static Response get(int port, String target) throws IOException {
    return request(port, "GET " + target + " HTTP/1.1");
  }

  private static Response request(int port, String head) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write((head + "\r\nHost: golden\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      String raw = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      int end = raw.indexOf("\r\n\r\n");
      String[] lines = raw.substring(0, end).split("\r\n");
      Map<String, String> headers = new HashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(), lines[i].substring(colon + 1).trim());
      }
      return new Response(Integer.parseInt(lines[0].split(" ")[1]), headers, raw.substring(end + 4));
    }
  }

  private static void await(BooleanSupplier condition, long millis) throws InterruptedException {
    long end = System.nanoTime() + millis * 1_000_000;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within " + millis + " ms").isLessThan(end);
      Thread.sleep(20);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
