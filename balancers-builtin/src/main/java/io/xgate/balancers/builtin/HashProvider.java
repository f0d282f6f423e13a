package io.xgate.balancers.builtin;

import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.ComplexValue;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.Directive;
import io.xgate.spi.UpstreamContext;

/**
 * {@code hash KEY [consistent];}: nginx's key-hash balancing, plain (Cache::Memcached compatible) or consistent
 * (ketama ring). The key is a complex value such as {@code $request_uri} or {@code $arg_user$http_x_tenant}.
 *
 * @see IpHashProvider
 */
public final class HashProvider extends BalancerProvider {

  /** The parsed directive: the compiled key and whether the ring is used. */
  record Config(ComplexValue key, boolean consistent) {
  }

  @Override
  public String policyName() {
    return "hash";
  }

  @Override
  public ConfigOrError<?> parseConfig(Directive directive) {
    int n = directive.args().size();
    if (n < 1 || n > 2) {
      return ConfigOrError.error(directive.invalidArgumentCount());
    }
    boolean consistent = false;
    if (n == 2) {
      if (!directive.arg(1).equals("consistent")) {
        return ConfigOrError.error(directive.invalidParameter(directive.arg(1)));
      }
      consistent = true;
    }
    try {
      return ConfigOrError.of(new Config(ComplexValue.parse(directive.arg(0)), consistent));
    } catch (IllegalArgumentException e) {
      return ConfigOrError.error(directive.error(e.getMessage()));
    }
  }

  /** nginx refuses {@code backup} servers with {@code hash}. */
  @Override
  public boolean supportsBackup() {
    return false;
  }

  @Override
  public Balancer newBalancer(UpstreamContext upstream, Object config) {
    Config c = (Config) config;
    return new HashBalancer(upstream.roundRobin(), upstream.peers(), c.key(), c.consistent());
  }
}
