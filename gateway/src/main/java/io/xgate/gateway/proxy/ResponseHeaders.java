package io.xgate.gateway.proxy;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.xgate.gateway.config.HeaderNameSet;
import io.xgate.gateway.config.HeaderValue;
import io.xgate.gateway.config.ProxySettings;
import io.xgate.gateway.http.HeaderNames;
import java.util.List;

/**
 * What happens to headers on their way through: the hop-by-hop headers that never pass a proxy, the origin
 * headers nginx hides, and {@code add_header}.
 */
public final class ResponseHeaders {

  /** Hop-by-hop headers (RFC 9110 §7.6.1): meaningful for one connection only. */
  private static final HeaderNameSet HOP_BY_HOP = new HeaderNameSet("connection", "keep-alive", "proxy-connection",
      "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization");

  /**
   * Origin response headers nginx does not pass by default ({@code ngx_http_proxy_hide_headers}): it writes its own
   * {@code Date} and {@code Server}, and the {@code X-Accel-*} ones are instructions to the proxy.
   */
  private static final HeaderNameSet HIDDEN_FROM_ORIGIN = new HeaderNameSet("date", "server", "x-pad", "x-accel-expires",
      "x-accel-redirect", "x-accel-limit-rate", "x-accel-buffering", "x-accel-charset");

  private ResponseHeaders() {
  }

  /** Whether the header {@code name} (any case) is hop-by-hop. */
  static boolean isHopByHop(CharSequence name) {
    return HOP_BY_HOP.contains(name);
  }

  /** Whether the origin response header {@code name} (any case) is one nginx hides from the client by default. */
  static boolean isHiddenFromOrigin(String name) {
    return HIDDEN_FROM_ORIGIN.contains(name);
  }

  /**
   * Whether the origin response header {@code name} (any case) stops at the proxy under {@code settings}: hidden by
   * default and not named by {@code proxy_pass_header}, or named by {@code proxy_hide_header}.
   */
  static boolean isHiddenFromOrigin(String name, ProxySettings settings) {
    List<String> hide = settings.hideHeaders();
    List<String> pass = settings.passHeaders();
    if (hide.isEmpty() && pass.isEmpty()) {
      return HIDDEN_FROM_ORIGIN.contains(name);
    }
    return (HIDDEN_FROM_ORIGIN.contains(name) && !named(pass, name)) || named(hide, name);
  }

  private static boolean named(List<String> names, String name) {
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i).equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The name under which an origin's header goes to the client: {@code Content-Type} and {@code Content-Length} as
   * nginx writes them whatever the origin's spelling (its header filter writes them itself); any other as it came.
   */
  static CharSequence clientName(String name) {
    int length = name.length();
    if (length == 12 && name.equalsIgnoreCase("content-type")) {
      return HeaderNames.CONTENT_TYPE;
    }
    if (length == 14 && name.equalsIgnoreCase("content-length")) {
      return HeaderNames.CONTENT_LENGTH;
    }
    return name;
  }

  /**
   * Whether the {@code Connection} header value {@code connection} lists {@code name} (any case) among its
   * comma-separated tokens: such a header is hop-by-hop for this message (RFC 9110 §7.6.1).
   */
  static boolean connectionLists(String connection, CharSequence name) {
    int n = connection.length();
    for (int start = 0; start < n; ) {
      int comma = connection.indexOf(',', start);
      int end = comma < 0 ? n : comma;
      int from = start;
      while (from < end && connection.charAt(from) <= ' ') {
        from++;
      }
      int to = end;
      while (to > from && connection.charAt(to - 1) <= ' ') {
        to--;
      }
      if (to - from == name.length() && AsciiString.regionMatches(connection, true, from, name, 0, to - from)) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }

  /** Whether {@code add_header} without {@code always} applies to {@code status}, as in nginx. */
  static boolean addHeaderApplies(int status) {
    switch (status) {
      case 200: case 201: case 204: case 206: case 301: case 302: case 303: case 304: case 307: case 308:
        return true;
      default:
        return false;
    }
  }

  /** Applies {@code add_header}s to {@code headers} for a response of {@code status}. */
  public static void addHeaders(List<HeaderValue> addHeaders, int status, MultiMap headers,
      RequestVariables vars) {
    if (addHeaders.isEmpty()) {
      return;
    }
    boolean normal = addHeaderApplies(status);
    for (HeaderValue h : addHeaders) {
      if (normal || h.always()) {
        String v = h.value().evaluate(vars);
        if (!v.isEmpty()) {
          headers.add(h.name(), v);
        }
      }
    }
  }
}
