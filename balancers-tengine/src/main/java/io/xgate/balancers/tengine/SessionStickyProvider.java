package io.xgate.balancers.tengine;

import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.Directive;
import io.xgate.spi.UpstreamContext;
import java.util.Set;

/**
 * Tengine's {@code session_sticky} in {@code upstream {}} and {@code session_sticky_hide_cookie upstream=NAME;} in
 * {@code http}, {@code server} or {@code location}: cookie-based session persistence on top of round robin.
 *
 * <pre>
 * upstream app {
 *   session_sticky cookie=uid domain=example.com path=/ mode=insert option=indirect fallback=on;
 *   server 10.0.0.1:8080;
 *   server 10.0.0.2:8080 id=b;      # the cookie value with hash=plain
 * }
 * server {
 *   location / {
 *     session_sticky_hide_cookie upstream=app;   # needed by option=indirect and mode=prefix
 *     proxy_pass http://app;
 *   }
 * }
 * </pre>
 *
 * @see SessionStickyBalancer
 */
public final class SessionStickyProvider extends BalancerProvider {

  /** The location directive that lets insert+indirect and prefix mode touch the cookies. */
  static final String HIDE_COOKIE = "session_sticky_hide_cookie";

  /** A parsed {@code session_sticky_hide_cookie}: the upstream whose cookie it hides. */
  record HideCookie(String upstream) {
  }

  @Override
  public String policyName() {
    return "session_sticky";
  }

  @Override
  public ConfigOrError<?> parseConfig(Directive directive) {
    return StickyConfig.parse(directive);
  }

  /** Tengine's {@code id=}: the cookie value of the server with {@code hash=plain}. */
  @Override
  public Set<String> serverParameters() {
    return Set.of("id");
  }

  /** Tengine's module does not declare {@code backup}: a cookie only ever names a primary server. */
  @Override
  public boolean supportsBackup() {
    return false;
  }

  @Override
  public Set<String> locationDirectives() {
    return Set.of(HIDE_COOKIE);
  }

  @Override
  public ConfigOrError<?> parseLocationDirective(Directive directive, Set<String> upstreams) {
    if (directive.args().size() != 1) {
      return ConfigOrError.error(directive.invalidArgumentCount());
    }
    String arg = directive.arg(0);
    if (!arg.startsWith("upstream=")) {
      return ConfigOrError.error(directive.error("invalid argument of \"" + arg + "\""));
    }
    String name = arg.substring(9);
    if (!upstreams.contains(name)) {
      return ConfigOrError.error(directive.error("no upstream \"" + name + "\" for \"" + HIDE_COOKIE + "\""));
    }
    return ConfigOrError.of(new HideCookie(name));
  }

  @Override
  public Balancer newBalancer(UpstreamContext upstream, Object config) {
    return new SessionStickyBalancer(upstream.base(), upstream.roundRobin(), upstream.peers(), upstream.name(),
        (StickyConfig) config, upstream.time());
  }
}
