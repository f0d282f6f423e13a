package io.xgate.tests;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.xgate.gateway.Gateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * Replays one golden vector (recorded from nginx or Tengine) against the real gateway, in process: starts the
 * vector's backends on loopback, writes the same config {@code shared/tools/xgate-as-proxy.sh} writes, sends the
 * requests from their client addresses with their {@code at_ms} timing, and returns what came back per request.
 *
 * <p>Tengine vectors (those with {@code tengine_version}) are sent as their recorder sent them: strictly one after
 * the other, {@code at_ms} the earliest send time after the first request (0: right after the previous response),
 * with {@code Host: golden}; their backends also answer {@code X-Served-By}, {@code set_cookie:VALUE} backends send
 * {@code Set-Cookie: VALUE}, and every backend reports the {@code Cookie} it received in
 * {@code X-Backend-Saw-Cookie}, as golden.py's do.
 */
final class VectorReplay {

  /**
   * What one request got.
   *
   * @param backendCookie the {@code Cookie} the answering Tengine-vector backend received ({@code <none>} without
   *     one, several joined with {@code " || "}), or {@code null} when not reported or not compared
   */
  record Result(String servedBy, List<String> tried, Integer status, Object setCookie, String error,
      String backendCookie) {
    Result(String servedBy, List<String> tried, Integer status, Object setCookie, String error) {
      this(servedBy, tried, status, setCookie, error, null);
    }

    @Override
    public String toString() {
      return error != null ? "error " + error : "served_by=" + servedBy + " tried=" + tried + " status=" + status
          + (setCookie != null ? " set_cookie=" + setCookie : "")
          + (backendCookie != null ? " backend_cookie=\"" + backendCookie + "\"" : "");
    }
  }

  /** The header golden.py's Tengine backends report the received {@code Cookie} in. */
  static final String SAW_COOKIE = "X-Backend-Saw-Cookie";

  private VectorReplay() {
  }

  /** Replays one vector with {@code worker_processes workers} and asserts on what it got. */
  @FunctionalInterface
  interface Replay {
    void replay(String name, int workers) throws Exception;
  }

  /**
   * One dynamic test per vector of {@code names}, first all with one worker process, then all with two: the
   * vectors were recorded from one nginx worker, and xgate must answer the same with either count.
   *
   * @param label added after the vector's name in the test's name ("" for none)
   */
  static Stream<DynamicTest> withOneAndTwoWorkers(String[] names, String label, Replay replay) {
    List<DynamicTest> tests = new ArrayList<>();
    for (int workers : new int[] {1, 2}) {
      for (String name : names) {
        tests.add(DynamicTest.dynamicTest(name + label + " with worker_processes " + workers,
            () -> replay.replay(name, workers)));
      }
    }
    return tests.stream();
  }

  static JsonObject load(String resource) throws IOException {
    try (InputStream in = VectorReplay.class.getResourceAsStream(resource)) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** Runs {@code vector} through a gateway with {@code workers} worker event loops. */
  static List<Result> run(JsonObject vector, int workers, Path workdir, int proxyPort) throws Exception {
    Vertx backendsVertx = Vertx.vertx();
    List<HttpServer> backends = new ArrayList<>();
    Gateway gw = null;
    try {
      for (Map.Entry<String, Object> e : vector.getJsonObject("backends")) {
        String kind = (String) e.getValue();
        if (kind.equals("refused")) {
          continue;
        }
        backends.add(startBackend(backendsVertx, e.getKey(), kind, vector.containsKey("tengine_version")));
      }
      Path conf = writeConfig(vector, workers, workdir, proxyPort);
      gw = Gateway.start(conf, workdir).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return vector.containsKey("tengine_version") ? sendInTurn(vector.getJsonArray("requests"), proxyPort)
          : send(vector.getJsonArray("requests"), proxyPort);
    } finally {
      if (gw != null) {
        gw.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      backendsVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * A backend as golden.py runs them: body and X-Backend are its address; status, delay and {@code Set-Cookie} per
   * its kind; for a Tengine vector ({@code tengine}) it reports the {@code Cookie} it received.
   */
  private static HttpServer startBackend(Vertx vertx, String addr, String kind, boolean tengine) throws Exception {
    int status = kind.startsWith("status:") ? Integer.parseInt(kind.substring(7)) : 200;
    long delay = kind.startsWith("delay_ms:") ? Long.parseLong(kind.substring(9)) : 0;
    String setCookie = kind.startsWith("set_cookie:") ? kind.substring(11) : null;
    int colon = addr.lastIndexOf(':');
    String host = addr.substring(0, colon);
    int port = Integer.parseInt(addr.substring(colon + 1));
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      String q = req.getParam("delay_ms");
      long d = q != null ? Long.parseLong(q) : delay;
      if (tengine) {
        List<String> cookies = req.headers().getAll("Cookie");
        req.response().putHeader(SAW_COOKIE, cookies.isEmpty() ? "<none>" : String.join(" || ", cookies));
      }
      if (setCookie != null) {
        req.response().putHeader("Set-Cookie", setCookie);
      }
      Runnable answer = () -> req.response().setStatusCode(status).putHeader("X-Backend", addr)
          .putHeader("X-Served-By", addr).putHeader("Content-Type", "text/plain").end(addr);
      req.body().onComplete(x -> {
        if (d > 0) {
          vertx.setTimer(d, t -> answer.run());
        } else {
          answer.run();
        }
      });
    });
    return server.listen(port, host).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Path writeConfig(JsonObject vector, int workers, Path wd, int port) throws IOException {
    Files.createDirectories(wd);
    Path up = wd.resolve("upstream.conf");
    Path loc = wd.resolve("location.conf");
    Files.writeString(up, vector.getString("upstream") + "\n");
    StringBuilder directives = new StringBuilder();
    String upstreamName = vector.getString("upstream_name", "u");
    for (Object d : vector.getJsonArray("location_directives", new JsonArray())) {
      // Tengine vectors end in the proxy_pass the config below writes itself (golden.py drops it too)
      if (vector.containsKey("tengine_version")
          && ((String) d).strip().matches("proxy_pass\\s+http://" + java.util.regex.Pattern.quote(upstreamName)
              + "/?\\s*;")) {
        continue;
      }
      directives.append(d).append('\n');
    }
    Files.writeString(loc, directives.toString());
    String name = vector.getString("upstream_name", "u");
    String serverText = serverLevelText(vector);
    String conf = "worker_processes " + workers + ";\n"
        + "error_log " + wd.resolve("error.log") + " info;\n"
        + "pid " + wd.resolve("xgate.pid") + ";\n"
        + "http {\n"
        + "  access_log off;\n"
        + "  include " + up + ";\n"
        + "  server {\n"
        + "    listen 127.0.0.1:" + port + ";\n"
        + "    location / {\n"
        + "      proxy_pass http://" + name + ";\n"
        + "      include " + loc + ";\n"
        + "      add_header X-Upstream-Addr $upstream_addr always;\n"
        + "    }\n"
        + serverText
        + "  }\n"
        + "}\n";
    Path conf0 = wd.resolve("xgate.conf");
    Files.writeString(conf0, conf);
    return conf0;
  }

  /** Sends the requests in order: without at_ms after the previous one completed, with at_ms at that offset. */
  private static List<Result> send(JsonArray requests, int port) throws Exception {
    int n = requests.size();
    List<CompletableFuture<Result>> results = new ArrayList<>();
    long t0 = System.nanoTime();
    CompletableFuture<Result> last = null;
    for (int i = 0; i < n; i++) {
      JsonObject req = requests.getJsonObject(i);
      if (req.containsKey("at_ms")) {
        long wait = t0 + req.getLong("at_ms") * 1_000_000 - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        int idx = i;
        CompletableFuture<Result> f = CompletableFuture.supplyAsync(() -> sendOne(port, idx, req, null));
        results.add(f);
        last = f;
      } else {
        if (last != null) {
          last.join();
          last = null;
        }
        CompletableFuture<Result> f = CompletableFuture.completedFuture(sendOne(port, i, req, null));
        results.add(f);
      }
    }
    List<Result> out = new ArrayList<>();
    for (CompletableFuture<Result> f : results) {
      out.add(f.get(60, TimeUnit.SECONDS));
    }
    return out;
  }

  /** Tengine's recorder: one request at a time, each no earlier than {@code at_ms} after the first was sent. */
  private static List<Result> sendInTurn(JsonArray requests, int port) throws InterruptedException {
    List<Result> out = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < requests.size(); i++) {
      JsonObject req = requests.getJsonObject(i);
      long wait = t0 + req.getLong("at_ms", 0L) * 1_000_000 - System.nanoTime();
      if (i > 0 && wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      if (i == 0) {
        t0 = System.nanoTime();
      }
      out.add(sendOne(port, i, req, "golden"));
    }
    return out;
  }

  /**
   * One request on a new connection bound to the request's client address, raw HTTP/1.1; {@code host} is the
   * {@code Host} header unless the request gives one ({@code null}: the proxy's address).
   */
  private static Result sendOne(int port, int idx, JsonObject req, String host) {
    String method = req.getString("method", "GET");
    String clientIp = req.getString("client_ip", "127.0.0.1");
    JsonObject headers = req.getJsonObject("headers", new JsonObject());
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(req.getString("uri")).append(" HTTP/1.1\r\n");
    if (!headers.fieldNames().stream().anyMatch(h -> h.equalsIgnoreCase("host"))) {
      head.append("Host: ").append(host != null ? host : "127.0.0.1:" + port).append("\r\n");
    }
    head.append("X-Golden-Req: ").append(idx).append("\r\n")
        .append("Connection: close\r\n");
    for (Map.Entry<String, Object> h : headers) {
      head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    String body = req.getString("body");
    if (body != null || method.equals("POST") || method.equals("PUT")) {
      head.append("Content-Length: ").append(body == null ? 0 : body.getBytes(StandardCharsets.UTF_8).length)
          .append("\r\n");
    }
    head.append("\r\n");
    if (body != null) {
      head.append(body);
    }
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(clientIp), 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      s.getInputStream().transferTo(all);
      return parse(all.toString(StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      return new Result(null, null, null, null, e.toString());
    }
  }

  private static Result parse(String response) {
    int end = response.indexOf("\r\n\r\n");
    String[] lines = (end >= 0 ? response.substring(0, end) : response).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    String served = null;
    List<String> tried = new ArrayList<>();   // no X-Upstream-Addr: nothing tried
    List<String> cookies = new ArrayList<>();
    String backendCookie = null;
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      String name = lines[i].substring(0, colon).trim();
      String value = lines[i].substring(colon + 1).trim();
      if (name.equalsIgnoreCase("X-Backend") || name.equalsIgnoreCase("X-Served-By")) {
        served = value;
      } else if (name.equalsIgnoreCase("Set-Cookie")) {
        cookies.add(value);
      } else if (name.equalsIgnoreCase(SAW_COOKIE)) {
        backendCookie = value;
      } else if (name.equalsIgnoreCase("X-Upstream-Addr")) {
        tried = new ArrayList<>();
        for (String group : value.split(" : ")) {
          for (String p : group.split(",")) {
            if (!p.isBlank()) {
              tried.add(p.trim());
            }
          }
        }
      }
    }
    Object setCookie = cookies.isEmpty() ? null : cookies.size() == 1 ? cookies.get(0) : cookies;
    return new Result(served, tried, status, setCookie, null, backendCookie);
  }

  /** The expected result of request {@code i}. */
  static Result expected(JsonObject vector, int i) {
    JsonObject e = vector.getJsonArray("expect").getJsonObject(i);
    List<String> tried = new ArrayList<>();
    for (Object t : e.getJsonArray("tried")) {
      tried.add((String) t);
    }
    Object setCookie = e.getValue("set_cookie");
    if (setCookie instanceof JsonArray a) {
      setCookie = a.getList();
    }
    return new Result(e.getString("served_by"), tried, e.getInteger("status"), setCookie, null);
  }

  /** The requests whose result differs from the vector's expectation, one line each; empty when all match. */
  static List<String> mismatches(JsonObject vector, List<Result> got) {
    return mismatches(vector, null, got);
  }

  /**
   * As {@link #mismatches(JsonObject, List)}, and where {@code backendCookies} (the {@code backend_saw_cookie} list
   * of the vector's {@code .backend_cookies.json} companion) is given, also the {@code Cookie} each backend received.
   */
  static List<String> mismatches(JsonObject vector, JsonArray backendCookies, List<Result> got) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < got.size(); i++) {
      Result e = expected(vector, i);
      Result want = new Result(e.servedBy(), e.tried(), e.status(), e.setCookie(), null,
          backendCookies == null ? null : backendCookies.getString(i));
      Result g = got.get(i);
      if (backendCookies == null) {
        g = new Result(g.servedBy(), g.tried(), g.status(), g.setCookie(), g.error());
      }
      if (!want.equals(g)) {
        out.add("#" + i + " " + vector.getJsonArray("requests").getJsonObject(i).getString("uri")
            + ": got " + g + ", expected " + want);
      }
    }
    return out;
  }

  static List<String> list(String... s) {
    return Arrays.asList(s);
  }

  // ---------------------------------------------------------------- Tengine vectors (golden.py's rules)

  /** Where the replay reads the health-check state before request 0, as golden.py's {@code --check-status-path}. */
  static final String CHECK_STATUS_PATH = "/__check_status";

  /** golden.py's default {@code --timeline-tolerance-ms}. */
  static final long TIMELINE_TOLERANCE_MS = 1500;

  /**
   * Server-level config text: the vector's optional {@code server_directives} and, for an upstream with
   * {@code check}, {@code location = /__check_status { check_status csv; access_log off; }}.
   */
  private static String serverLevelText(JsonObject vector) {
    StringBuilder b = new StringBuilder();
    for (Object d : vector.getJsonArray("server_directives", new JsonArray())) {
      String line = ((String) d).stripTrailing();
      b.append("    ").append(line).append(line.endsWith(";") || line.endsWith("}") ? "" : ";").append('\n');
    }
    if (hasCheck(vector)) {
      b.append("    location = ").append(CHECK_STATUS_PATH).append(" { check_status csv; access_log off; }\n");
    }
    return b.toString();
  }

  /** Whether the vector's upstream has an active health check. */
  static boolean hasCheck(JsonObject vector) {
    return vector.getString("upstream", "").lines().anyMatch(l -> l.strip().startsWith("check "));
  }

  /**
   * Replays a Tengine vector as golden.py does: backends with their schedules ({@code ok@0,refused@2000,ok@6000}:
   * stop listening at 2000 ms, listen again at 6000), for a checked upstream a wait until the status page says
   * every server is up, then the requests strictly one after another, each sent no earlier than its {@code at_ms}
   * after request 0, a schedule change due at or before that time applied first.
   */
  static List<Result> runTengine(JsonObject vector, int workers, Path workdir, int proxyPort) throws Exception {
    Vertx backendsVertx = Vertx.vertx();
    ScheduledBackends backends = new ScheduledBackends(backendsVertx, vector.getJsonObject("backends"));
    Gateway gw = null;
    try {
      backends.start();
      Path conf = writeConfig(vector, workers, workdir, proxyPort);
      gw = Gateway.start(conf, workdir).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      if (hasCheck(vector)) {
        awaitCheckUp(proxyPort, 30_000);
      }
      JsonArray requests = vector.getJsonArray("requests");
      List<Result> out = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int i = 0; i < requests.size(); i++) {
        JsonObject req = requests.getJsonObject(i);
        long target = req.getLong("at_ms", 0L);
        backends.applyUntil(target, t0);
        long wait = t0 + target * 1_000_000 - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        out.add(sendOne(proxyPort, i, req, "golden"));
      }
      return out;
    } finally {
      if (gw != null) {
        gw.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      backendsVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** The rows of {@code GET /__check_status?format=csv}, or {@code null} when the page does not answer 200. */
  static List<String[]> checkStatusRows(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(2000);
      s.getOutputStream().write(("GET " + CHECK_STATUS_PATH + "?format=csv HTTP/1.1\r\nHost: golden\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      if (!response.startsWith("HTTP/1.1 200")) {
        return null;
      }
      List<String[]> rows = new ArrayList<>();
      for (String line : response.substring(response.indexOf("\r\n\r\n") + 4).split("\n")) {
        if (!line.isBlank()) {
          rows.add(line.split(","));
        }
      }
      return rows;
    } catch (IOException e) {
      return null;
    }
  }

  /** Waits until the status page lists servers and says every one is up (golden.py's {@code wait_check_up}). */
  static void awaitCheckUp(int port, long timeoutMs) throws InterruptedException {
    long end = System.nanoTime() + timeoutMs * 1_000_000;
    List<String[]> rows = null;
    while (System.nanoTime() < end) {
      rows = checkStatusRows(port);
      if (rows != null && !rows.isEmpty() && rows.stream().allMatch(r -> r.length > 3 && r[3].equals("up"))) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the health check did not report every server up within " + timeoutMs + " ms: "
        + (rows == null ? "no status page" : rows.stream().map(r -> String.join(",", r)).toList()));
  }

  /**
   * golden.py's timeline comparison for TIMED vectors: a result that differs from the stored one is accepted when it
   * equals one of the two stored states around a change of the same request key (method, URI, client address and
   * headers for hash balancers; any request for round robin) within {@code toleranceMs} of that change. Returns
   * the requests that fail it.
   */
  static List<String> timelineMismatches(JsonObject vector, List<Result> got, long toleranceMs) {
    JsonArray requests = vector.getJsonArray("requests");
    boolean keyed = vector.getString("upstream").lines().map(String::strip)
        .anyMatch(l -> l.startsWith("consistent_hash ") || l.startsWith("hash ") || l.startsWith("ip_hash")
            || l.startsWith("session_sticky"));
    int n = got.size();
    long[] at = new long[n];
    String[] keyClass = new String[n];
    Result[] want = new Result[n];
    for (int i = 0; i < n; i++) {
      JsonObject r = requests.getJsonObject(i);
      at[i] = r.getLong("at_ms", 0L);
      keyClass[i] = keyed ? r.getString("method", "GET") + " " + r.getString("uri") + " "
          + r.getString("client_ip", "127.0.0.1") + " " + r.getJsonObject("headers", new JsonObject()).encode() : "";
      want[i] = expected(vector, i);
    }
    // per key class: the stored changes (t_a, t_b, state before, state after)
    record Change(long ta, long tb, Result a, Result b) {
    }
    java.util.Map<String, List<Change>> changes = new java.util.HashMap<>();
    java.util.Map<String, Integer> last = new java.util.HashMap<>();
    for (int i = 0; i < n; i++) {
      Integer prev = last.put(keyClass[i], i);
      if (prev != null && !want[prev].equals(want[i])) {
        changes.computeIfAbsent(keyClass[i], k -> new ArrayList<>()).add(new Change(at[prev], at[i], want[prev],
            want[i]));
      }
    }
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Result g = got.get(i);
      // the timelines compare peers, statuses and cookies set, not the Cookie a backend received
      g = new Result(g.servedBy(), g.tried() == null && g.error() == null ? List.of() : g.tried(), g.status(),
          g.setCookie(), g.error());   // no X-Upstream-Addr: nothing tried
      if (g.equals(want[i])) {
        continue;
      }
      long best = Long.MAX_VALUE;
      for (Change c : changes.getOrDefault(keyClass[i], List.of())) {
        if (g.equals(c.a()) || g.equals(c.b())) {
          best = Math.min(best, Math.max(0, Math.max(c.ta() - at[i], at[i] - c.tb())));
        }
      }
      if (g.error() != null || best > toleranceMs) {
        mismatches.add("#" + i + " at " + at[i] + " ms: got " + g + ", expected " + want[i]
            + " (no recorded state of this request within " + toleranceMs + " ms)");
      }
    }
    return mismatches;
  }

  /** Backends whose kinds may follow a schedule, as golden.py's {@code ScheduledBackends}. */
  private static final class ScheduledBackends {
    private final Vertx vertx;
    private final java.util.Map<String, List<java.util.Map.Entry<Long, String>>> schedules =
        new java.util.LinkedHashMap<>();
    private final java.util.Map<String, HttpServer> running = new java.util.HashMap<>();
    private final java.util.TreeMap<Long, List<String[]>> due = new java.util.TreeMap<>();

    ScheduledBackends(Vertx vertx, JsonObject spec) {
      this.vertx = vertx;
      for (java.util.Map.Entry<String, Object> e : spec) {
        String kinds = (String) e.getValue();
        List<java.util.Map.Entry<Long, String>> steps = new ArrayList<>();
        if (kinds.matches("([^,@]+@\\d+)(,[^,@]+@\\d+)*")) {
          for (String part : kinds.split(",")) {
            int at = part.lastIndexOf('@');
            steps.add(java.util.Map.entry(Long.parseLong(part.substring(at + 1)), part.substring(0, at)));
          }
          steps.sort(java.util.Map.Entry.comparingByKey());
          if (steps.get(0).getKey() != 0) {
            steps.add(0, java.util.Map.entry(0L, "refused"));
          }
        } else {
          steps.add(java.util.Map.entry(0L, kinds));
        }
        schedules.put(e.getKey(), steps);
        for (java.util.Map.Entry<Long, String> step : steps.subList(1, steps.size())) {
          due.computeIfAbsent(step.getKey(), k -> new ArrayList<>()).add(new String[] {e.getKey(), step.getValue()});
        }
      }
    }

    void start() throws Exception {
      for (var e : schedules.entrySet()) {
        set(e.getKey(), e.getValue().get(0).getValue());
      }
    }

    /** Applies every change due at or before {@code atMs}, each at its own time. */
    void applyUntil(long atMs, long t0) throws Exception {
      while (!due.isEmpty() && due.firstKey() <= atMs) {
        var next = due.pollFirstEntry();
        long wait = t0 + next.getKey() * 1_000_000 - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        for (String[] change : next.getValue()) {
          set(change[0], change[1]);
        }
      }
    }

    private void set(String addr, String kind) throws Exception {
      HttpServer old = running.remove(addr);
      if (old != null) {
        old.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      if (!kind.equals("refused")) {
        running.put(addr, startBackend(vertx, addr, kind, true));
      }
    }
  }
}
