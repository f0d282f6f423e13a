package io.xgate.balancers.builtin;

import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.Directive;
import io.xgate.spi.UpstreamContext;

/**
 * {@code random [two [least_conn]];}: nginx's weighted random balancing, optionally the better of two draws by
 * active connections ({@code least_conn} is the only method nginx offers for {@code two}, and its default).
 *
 * @see LeastConnProvider
 */
public final class RandomProvider extends BalancerProvider {

  /** The parsed directive: whether two peers are drawn. */
  record Config(boolean two) {
  }

  @Override
  public String policyName() {
    return "random";
  }

  @Override
  public ConfigOrError<?> parseConfig(Directive directive) {
    int n = directive.args().size();
    if (n > 2) {
      return ConfigOrError.error(directive.invalidArgumentCount());
    }
    if (n == 0) {
      return ConfigOrError.of(new Config(false));
    }
    if (!directive.arg(0).equals("two")) {
      return ConfigOrError.error(directive.invalidParameter(directive.arg(0)));
    }
    if (n == 2 && !directive.arg(1).equals("least_conn")) {
      return ConfigOrError.error(directive.invalidParameter(directive.arg(1)));
    }
    return ConfigOrError.of(new Config(true));
  }

  /** nginx refuses {@code backup} servers with {@code random}. */
  @Override
  public boolean supportsBackup() {
    return false;
  }

  @Override
  public Balancer newBalancer(UpstreamContext upstream, Object config) {
    return new RandomBalancer(upstream.roundRobin(), upstream.peers(), ((Config) config).two());
  }
}
