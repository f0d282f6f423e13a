package io.xgate.gateway.vertx;

import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.endpoint.InteractionMetrics;
import io.vertx.core.net.endpoint.LoadBalancer;
import io.vertx.core.net.endpoint.ServerEndpoint;
import io.vertx.core.net.endpoint.ServerSelector;
import io.xgate.gateway.config.ConfigLoader;
import io.xgate.gateway.config.GatewayConfig;
import io.xgate.gateway.config.NginxConfigParser;
import io.xgate.gateway.upstream.UpstreamRegistry;
import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerRegistry;
import io.xgate.spi.ConfigException;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.RequestView;
import io.xgate.spi.Selection;
import io.xgate.spi.TimeSource;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A Vert.x {@link LoadBalancer} backed by xgate's balancers, so a plain Vert.x {@code HttpClient} balances with
 * nginx's semantics:
 *
 * <pre>{@code
 * HttpClientAgent client = vertx.httpClientBuilder()
 *     .withAddressResolver(AddressResolver.mappingResolver(service -> List.of(a, b, c)))
 *     .withLoadBalancer(XgateLoadBalancer.of("least_conn;", "max_fails=2 fail_timeout=5s"))
 *     .build();
 * }</pre>
 *
 * <p>Each endpoint list Vert.x resolves becomes an nginx upstream: the given balancer directives, then one
 * {@code server IP:PORT PARAMS;} line per endpoint in Vert.x's order, validated and built exactly as the gateway
 * builds a configured {@code upstream {}} (the round-robin base decorated by the directives' balancers, found by
 * ServiceLoader). Picks follow nginx's rules and sequences, and outcomes feed back: a connection failure Vert.x
 * reports counts against {@code max_fails}, a completed response is a success, and each request holds a
 * connection count ({@code least_conn}, {@code max_conns}) from its pick to its end.
 *
 * <p>Limits, from Vert.x's SPI: there is no tried set, so a caller retrying after a failure gets an independent
 * pick (a failed peer is still skipped once {@code max_fails} disables it); response statuses are not reported, so
 * a 5xx counts as a success; the routing key of {@code HttpClient} requests ({@code RequestOptions.setRoutingKey})
 * is the value of every variable a hash key reads (there is no HTTP request to read {@code $request_uri} from);
 * and a pick whose request Vert.x abandons before it opens a connection keeps its connection count until a later
 * request to the same peer takes it over.
 *
 * <p>A balancer plugin that throws (a bug in it) fails the request it was choosing for ({@code balancer selection
 * failed: ...}); one that throws from a report is logged ({@code System.Logger}) and the request completes.
 */
public final class XgateLoadBalancer implements LoadBalancer {

  private final String directives;
  private final String serverParameters;
  private final BalancerRegistry providers;

  private XgateLoadBalancer(String directives, String serverParameters, BalancerRegistry providers) {
    this.directives = directives;
    this.serverParameters = serverParameters;
    this.providers = providers;
  }

  /**
   * @param directives the balancer directives of an nginx {@code upstream {}} block, e.g. {@code "hash $request_uri
   *     consistent;"}; empty for weighted round robin
   * @param serverParameters parameters for every {@code server} line, e.g. {@code "max_fails=3 fail_timeout=30s"};
   *     may be empty
   * @throws IllegalArgumentException when the directives or parameters are invalid (checked on a sample endpoint)
   */
  public static XgateLoadBalancer of(String directives, String serverParameters) {
    XgateLoadBalancer lb = new XgateLoadBalancer(directives, serverParameters, BalancerRegistry.loadDefault());
    lb.build(List.of(SocketAddress.inetSocketAddress(1, "127.0.0.1")));
    return lb;
  }

  /** {@link #of(String, String)} with nginx's default server parameters. */
  public static XgateLoadBalancer of(String directives) {
    return of(directives, "");
  }

  @Override
  public InteractionMetrics<?> newMetrics() {
    return new PeerMetrics();
  }

  @Override
  public ServerSelector selector(List<? extends ServerEndpoint> servers) {
    List<SocketAddress> addresses = servers.stream().map(ServerEndpoint::address).toList();
    Balancer balancer = build(addresses);
    List<Peer> peers = balancer.peers().peers();
    Map<Peer, Integer> index = new IdentityHashMap<>();
    for (int i = 0; i < servers.size() && i < peers.size(); i++) {
      index.put(peers.get(i), i);
    }
    return new ServerSelector() {
      @Override
      public int select() {
        return pick(RequestView.NONE);
      }

      @Override
      public int select(String key) {
        return pick(key == null ? RequestView.NONE : name -> key);
      }

      private int pick(RequestView view) {
        Selection selection;
        Peer p;
        try {
          selection = balancer.select(view);
          p = selection.next();
        } catch (RuntimeException e) {   // a bug in a balancer plugin: Vert.x fails the request with it
          throw new IllegalStateException("balancer selection failed: " + e, e);
        }
        if (p == null) {
          return -1;
        }
        int i = index.get(p);
        if (servers.get(i).metrics() instanceof PeerMetrics m) {
          m.picked.add(new PeerMetrics.Attempt(selection, p));
        } else {
          selection.report(p, Outcome.SUCCESS);   // no way to hear the outcome: end the attempt at once
        }
        return i;
      }
    };
  }

  private Balancer build(List<SocketAddress> addresses) {
    StringBuilder text = new StringBuilder("http {\n upstream vertx {\n  ").append(directives).append('\n');
    for (SocketAddress a : addresses) {
      String host = a.hostAddress() != null ? a.hostAddress() : a.host();
      text.append("  server ").append(host.indexOf(':') >= 0 ? "[" + host + "]" : host).append(':').append(a.port())
          .append(' ').append(serverParameters).append(";\n");
    }
    text.append(" }\n}\n");
    Path file = Path.of("vertx-load-balancer.conf").toAbsolutePath();
    try {
      GatewayConfig config = new ConfigLoader(providers, file.getParent())
          .build(file, new NginxConfigParser(file.getParent()).parseText(text.toString(), file.toString()));
      return UpstreamRegistry.build(config, providers, TimeSource.SYSTEM, null).get("vertx").balancer();
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * One endpoint's feedback: each request Vert.x starts on it ends the attempt of one pick of its peer. A pick
   * carries its own selection and peer, since Vert.x may rebuild the selector (new peer objects) meanwhile.
   */
  private static final class PeerMetrics implements InteractionMetrics<PeerMetrics.Attempt> {

    private static final System.Logger LOG = System.getLogger(XgateLoadBalancer.class.getName());

    final Queue<Attempt> picked = new ConcurrentLinkedQueue<>();

    /** One pick, reported once. */
    static final class Attempt {
      final Selection selection;
      final Peer peer;
      boolean ended;

      Attempt(Selection selection, Peer peer) {
        this.selection = selection;
        this.peer = peer;
      }
    }

    @Override
    public Attempt initiateRequest() {
      return picked.poll();
    }

    @Override
    public void reportFailure(Attempt attempt, Throwable failure) {
      end(attempt, Outcome.FAILURE);
    }

    @Override
    public void reportResponseEnd(Attempt attempt) {
      end(attempt, Outcome.SUCCESS);
    }

    private static void end(Attempt attempt, Outcome outcome) {
      if (attempt != null && !attempt.ended) {
        attempt.ended = true;
        try {
          attempt.selection.report(attempt.peer, outcome);
        } catch (RuntimeException e) {
          // a bug in a balancer plugin; thrown into Vert.x here, it would keep the response from ever ending
          LOG.log(System.Logger.Level.WARNING, "balancer report failed: " + e, e);
        }
      }
    }
  }
}
