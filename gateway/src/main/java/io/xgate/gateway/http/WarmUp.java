package io.xgate.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.xgate.gateway.config.ConfigLoader;
import io.xgate.gateway.config.GatewayConfig;
import io.xgate.gateway.config.NginxConfigParser;
import io.xgate.gateway.config.UpstreamConfig;
import io.xgate.gateway.upstream.UpstreamRegistry;
import io.xgate.spi.BalancerRegistry;
import io.xgate.spi.ConfigException;
import io.xgate.spi.TimeSource;
import io.vertx.core.Promise;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Sends rounds of requests through the whole request path before a worker serves: listener, location routing,
 * {@code return}, {@code proxy_pass} with a balancer selection, the origin client, request and response bodies,
 * connections kept alive and closed on either side, and the fast-shutdown close of a listener. A cold JVM spends
 * about 15 ms loading and linking that code on its first request, and runs the next ones in the interpreter at
 * several milliseconds each; that would land on the first real requests and skew what depends on timing
 * (least_conn counts overlapping requests; {@code proxy_next_upstream_timeout}, {@code SIGTERM} releasing the port
 * at once). A hundred rounds get the request path compiled by the JIT's first tier (after ~200 calls a method is).
 *
 * <p>Each round also sends one request through an upstream with each balancer chain the served config uses (two
 * servers, both its own origin), so that {@code least_conn} or {@code hash} code is loaded and compiled before their
 * first real request.
 *
 * <p>The warm-up has its own config, upstream and origin: one throwaway listener on an ephemeral loopback port
 * that is both the proxy ({@code location /proxy/}) and its origin ({@code location /origin/}). No configured peer
 * is contacted and no configured balancer is touched, so the first real request meets the balancers in their
 * initial state, as nginx's would.
 */
public final class WarmUp {

  /** The warm-up's upstream, which the verticle's origin clients must not keep. */
  static final String UPSTREAM = "xgate_warm_up";
  /**
   * How many rounds of requests ({@link #round}): enough for the JIT to compile the request path (a method is
   * compiled after ~200 calls), so that the first real requests do not run in the interpreter.
   */
  private static final int ROUNDS = Math.max(1, Integer.getInteger("xgate.warmup.rounds", 100));
  /** The longest a warm-up may take; a slow machine serves colder rather than later. */
  private static final long MAX_NANOS = 3_000_000_000L;

  private WarmUp() {
  }

  /**
   * Runs the warm-up on the calling event loop.
   *
   * @param handler the worker's request handling, given the warm-up generation and its listen key
   * @return completes when done; fails when a warm-up request did not get its answer (a bug in the request path;
   *     the worker can serve all the same, only colder)
   */
  static Future<Void> run(Vertx vertx, BalancerRegistry providers, GatewayConfig served,
      Function<Handler<HttpServerRequest>, HttpServer> listeners, BiConsumer<HttpServerRequest, Generation> handler) {
    Generation[] warm = new Generation[1];
    HttpServer server = listeners.apply(req -> handler.accept(req, warm[0]));
    List<String> chains = balancerChains(served);
    return server.listen(0, "127.0.0.1").compose(bound -> {
      try {
        warm[0] = generation(bound.actualPort(), providers, chains);
      } catch (ConfigException | IOException e) {
        return Future.failedFuture(e);
      }
      HttpClient client = vertx.createHttpClient();
      long deadline = System.nanoTime() + MAX_NANOS;
      return rounds(client, bound.actualPort(), chains.size(), ROUNDS, deadline).eventually(client::close);
    }).transform(outcome -> {
      ListenerSockets.closeNow(server, ListenerSockets.channelOf(server), 1000);
      if (warm[0] != null) {
        warm[0].upstreams().close();
      }
      return server.close().transform(x -> outcome.succeeded() ? Future.<Void>succeededFuture()
          : Future.<Void>failedFuture(outcome.cause()));
    });
  }

  /** {@code left} more rounds, one after the other, while the deadline allows. */
  private static Future<Void> rounds(HttpClient client, int port, int chains, int left, long deadline) {
    if (left == 0 || System.nanoTime() - deadline > 0) {
      return Future.succeededFuture();
    }
    return round(client, port, chains).compose(x -> rounds(client, port, chains, left - 1, deadline));
  }

  /**
   * One request of each shape: kept-alive connections both ways, a body, both sides closing their connection after
   * the answer (as an HTTP/1.0 origin or a {@code Connection: close} client do), and one through each chain.
   */
  private static Future<Void> round(HttpClient client, int port, int chains) {
    Future<Void> chain = send(client, port, HttpMethod.GET, "/proxy/get", null, false)
        .compose(x -> send(client, port, HttpMethod.POST, "/proxy/post", "body", false))
        .compose(x -> send(client, port, HttpMethod.GET, "/close/get", null, true));
    for (int i = 0; i < chains; i++) {
      String uri = "/chain" + i + "/get?a=1";
      chain = chain.compose(x -> send(client, port, HttpMethod.GET, uri, null, false));
    }
    return chain;
  }

  private static Future<Void> send(HttpClient client, int port, HttpMethod method, String uri, String body,
      boolean close) {
    return client.request(method, port, "127.0.0.1", uri).compose(req -> {
      if (close) {
        req.putHeader(HttpHeaders.CONNECTION, "close");
      }
      return body == null ? req.send() : req.send(body);
    }).compose(WarmUp::expectWarm);
  }

  private static Future<Void> expectWarm(HttpClientResponse response) {
    return response.body().compose(body -> response.statusCode() == 200 && body.toString().equals("warm")
        ? Future.<Void>succeededFuture()
        : Future.<Void>failedFuture("warm-up request got " + response.statusCode() + " " + body));
  }

  /**
   * The distinct balancer chains of the served config, as directive lines ({@code "least_conn;"}): the warm-up
   * runs a request through each, so their code is loaded before their first real request.
   */
  private static List<String> balancerChains(GatewayConfig served) {
    Set<String> chains = new LinkedHashSet<>();
    if (served != null) {
      for (UpstreamConfig u : served.upstreams().values()) {
        StringBuilder lines = new StringBuilder();
        for (UpstreamConfig.BalancerStep step : u.balancers()) {
          lines.append(step.directive().name());
          for (String arg : step.directive().args()) {
            lines.append(" \"").append(arg.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
          }
          lines.append("; ");
        }
        if (lines.length() > 0) {
          chains.add(lines.toString());
        }
      }
    }
    return new ArrayList<>(chains);
  }

  private static Generation generation(int port, BalancerRegistry providers, List<String> chains)
      throws ConfigException, IOException {
    StringBuilder upstreams = new StringBuilder();
    StringBuilder locations = new StringBuilder();
    for (int i = 0; i < chains.size(); i++) {
      // two servers, so that the chain's own code runs rather than the one-peer shortcut
      upstreams.append("  upstream ").append(UPSTREAM).append(i).append(" { ").append(chains.get(i))
          .append("server 127.0.0.1:").append(port).append("; server 127.0.0.1:").append(port).append("; }\n");
      locations.append("    location /chain").append(i).append("/ { proxy_pass http://").append(UPSTREAM).append(i)
          .append("/origin/; }\n");
    }
    String text = "http {\n"
        + "  access_log off;\n"
        + "  upstream " + UPSTREAM + " { server 127.0.0.1:" + port + "; keepalive 1; }\n"
        + "  upstream " + UPSTREAM + "_closing { server 127.0.0.1:" + port + "; }\n"
        + upstreams
        + "  server {\n"
        + "    listen 127.0.0.1:" + port + ";\n"
        + "    location /origin/ { return 200 \"warm\"; }\n"
        + "    location /proxy/ { proxy_pass http://" + UPSTREAM + "/origin/;"
        + " add_header X-Upstream-Addr $upstream_addr always; proxy_set_header Connection \"\"; }\n"
        + "    location /close/ { proxy_pass http://" + UPSTREAM + "_closing/origin/; }\n"
        + locations
        + "  }\n"
        + "}\n";
    Path file = Path.of("warm-up.conf").toAbsolutePath();
    GatewayConfig config = new ConfigLoader(providers, file.getParent())
        .build(file, new NginxConfigParser(file.getParent()).parseText(text, file.toString()));
    return new Generation(config, UpstreamRegistry.build(config, providers, TimeSource.SYSTEM, null), Map.of());
  }

  /**
   * Completes once the process has gone quiet after the warm-up (it used at most a fifth of one CPU over the last
   * 50 ms), or after {@code maxMillis}. Right after the warm-up the JIT compiler keeps a CPU busy for a few hundred
   * milliseconds; a gateway that opened its ports then would serve its first requests, and react to signals,
   * several milliseconds slower than it does a moment later.
   */
  public static Future<Void> settle(Vertx vertx, long maxMillis) {
    if (!(ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
        || os.getProcessCpuTime() < 0) {
      return Future.succeededFuture();
    }
    long windowNanos = 50_000_000L;
    long start = System.nanoTime();
    ArrayDeque<long[]> samples = new ArrayDeque<>();   // {wall nanos, process cpu nanos}
    samples.add(new long[] {start, os.getProcessCpuTime()});
    Promise<Void> settled = Promise.promise();
    vertx.setPeriodic(10, id -> {
      long now = System.nanoTime();
      long cpu = os.getProcessCpuTime();
      samples.add(new long[] {now, cpu});
      // keep the newest sample that is at least a window old, and the ones after it
      while (samples.size() > 2 && now - secondOf(samples)[0] >= windowNanos) {
        samples.pollFirst();
      }
      long[] oldest = samples.peekFirst();
      boolean quiet = now - oldest[0] >= windowNanos && (cpu - oldest[1]) * 5 <= now - oldest[0];
      if (quiet || now - start >= maxMillis * 1_000_000L) {
        vertx.cancelTimer(id);
        settled.complete();
      }
    });
    return settled.future();
  }

  private static long[] secondOf(ArrayDeque<long[]> samples) {
    var it = samples.iterator();
    it.next();
    return it.next();
  }

  /** The listen key every warm-up request arrives on. */
  static String listenKey(Generation warm) {
    return warm.listens().keySet().iterator().next();
  }
}
