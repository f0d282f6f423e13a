package io.xgate.gateway.proxy;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.xgate.gateway.config.ProxySettings;
import io.xgate.gateway.config.Redirect;
import io.xgate.spi.RequestView;
import java.util.List;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;

/**
 * Redirects as nginx sends them: an origin's {@code Location} and {@code Refresh} rewritten by
 * {@code proxy_redirect} ({@code ngx_http_proxy_rewrite_redirect}), and a redirect to a path made a whole URL by
 * {@code absolute_redirect} (its header filter), which also applies to xgate's own {@code return 301 /path}.
 */
public final class Redirects {

  private Redirects() {
  }

  /**
   * The origin's {@code Location} {@code value} rewritten by the first rule of {@code s} whose pattern starts it, and
   * then made whole if it is a path; null when no rule matched (the value goes on as it is, even a path).
   */
  static String location(String value, ProxySettings s, RequestVariables vars, HttpServerRequest request) {
    String rewritten = rewrite(value, 0, s.proxyRedirects(), vars);
    return rewritten == null ? null : absolute(rewritten, s, vars, request);
  }

  /** The origin's {@code Refresh} {@code value} with the URL after its {@code url=} rewritten; null when none was. */
  static String refresh(String value, ProxySettings s, RequestVariables vars) {
    int url = indexOfIgnoreCase(value, "url=");
    return url < 0 ? null : rewrite(value, url + 4, s.proxyRedirects(), vars);
  }

  private static String rewrite(String value, int from, List<Redirect> rules, RequestVariables vars) {
    for (int i = 0; i < rules.size(); i++) {
      Redirect r = rules.get(i);
      if (r.regex() != null) {
        Matcher m = r.regex().matcher(value).region(from, value.length());
        if (m.find()) {   // searched, not anchored, as PCRE is run; the value is then replaced from "from" on
          return ResponseHeaders.withoutLineBreak(
              value.substring(0, from) + r.replacement().evaluate(new Captures(m, vars)), "proxy_redirect");
        }
        continue;
      }
      String pattern = r.pattern().evaluate(vars);
      if (value.startsWith(pattern, from)) {   // case-sensitive, as nginx compares
        return ResponseHeaders.withoutLineBreak(
            value.substring(0, from) + r.replacement().evaluate(vars) + value.substring(from + pattern.length()),
            "proxy_redirect");
      }
    }
    return null;
  }

  /**
   * {@code location} as nginx's header filter sends it: a path ({@code /x}) becomes
   * {@code http://HOST[:PORT]/x} when {@code absolute_redirect} is on, HOST being the request's {@code Host} (lower
   * case, without its port), or the server's primary name with {@code server_name_in_redirect}, or the listener's
   * address without a {@code Host}; PORT the listener's, unless it is 80 or {@code port_in_redirect} is off.
   */
  public static String absolute(String location, ProxySettings s, RequestVariables vars, HttpServerRequest request) {
    if (!s.absoluteRedirect() || location.isEmpty() || location.charAt(0) != '/') {
      return location;
    }
    SocketAddress local = request.localAddress();
    String host;
    if (s.serverNameInRedirect()) {
      host = vars.variable("server_name");
    } else {
      host = io.xgate.gateway.http.RequestHost.of(request);
      if (host == null) {
        host = local == null ? "" : local.hostAddress();
      }
    }
    int port = local == null || !s.portInRedirect() ? 80 : local.port();
    return "http://" + host + (port == 80 ? "" : ":" + port) + location;
  }

  /**
   * The request's variables and, as {@code $1}..{@code $9}, a regular expression's groups (one digit, as nginx
   * reads {@code $12}: group 1, then "2").
   */
  private record Captures(MatchResult match, RequestVariables vars) implements RequestView {
    @Override
    public String variable(String name) {
      char first = name.charAt(0);
      if (first >= '0' && first <= '9') {
        int group = first - '0';
        String g = group <= match.groupCount() ? match.group(group) : null;
        return (g == null ? "" : g) + name.substring(1);
      }
      return vars.variable(name);
    }
  }

  private static int indexOfIgnoreCase(String s, String part) {
    for (int i = 0; i + part.length() <= s.length(); i++) {
      if (s.regionMatches(true, i, part, 0, part.length())) {
        return i;
      }
    }
    return -1;
  }
}
