package io.xgate.gateway.http;

import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;

/**
 * The host a request names, as nginx reads it: from an absolute-form request line ({@code GET http://b.example/x
 * HTTP/1.1}) if it has one, else from its {@code Host} header; lower case, without the port and without a trailing
 * dot. nginx's check of a host ({@code ngx_http_validate_host}) refuses one that is empty, has {@code ".."}, a
 * {@code /}, a space or a control character; {@link EdgeRequestDecoder} answers those with 400.
 */
public final class RequestHost {

  private RequestHost() {
  }

  /**
   * Where the authority of an absolute-form request target starts (after {@code scheme://}, the scheme of letters
   * only, as nginx's parser takes it), or -1 for an origin-form one.
   */
  static int authorityStart(String uri) {
    if (uri.isEmpty() || uri.charAt(0) == '/') {
      return -1;
    }
    int i = 0;
    while (i < uri.length() && isLetter(uri.charAt(i))) {
      i++;
    }
    return i > 0 && uri.startsWith("://", i) ? i + 3 : -1;
  }

  /** Where the authority of an absolute-form target that starts at {@code from} ends: at its path or query. */
  private static int authorityEnd(String uri, int from) {
    for (int i = from; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '/' || c == '?') {
        return i;
      }
    }
    return uri.length();
  }

  /**
   * Whether nginx's request-line parser takes {@code authority}: a name of letters, digits, dots and hyphens or a
   * bracketed literal, then maybe {@code :} and digits; and the host check ({@link #valid}) on top.
   */
  static boolean validInRequestLine(String authority) {
    int i = 0;
    int n = authority.length();
    if (n > 0 && authority.charAt(0) == '[') {
      i = authority.indexOf(']');
      if (i < 0) {
        return false;
      }
      i++;
    } else {
      while (i < n && (isLetter(authority.charAt(i)) || isDigit(authority.charAt(i)) || authority.charAt(i) == '.'
          || authority.charAt(i) == '-')) {
        i++;
      }
    }
    if (i < n) {
      if (authority.charAt(i) != ':') {
        return false;
      }
      for (i++; i < n; i++) {
        if (!isDigit(authority.charAt(i))) {
          return false;
        }
      }
    }
    return valid(authority);
  }

  /** The authority of an absolute-form target ({@code b.example:8080}), or null for an origin-form one. */
  static String requestLineAuthority(String uri) {
    int start = authorityStart(uri);
    return start < 0 ? null : uri.substring(start, authorityEnd(uri, start));
  }

  /**
   * The request target as nginx's {@code $request_uri} has it, and as it goes to the origin when {@code proxy_pass}
   * names no URI: an absolute-form one from its path or query on ({@code /} when it has neither; a query alone stays
   * as it is, {@code ?q}, as nginx keeps it).
   */
  public static String requestUri(HttpServerRequest request) {
    String uri = request.uri();
    int start = authorityStart(uri);
    if (start < 0) {
      return uri;
    }
    int end = authorityEnd(uri, start);
    return end == uri.length() ? "/" : uri.substring(end);
  }

  /** nginx's {@code $host} part of the request: see the class; null when the request names none. */
  public static String of(HttpServerRequest request) {
    String named = requestLineAuthority(request.uri());
    if (named == null) {
      named = request.getHeader("Host");
    }
    return named == null ? null : normalized(named);
  }

  /** {@code host} lower case, without its port and its trailing dot; null when nginx would refuse it. */
  static String normalized(String host) {
    int end = hostEnd(host);
    if (end < 0) {
      return null;
    }
    String h = host.substring(0, end);
    for (int i = 0; i < h.length(); i++) {
      char c = h.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return h.toLowerCase(Locale.ROOT);
      }
    }
    return h;
  }

  /** Whether nginx takes {@code host} (a {@code Host} header or a request line's authority). */
  static boolean valid(CharSequence host) {
    return hostEnd(host) >= 0;
  }

  /**
   * nginx's {@code ngx_http_validate_host}: the length of the host part of {@code host} (without the port and a
   * trailing dot), or -1 when it is refused.
   */
  private static int hostEnd(CharSequence host) {
    int dot = -2;
    int hostLen = host.length();
    boolean literal = false;
    boolean rest = false;
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      switch (c) {
        case '.' -> {
          if (dot == i - 1) {
            return -1;
          }
          dot = i;
        }
        case ':' -> {
          if (!rest && !literal) {
            hostLen = i;
            rest = true;
          }
        }
        case '[' -> {
          if (i == 0) {
            literal = true;
          }
        }
        case ']' -> {
          if (literal && !rest) {
            hostLen = i + 1;
            literal = false;
            rest = true;
          }
        }
        default -> {
          if (c == '/' || c <= ' ' || c == 0x7f) {
            return -1;
          }
        }
      }
    }
    if (dot == hostLen - 1) {
      hostLen--;
    }
    return hostLen == 0 ? -1 : hostLen;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
}
