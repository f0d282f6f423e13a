package io.xgate.balancers.tengine.check;

import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.ConfigException;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.Directive;
import io.xgate.spi.UpstreamContext;
import java.util.List;
import java.util.Set;

/**
 * Tengine's active health check, {@code check interval= rise= fall= timeout= [default_down=] [port=]
 * type=tcp|http;} inside {@code upstream {}}, with its companions {@code check_http_send},
 * {@code check_http_expect_alive} and {@code check_keepalive_requests}. See {@link CheckBalancer} and
 * {@link Prober}; the status page is {@link CheckStatusProvider}'s {@code check_status}.
 */
public final class CheckProvider extends BalancerProvider {

  @Override
  public String policyName() {
    return "check";
  }

  @Override
  public Set<String> companionDirectives() {
    return Set.of("check_http_send", "check_http_expect_alive", "check_keepalive_requests");
  }

  @Override
  public ConfigOrError<?> parseConfig(Directive directive) {
    return parseConfig(directive, List.of());
  }

  @Override
  public ConfigOrError<?> parseConfig(Directive directive, List<Directive> companions) {
    try {
      return ConfigOrError.of(CheckSpec.parse(directive, companions));
    } catch (ConfigException e) {
      return ConfigOrError.error(e);
    }
  }

  @Override
  public Balancer newBalancer(UpstreamContext upstream, Object config) {
    return new CheckBalancer(upstream, (CheckSpec) config);
  }
}
