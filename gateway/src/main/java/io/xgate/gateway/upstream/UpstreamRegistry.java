package io.xgate.gateway.upstream;

import io.vertx.core.Vertx;
import io.xgate.gateway.config.GatewayConfig;
import io.xgate.gateway.config.LocationConfig;
import io.xgate.gateway.config.ProxyPass;
import io.xgate.gateway.config.ServerConfig;
import io.xgate.gateway.config.UpstreamConfig;
import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.BalancerRegistry;
import io.xgate.spi.ConfigException;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.SharedHealth;
import io.xgate.spi.TimeSource;
import io.xgate.spi.UpstreamContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The upstreams of one configuration generation, each with its balancer chain built from the providers the
 * {@link BalancerRegistry} found: the round-robin base first, then every balancer directive of the block in the
 * order written. A direct {@code proxy_pass http://host:port} gets an implicit one-peer upstream named after the
 * address, as nginx does. Thread-safe once built; {@link #close()} releases the balancers.
 */
public final class UpstreamRegistry implements AutoCloseable {

  private final Map<String, Upstream> upstreams;
  /** Every balancer of every chain, outermost first: each one is retired and closed, not only the outermost. */
  private final List<Balancer> links;

  private UpstreamRegistry(Map<String, Upstream> upstreams, List<Balancer> links) {
    this.upstreams = upstreams;
    this.links = links;
  }

  /**
   * Builds every upstream of {@code config}.
   *
   * @param vertx the running Vert.x, or {@code null} when only testing the config
   * @throws ConfigException when a provider fails to build its balancer (with the directive's place)
   */
  public static UpstreamRegistry build(GatewayConfig config, BalancerRegistry providers, TimeSource time,
      Vertx vertx) throws ConfigException {
    BalancerProvider root = providers.provider(BalancerProvider.ROUND_ROBIN);
    if (root == null) {
      throw new ConfigException("no \"" + BalancerProvider.ROUND_ROBIN + "\" balancer provider found on the "
          + "class path (a shaded jar lost META-INF/services?)", null, 0);
    }
    Map<String, Upstream> out = new LinkedHashMap<>();
    AddressHealth health = new AddressHealth();
    List<Balancer> links = new ArrayList<>();
    for (UpstreamConfig u : config.upstreams().values()) {
      Balancer chain = chain(root, u, time, vertx, u.sharedHealth() ? health : SharedHealth.NONE, links);
      out.put(u.name(), new Upstream(u.name(), chain, u.keepalive(), u.keepaliveTimeoutMs(),
          u.keepaliveRequests()));
    }
    for (ServerConfig server : config.servers()) {
      for (LocationConfig loc : server.locations()) {
        ProxyPass pass = loc.proxyPass();
        if (pass != null && pass.upstream() == null && !out.containsKey(pass.proxyHost())) {
          Peer peer = new Peer(pass.proxyHost(), pass.host(), pass.port(), 1, 1, 10, 0, false, false, Map.of());
          PeerGroup group = new PeerGroup(pass.proxyHost(), List.of(peer), null);
          Balancer rr = root.newBalancer(
              new Context(pass.proxyHost(), group, null, null, time, vertx, SharedHealth.NONE), null);
          out.put(pass.proxyHost(), new Upstream(pass.proxyHost(), rr, 0, 60_000, 1000));
        }
      }
    }
    health.seal();
    return new UpstreamRegistry(out, links);
  }

  private static Balancer chain(BalancerProvider root, UpstreamConfig u, TimeSource time, Vertx vertx,
      SharedHealth health, List<Balancer> links) throws ConfigException {
    Balancer base = root.newBalancer(new Context(u.name(), u.peers(), null, null, time, vertx, health), null);
    if (!(base instanceof RoundRobin rr)) {
      throw new ConfigException("the \"" + BalancerProvider.ROUND_ROBIN + "\" provider "
          + root.getClass().getName() + " does not build a RoundRobin balancer", u.file(), u.line());
    }
    if (health instanceof AddressHealth shared) {
      shared.join(rr);
    }
    Balancer current = rr;
    links.add(rr);
    for (UpstreamConfig.BalancerStep step : u.balancers()) {
      try {
        current = step.provider().newBalancer(new Context(u.name(), u.peers(), current, rr, time, vertx, health),
            step.config());
      } catch (RuntimeException e) {
        throw step.directive().error("balancer \"" + step.provider().policyName() + "\" failed: " + e);
      }
      if (current == null) {
        throw step.directive().error("balancer \"" + step.provider().policyName() + "\" built nothing");
      }
      links.add(current);
    }
    return current;
  }

  /** The upstream of that name, or {@code null}. */
  public Upstream get(String name) {
    return upstreams.get(name);
  }

  public Map<String, Upstream> all() {
    return upstreams;
  }

  /** {@link Balancer#retire()} on every balancer: a reload has replaced this generation. */
  public void retire() {
    for (int i = links.size() - 1; i >= 0; i--) {
      try {
        links.get(i).retire();
      } catch (RuntimeException ignored) {
        // a plugin's failure must not stop the others
      }
    }
  }

  @Override
  public void close() {
    for (int i = links.size() - 1; i >= 0; i--) {
      try {
        links.get(i).close();
      } catch (RuntimeException ignored) {
        // a plugin's close failure must not stop the others
      }
    }
    for (Upstream u : upstreams.values()) {
      if (!links.contains(u.balancer())) {
        try {
          u.balancer().close();   // an implicit proxy_pass upstream
        } catch (RuntimeException ignored) {
          // as above
        }
      }
    }
  }

  private record Context(String name, PeerGroup peers, Balancer base, RoundRobin roundRobinBase, TimeSource time,
      Vertx vertx, SharedHealth sharedHealth) implements UpstreamContext {

    @Override
    public RoundRobin roundRobin() {
      if (roundRobinBase == null) {
        throw new IllegalStateException("the round-robin base is being built");
      }
      return roundRobinBase;
    }
  }
}
