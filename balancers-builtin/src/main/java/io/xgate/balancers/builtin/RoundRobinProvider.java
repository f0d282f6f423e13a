package io.xgate.balancers.builtin;

import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.Directive;
import io.xgate.spi.UpstreamContext;

/**
 * The round-robin base ({@value BalancerProvider#ROUND_ROBIN}): the root of every upstream's chain. It owns no
 * directive of its own; an upstream without a balancing directive uses it alone.
 */
public final class RoundRobinProvider extends BalancerProvider {

  @Override
  public String policyName() {
    return ROUND_ROBIN;
  }

  @Override
  public ConfigOrError<?> parseConfig(Directive directive) {
    return ConfigOrError.error(directive.error("unknown directive \"" + directive.name() + "\""));
  }

  @Override
  public Balancer newBalancer(UpstreamContext upstream, Object config) {
    return new RoundRobinBalancer(upstream.peers(), upstream.time(), upstream.sharedHealth());
  }
}
