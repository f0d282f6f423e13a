package io.xgate.gateway.proxy;

import io.vertx.core.http.HttpServerRequest;
import io.xgate.gateway.config.LocationConfig;
import io.xgate.gateway.config.ProxyPass;

/**
 * nginx's {@code proxy_pass} URI rule: without a URI part the request's URI goes to the origin unchanged; with one,
 * the part of the normalized URI that matched the location's prefix is replaced by it, and the arguments follow.
 */
public final class UriRewriter {

  private UriRewriter() {
  }

  /** The URI sent to the origin for {@code request} matched by {@code location}. */
  public static String upstreamUri(LocationConfig location, HttpServerRequest request, String normalizedUri) {
    ProxyPass pass = location.proxyPass();
    if (pass.uri() == null) {
      String uri = io.xgate.gateway.http.RequestHost.requestUri(request);
      return uri.startsWith("?") ? "/" + uri : uri;   // http://host?q: nginx gives the origin a path
    }
    String prefix = location.pattern();
    String tail = normalizedUri.length() >= prefix.length() && location.regex() == null
        ? normalizedUri.substring(prefix.length()) : normalizedUri;
    // nginx escapes the part it replaces only when the request's path had an escape ("quoted_uri"): raw bytes
    // (a UTF-8 path sent unescaped) go on raw, as they came
    String path = pass.uri() + (request.path().indexOf('%') >= 0 ? escape(tail) : tail);
    String query = request.query();
    return query == null ? path : path + "?" + query;
  }

  /**
   * Percent-encodes what may not stand in a URI path (nginx's NGX_ESCAPE_URI), byte by byte of the byte string
   * {@code path} (one char per byte, as {@code $uri} and the config hold them).
   */
  static String escape(String path) {
    StringBuilder sb = null;
    for (int i = 0; i < path.length(); i++) {
      int b = path.charAt(i) & 0xff;
      boolean plain = b > 0x20 && b < 0x7f && b != '"' && b != '#' && b != '%' && b != '?' && b != '<'
          && b != '>' && b != '\\' && b != '^' && b != '`' && b != '{' && b != '|' && b != '}';
      if (plain) {
        if (sb != null) {
          sb.append((char) b);
        }
      } else {
        if (sb == null) {
          sb = new StringBuilder(path.length() + 16);
          sb.append(path, 0, i);
        }
        sb.append('%').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    return sb == null ? path : sb.toString();
  }
}
