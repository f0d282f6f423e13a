package io.xgate.spi;

import java.util.List;
import java.util.Set;

/**
 * A balancing algorithm, found with {@link java.util.ServiceLoader} and named by the {@code upstream {}} directive
 * it owns. Register an implementation in {@code META-INF/services/io.xgate.spi.BalancerProvider}.
 *
 * <p>A provider with a higher {@link #priority()} replaces one of the same {@link #policyName()}, so a plugin can
 * override a built-in. Implementations must be thread-safe and cheap to construct; all work happens in
 * {@link #parseConfig} (at config load, never at request time) and {@link #newBalancer}.
 *
 * <pre>{@code
 * public final class FirstPeerProvider extends BalancerProvider {
 *   public String policyName() { return "first"; }
 *   public ConfigOrError<?> parseConfig(Directive d) {
 *     return d.args().isEmpty() ? ConfigOrError.of(null) : ConfigOrError.error(d.invalidArgumentCount());
 *   }
 *   public Balancer newBalancer(UpstreamContext upstream, Object config) { ... }
 * }
 * }</pre>
 */
public abstract class BalancerProvider {

  /** The policy name of the round-robin base, the root of every chain. */
  public static final String ROUND_ROBIN = "round_robin";

  /** The directive name inside {@code upstream {}}: {@code hash}, {@code least_conn}, ... */
  public abstract String policyName();

  /** Higher wins among providers of the same name; built-ins use 5. */
  public int priority() {
    return 5;
  }

  /** Whether the provider can be used on this system; unavailable providers are ignored. */
  public boolean isAvailable() {
    return true;
  }

  /**
   * Validates the directive's arguments into an immutable config value, or returns an error that names the
   * directive's {@code file:line}. Must not throw.
   */
  public abstract ConfigOrError<?> parseConfig(Directive directive);

  /**
   * Further directives of {@code upstream {}} that only configure this provider's directive, such as Tengine's
   * {@code check_http_send} for {@code check}. The gateway collects them wherever they stand in the block and hands
   * them to {@link #parseConfig(Directive, List)}; one without the provider's own directive in the same block is a
   * config error.
   */
  public Set<String> companionDirectives() {
    return Set.of();
  }

  /**
   * Validates the directive together with its {@link #companionDirectives() companions} of the same block, in the
   * order written. Must not throw.
   *
   * @implSpec the default ignores {@code companions} (there are none unless {@link #companionDirectives()} names
   *     some) and calls {@link #parseConfig(Directive)}
   */
  public ConfigOrError<?> parseConfig(Directive directive, List<Directive> companions) {
    return parseConfig(directive);
  }

  /**
   * {@code key=value} parameters of {@code server} lines that this balancer adds to the standard ones
   * ({@code weight= max_fails= fail_timeout= max_conns= backup down}); Tengine's {@code id=} for one.
   */
  public Set<String> serverParameters() {
    return Set.of();
  }

  /**
   * Directives this provider owns outside {@code upstream {}}: in {@code http}, {@code server} and {@code location}
   * blocks, inherited downwards as nginx merges location settings (an inner block's own value wins). Tengine's
   * {@code session_sticky_hide_cookie} for one. A request sees the value in effect for its location through
   * {@link RequestView#locationDirective(String)}.
   */
  public Set<String> locationDirectives() {
    return Set.of();
  }

  /**
   * Validates one of {@link #locationDirectives()} into an immutable value, or returns an error that names the
   * directive's {@code file:line}. Called once the whole config is read, so a directive may refer to an upstream
   * defined further down. Must not throw.
   *
   * @param directive the directive as written
   * @param upstreams the names of the upstreams the config defines
   */
  public ConfigOrError<?> parseLocationDirective(Directive directive, Set<String> upstreams) {
    return ConfigOrError.error(directive.error("unknown directive \"" + directive.name() + "\""));
  }

  /**
   * Whether {@code server ... backup} is allowed in an upstream using this balancer (nginx's hash, ip_hash and
   * random refuse it).
   */
  public boolean supportsBackup() {
    return true;
  }

  /**
   * Builds the balancer for one upstream, decorating {@link UpstreamContext#base()}.
   *
   * @param upstream the upstream and the chain built so far
   * @param config the value {@link #parseConfig} returned
   */
  public abstract Balancer newBalancer(UpstreamContext upstream, Object config);
}
