package io.xgate.spi;

import java.util.List;
import java.util.Locale;

/**
 * A read-only view of the request being balanced, through nginx's variables. Implementations resolve at least
 * {@code remote_addr}, {@code remote_port}, {@code request_uri}, {@code uri}, {@code args}, {@code query_string},
 * {@code request_method}, {@code host}, {@code scheme}, {@code server_name}, {@code http_NAME} (header, dashes as
 * underscores, case-insensitive), {@code arg_NAME} (first occurrence, case-insensitive name, raw value) and
 * {@code cookie_NAME}.
 *
 * <p>Called on the request's event loop; implementations need not be thread-safe.
 */
public interface RequestView {

  /**
   * The value of nginx variable {@code name} (without {@code $}), or {@code null} when it is not set for this
   * request. Unknown names also give {@code null}.
   */
  String variable(String name);

  /** The client's IP address text ({@code $remote_addr}). */
  default String remoteAddress() {
    return variable("remote_addr");
  }

  /** The request line's URI with arguments ({@code $request_uri}). */
  default String requestUri() {
    return variable("request_uri");
  }

  /**
   * Every value of request header {@code name} (case-insensitive), one per header line, in the order received;
   * empty when there is none. Modules that must tell header lines apart (Tengine's cookie lookup reads the first
   * {@code Cookie} line holding its name) read this rather than {@code $http_NAME}, which joins them.
   */
  default List<String> headerValues(String name) {
    String v = variable("http_" + name.toLowerCase(Locale.ROOT).replace('-', '_'));
    return v == null ? List.of() : List.of(v);
  }

  /**
   * The value a {@link BalancerProvider} parsed from one of its {@linkplain BalancerProvider#locationDirectives()
   * location directives} that is in effect where this request is handled (set in its {@code location}, or
   * inherited from {@code server} or {@code http}), or {@code null} when the directive is not in effect.
   */
  default Object locationDirective(String name) {
    return null;
  }

  /** A view with no request behind it: every variable is unset. For picks made outside any request. */
  RequestView NONE = name -> null;
}
