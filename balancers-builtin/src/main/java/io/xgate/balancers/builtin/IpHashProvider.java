package io.xgate.balancers.builtin;

import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.Directive;
import io.xgate.spi.UpstreamContext;

/**
 * {@code ip_hash;}: nginx's client-address affinity (the /24 of an IPv4 client, the whole IPv6 address).
 *
 * @see HashProvider
 */
public final class IpHashProvider extends BalancerProvider {

  @Override
  public String policyName() {
    return "ip_hash";
  }

  @Override
  public ConfigOrError<?> parseConfig(Directive directive) {
    return directive.args().isEmpty() ? ConfigOrError.of(null) : ConfigOrError.error(directive.invalidArgumentCount());
  }

  /** nginx refuses {@code backup} servers with {@code ip_hash}. */
  @Override
  public boolean supportsBackup() {
    return false;
  }

  @Override
  public Balancer newBalancer(UpstreamContext upstream, Object config) {
    return new IpHashBalancer(upstream.roundRobin(), upstream.peers());
  }
}
