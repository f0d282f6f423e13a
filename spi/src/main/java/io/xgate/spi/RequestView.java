package io.xgate.spi;

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

  /** A view with no request behind it: every variable is unset. For picks made outside any request. */
  RequestView NONE = name -> null;
}
