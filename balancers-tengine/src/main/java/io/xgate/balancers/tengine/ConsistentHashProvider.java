package io.xgate.balancers.tengine;

import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.ComplexValue;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.Directive;
import io.xgate.spi.UpstreamContext;
import java.util.Set;

/**
 * Tengine's {@code consistent_hash KEY;}: a murmur2 ring of {@code weight * 160} points per server, seeded by the
 * server parameter {@code id=} (0..65535) or the address; one attempt per request. The key is a complex value
 * ({@code $request_uri}, {@code $remote_addr}, {@code $arg_x}, {@code "$host$uri"}, ...).
 *
 * <pre>
 * upstream cache {
 *   consistent_hash $request_uri;
 *   server 10.0.0.1:80 id=1 weight=2;
 *   server 10.0.0.2:80 id=2;
 * }
 * </pre>
 *
 * @see VnswrrProvider
 */
public final class ConsistentHashProvider extends BalancerProvider {

  @Override
  public String policyName() {
    return "consistent_hash";
  }

  @Override
  public ConfigOrError<?> parseConfig(Directive directive) {
    if (directive.args().size() != 1) {
      return ConfigOrError.error(directive.invalidArgumentCount());
    }
    try {
      return ConfigOrError.of(ComplexValue.parse(directive.arg(0)));
    } catch (IllegalArgumentException e) {
      return ConfigOrError.error(directive.error(e.getMessage()));
    }
  }

  /** Tengine's {@code id=}: the server's ring seed. */
  @Override
  public Set<String> serverParameters() {
    return Set.of("id");
  }

  /** Tengine's module does not declare {@code backup}: it has no backup group to fall back to. */
  @Override
  public boolean supportsBackup() {
    return false;
  }

  @Override
  public Balancer newBalancer(UpstreamContext upstream, Object config) {
    return new ConsistentHashBalancer(upstream.base(), upstream.roundRobin(), upstream.sharedHealth(), upstream.peers(),
        (ComplexValue) config, upstream.time());
  }
}
