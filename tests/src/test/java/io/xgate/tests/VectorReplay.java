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

/**
 * Replays one golden vector (recorded from nginx or Tengine) against the real gateway, in process: starts the
 * vector's backends on loopback, writes the same config {@code shared/tools/xgate-as-proxy.sh} writes, sends the
 * requests from their client addresses with their {@code at_ms} timing, and returns what came back per request.
 * For Tengine vectors ({@code tengine_version}) the backends also answer {@code set_cookie:VALUE} and report the
 * {@code Cookie} they received in {@code X-Backend-Saw-Cookie}, as {@code golden.py}'s do, and the requests are
 * strictly sequential ({@code at_ms} is the earliest send time).
 */
final class VectorReplay {

  /**
   * What one request got.
   *
   * @param setCookie the {@code Set-Cookie} values the client got, in order (empty when none)
   * @param backendCookie the {@code Cookie} the answering backend received ({@code <none>} without one, several
   *     joined with {@code " || "}), or {@code null} when the backend does not report it
   */
  record Result(String servedBy, List<String> tried, Integer status, String error, List<String> setCookie,
      String backendCookie) {
    @Override
    public String toString() {
      return error != null ? "error " + error : "served_by=" + servedBy + " tried=" + tried + " status=" + status
          + (setCookie.isEmpty() ? "" : " set_cookie=" + setCookie)
          + (backendCookie == null ? "" : " backend_cookie=\"" + backendCookie + "\"");
    }
  }

  /** The header golden.py's Tengine backends report the received {@code Cookie} in. */
  static final String SAW_COOKIE = "X-Backend-Saw-Cookie";

  private VectorReplay() {
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
      boolean tengine = vector.containsKey("tengine_version");
      for (Map.Entry<String, Object> e : vector.getJsonObject("backends")) {
        String kind = (String) e.getValue();
        if (kind.equals("refused")) {
          continue;
        }
        backends.add(startBackend(backendsVertx, e.getKey(), kind, tengine));
      }
      Path conf = writeConfig(vector, workers, workdir, proxyPort);
      gw = Gateway.start(conf, workdir).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return send(vector.getJsonArray("requests"), proxyPort, tengine);
    } finally {
      if (gw != null) {
        gw.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      backendsVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * A backend as golden.py runs them: body and X-Backend are its address; status, delay and {@code Set-Cookie} per
   * its kind; for Tengine vectors it reports the {@code Cookie} it received.
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
          .putHeader("Content-Type", "text/plain").end(addr);
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
    for (Object d : vector.getJsonArray("location_directives", new JsonArray())) {
      if (!((String) d).startsWith("proxy_pass ")) {   // Tengine vectors list it; the config below has its own
        directives.append(d).append('\n');
      }
    }
    Files.writeString(loc, directives.toString());
    String name = vector.getString("upstream_name", "u");
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
        + "  }\n"
        + "}\n";
    Path conf0 = wd.resolve("xgate.conf");
    Files.writeString(conf0, conf);
    return conf0;
  }

  /**
   * Sends the requests in order: without at_ms after the previous one completed, with at_ms at that offset (for
   * {@code sequential} Tengine vectors, at that offset but never before the previous one completed).
   */
  private static List<Result> send(JsonArray requests, int port, boolean sequential) throws Exception {
    int n = requests.size();
    List<CompletableFuture<Result>> results = new ArrayList<>();
    long t0 = System.nanoTime();
    CompletableFuture<Result> last = null;
    for (int i = 0; i < n; i++) {
      JsonObject req = requests.getJsonObject(i);
      if (sequential) {
        long wait = t0 + req.getLong("at_ms", 0L) * 1_000_000 - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        results.add(CompletableFuture.completedFuture(sendOne(port, i, req)));
      } else if (req.containsKey("at_ms")) {
        long wait = t0 + req.getLong("at_ms") * 1_000_000 - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        int idx = i;
        CompletableFuture<Result> f = CompletableFuture.supplyAsync(() -> sendOne(port, idx, req));
        results.add(f);
        last = f;
      } else {
        if (last != null) {
          last.join();
          last = null;
        }
        CompletableFuture<Result> f = CompletableFuture.completedFuture(sendOne(port, i, req));
        results.add(f);
      }
    }
    List<Result> out = new ArrayList<>();
    for (CompletableFuture<Result> f : results) {
      out.add(f.get(60, TimeUnit.SECONDS));
    }
    return out;
  }

  /** One request on a new connection bound to the request's client address, raw HTTP/1.1. */
  private static Result sendOne(int port, int idx, JsonObject req) {
    String method = req.getString("method", "GET");
    String clientIp = req.getString("client_ip", "127.0.0.1");
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(req.getString("uri")).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1:").append(port).append("\r\n")
        .append("X-Golden-Req: ").append(idx).append("\r\n")
        .append("Connection: close\r\n");
    JsonObject headers = req.getJsonObject("headers", new JsonObject());
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
      return new Result(null, null, null, e.toString(), List.of(), null);
    }
  }

  private static Result parse(String response) {
    int end = response.indexOf("\r\n\r\n");
    String[] lines = (end >= 0 ? response.substring(0, end) : response).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    String served = null;
    List<String> tried = null;
    List<String> setCookie = new ArrayList<>();
    String backendCookie = null;
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      String name = lines[i].substring(0, colon).trim();
      String value = lines[i].substring(colon + 1).trim();
      if (name.equalsIgnoreCase("X-Backend")) {
        served = value;
      } else if (name.equalsIgnoreCase("Set-Cookie")) {
        setCookie.add(value);
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
    return new Result(served, tried, status, null, setCookie, backendCookie);
  }

  /** The expected result of request {@code i}. */
  static Result expected(JsonObject vector, int i) {
    JsonObject e = vector.getJsonArray("expect").getJsonObject(i);
    List<String> tried = new ArrayList<>();
    for (Object t : e.getJsonArray("tried")) {
      tried.add((String) t);
    }
    return new Result(e.getString("served_by"), tried, e.getInteger("status"), null, List.of(), null);
  }

  /**
   * The expected result of request {@code i} of a Tengine vector: also its {@code set_cookie} ({@code null}, one
   * value or a list) and, where the vector has a {@code .backend_cookies.json} companion, the backend's Cookie.
   *
   * @param backendCookies the companion's {@code backend_saw_cookie} list, or {@code null}
   */
  static Result expectedTengine(JsonObject vector, JsonArray backendCookies, int i) {
    Result r = expected(vector, i);
    Object c = vector.getJsonArray("expect").getJsonObject(i).getValue("set_cookie");
    List<String> setCookie = new ArrayList<>();
    if (c instanceof String one) {
      setCookie.add(one);
    } else if (c instanceof JsonArray many) {
      many.forEach(v -> setCookie.add((String) v));
    }
    String backendCookie = backendCookies == null ? null : backendCookies.getString(i);
    return new Result(r.servedBy(), r.tried(), r.status(), null, setCookie, backendCookie);
  }

  static List<String> list(String... s) {
    return Arrays.asList(s);
  }
}
