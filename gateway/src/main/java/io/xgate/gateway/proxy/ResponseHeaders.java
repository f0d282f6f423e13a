package io.xgate.gateway.proxy;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.xgate.gateway.config.HeaderNameSet;
import io.xgate.gateway.config.HeaderValue;
import io.xgate.gateway.config.ProxySettings;
import io.xgate.gateway.http.HeaderNames;
import java.util.List;

/**
 * What happens to headers on their way through, as nginx lets them: the client's it does not pass to the origin,
 * the origin's framing ones and those it hides, and {@code add_header}.
 */
public final class ResponseHeaders {

  /**
   * The client's headers nginx does not pass to the origin: those its default {@code proxy_set_header}s empty or
   * replace ({@code ngx_http_proxy_headers}: {@code Connection}, {@code Keep-Alive}, {@code TE}, {@code Upgrade},
   * {@code Expect}, {@code Transfer-Encoding}, {@code Host}). Others that RFC 9110 calls hop-by-hop
   * ({@code Proxy-Authorization}, {@code Trailer}, those a {@code Connection} lists ...) go on, as nginx sends them.
   */
  private static final HeaderNameSet NOT_PASSED_TO_ORIGIN = new HeaderNameSet("connection", "keep-alive", "te",
      "upgrade", "expect", "transfer-encoding", "host");

  /**
   * The origin's headers nginx's upstream module never passes to the client, as it frames the response itself:
   * {@code Connection}, {@code Keep-Alive}, {@code Transfer-Encoding}. Others go on ({@code Upgrade} on a 200,
   * {@code Trailer}, those a {@code Connection} lists ...), as nginx passes them.
   */
  private static final HeaderNameSet FRAMING = new HeaderNameSet("connection", "keep-alive", "transfer-encoding");

  /**
   * Origin response headers nginx does not pass by default ({@code ngx_http_proxy_hide_headers}): it writes its own
   * {@code Date} and {@code Server}, and the {@code X-Accel-*} ones are instructions to the proxy.
   */
  private static final HeaderNameSet HIDDEN_FROM_ORIGIN = new HeaderNameSet("date", "server", "x-pad", "x-accel-expires",
      "x-accel-redirect", "x-accel-limit-rate", "x-accel-buffering", "x-accel-charset");

  private ResponseHeaders() {
  }

  /**
   * A header value made from variables ({@code add_header}, {@code proxy_set_header}, the URL of a {@code return}
   * or of a {@code proxy_redirect}) that holds a line break, as {@code $uri} does for a request to
   * {@code /a%0D%0AX:%20y}. nginx writes such a value as it is, which splits the head (a second header, or a body,
   * of the client's making); xgate refuses it instead: the request gets a 500 and the error log says which directive
   * made the value (an error page already under way goes without its {@code add_header}s).
   */
  public static final class LineBreakInValue extends IllegalArgumentException {
    LineBreakInValue(String directive, String value) {
      super("a line break in the value \"" + escaped(value) + "\" of \"" + directive + "\"");
    }
  }

  /** {@code value}, unless it holds a CR or a LF ({@link LineBreakInValue}, naming {@code directive}). */
  public static String withoutLineBreak(String value, String directive) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n') {
        throw new LineBreakInValue(directive, value);
      }
    }
    return value;
  }

  /** Control characters as nginx's logs write them: {@code \xHH}. */
  private static String escaped(String value) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < ' ' || c == 0x7f) {
        out.append(String.format("\\x%02X", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** Whether the client's header {@code name} (any case) stops at the proxy, as in nginx. */
  static boolean isNotPassedToOrigin(CharSequence name) {
    return NOT_PASSED_TO_ORIGIN.contains(name);
  }

  /** Whether the origin's header {@code name} (any case) is one of the framing ones that stop at the proxy. */
  static boolean isFraming(CharSequence name) {
    return FRAMING.contains(name);
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
        String v = withoutLineBreak(h.value().evaluate(vars), "add_header " + h.name());
        if (!v.isEmpty()) {
          headers.add(h.name(), v);
        }
      }
    }
  }
}
