package io.xgate.gateway.config;

import io.xgate.spi.ComplexValue;
import java.util.regex.Pattern;

/**
 * One {@code proxy_redirect PATTERN REPLACEMENT}: an origin's {@code Location} (or a {@code Refresh}'s URL) that
 * starts with {@code pattern}, case-sensitively, has that start replaced; both may hold variables. With a
 * {@code regex} ({@code ~PATTERN}, {@code ~*PATTERN} without case), a value in which it is found is replaced whole
 * (a {@code Refresh} from its URL on), and the replacement may name the groups {@code $1}..{@code $9}.
 */
public record Redirect(ComplexValue pattern, ComplexValue replacement, Pattern regex) {

  /** A prefix rule. */
  public Redirect(ComplexValue pattern, ComplexValue replacement) {
    this(pattern, replacement, null);
  }

  /** {@code proxy_redirect default} until its location's {@code proxy_pass} is known. */
  static final Redirect DEFAULT = new Redirect(null, null);

  /**
   * nginx's default for a location {@code locationName} that proxies to {@code pass}: the {@code proxy_pass} URL is
   * replaced by the location's name, or, for a URL without a URI, its {@code http://host/} by {@code /}.
   */
  static Redirect defaultFor(ProxyPass pass, String locationName) {
    String url = "http://" + pass.proxyHost();
    if (pass.uri() != null) {
      return new Redirect(ComplexValue.parse(url + pass.uri()), ComplexValue.parse(locationName));
    }
    return new Redirect(ComplexValue.parse(url + "/"), ComplexValue.parse("/"));
  }
}
