package io.xgate.gateway.proxy;

import io.vertx.core.MultiMap;
import io.xgate.gateway.config.HeaderValue;
import java.util.List;
import java.util.Set;

/**
 * What happens to headers on their way through: the hop-by-hop headers that never pass a proxy, the origin
 * headers nginx hides, and {@code add_header}.
 */
public final class ResponseHeaders {

  /** Hop-by-hop headers (RFC 9110 §7.6.1): meaningful for one connection only. */
  static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "transfer-encoding",
      "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization");

  /** Origin response headers nginx does not pass by default (it writes its own {@code Server}). */
  static final Set<String> HIDDEN_FROM_ORIGIN = Set.of("server", "x-pad", "x-accel-expires", "x-accel-redirect",
      "x-accel-limit-rate", "x-accel-buffering", "x-accel-charset");

  private ResponseHeaders() {
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
