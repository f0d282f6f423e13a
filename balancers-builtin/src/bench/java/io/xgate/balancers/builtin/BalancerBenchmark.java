package io.xgate.balancers.builtin;

import io.vertx.core.Vertx;
import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.BalancerRegistry;
import io.xgate.spi.Directive;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.RequestView;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.Selection;
import io.xgate.spi.TimeSource;
import io.xgate.spi.UpstreamContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Picks per second of each balancer: open a selection, take its first peer, report success (one healthy request).
 * Run with the {@code bench} profile (see BENCHMARKS.md); not part of the default build.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class BalancerBenchmark {

  /** One upstream shared by all benchmark threads, as one upstream is shared by all event loops. */
  @State(Scope.Benchmark)
  public static class Upstream {
    @Param({"rr", "hash", "chash", "ip_hash", "least_conn", "random", "random_two"})
    public String algorithm;

    @Param({"2", "100", "2000"})
    public int peers;

    Balancer balancer;
    RequestView[] requests;

    @Setup
    public void setUp() {
      List<Peer> list = new ArrayList<>();
      for (int i = 0; i < peers; i++) {
        String host = "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255);
        list.add(new Peer(host + ":8080", host, 8080, 1 + i % 3, 1, 10, 0, false, false, Map.of()));
      }
      PeerGroup group = new PeerGroup("u", list, null);
      BalancerRegistry registry = BalancerRegistry.loadDefault();
      RoundRobin rr = (RoundRobin) registry.provider(BalancerProvider.ROUND_ROBIN)
          .newBalancer(new Context(group, null, null), null);
      Directive d = switch (algorithm) {
        case "rr" -> null;
        case "hash" -> new Directive("hash", List.of("$request_uri"), "bench", 1);
        case "chash" -> new Directive("hash", List.of("$request_uri", "consistent"), "bench", 1);
        case "random_two" -> new Directive("random", List.of("two", "least_conn"), "bench", 1);
        default -> new Directive(algorithm, List.of(), "bench", 1);
      };
      balancer = d == null ? rr : registry.provider(d.name())
          .newBalancer(new Context(group, rr, rr), registry.provider(d.name()).parseConfig(d).config());
      requests = new RequestView[1024];
      for (int i = 0; i < requests.length; i++) {
        String uri = "/item/" + i + "?q=" + (i * 7919);
        String ip = "192." + (i & 255) + "." + (i >> 2) + ".7";
        requests[i] = name -> switch (name) {
          case "request_uri" -> uri;
          case "remote_addr" -> ip;
          default -> null;
        };
      }
    }
  }

  /** Each thread walks the request set on its own. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
  }

  @Benchmark
  public Peer pick(Upstream upstream, Cursor cursor) {
    RequestView request = upstream.requests[cursor.next++ & 1023];
    Selection s = upstream.balancer.select(request);
    Peer p = s.next();
    s.report(p, Outcome.SUCCESS);
    return p;
  }

  private record Context(PeerGroup peers, io.xgate.spi.Balancer base, RoundRobin roundRobin)
      implements UpstreamContext {
    @Override
    public String name() {
      return "u";
    }

    @Override
    public TimeSource time() {
      return TimeSource.SYSTEM;
    }

    @Override
    public Vertx vertx() {
      return null;
    }
  }
}
