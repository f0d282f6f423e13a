package io.xgate.balancers.builtin;

import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.Directive;
import io.xgate.spi.UpstreamContext;

/**
 * {@code least_conn;}: nginx's fewest-active-connections balancing (relative to weight), smooth weighted round robin
 * among ties, backup peers supported.
 *
 * @see RandomProvider
 */
public final class LeastConnProvider extends BalancerProvider {

  @Override
  public String policyName() {
    return "least_conn";
  }

  @Override
  public ConfigOrError<?> parseConfig(Directive directive) {
    return directive.args().isEmpty() ? ConfigOrError.of(null) : ConfigOrError.error(directive.invalidArgumentCount());
  }

  @Override
  public Balancer newBalancer(UpstreamContext upstream, Object config) {
    return new LeastConnBalancer(upstream.roundRobin(), upstream.peers());
  }
}
