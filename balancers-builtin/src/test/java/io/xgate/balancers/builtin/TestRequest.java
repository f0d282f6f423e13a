package io.xgate.balancers.builtin;

import io.xgate.spi.RequestView;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A request as nginx's variables see it, for driving balancers without a server. */
final class TestRequest implements RequestView {

  private final String method;
  private final String uri;
  private final String clientIp;
  private final Map<String, String> headers = new LinkedHashMap<>();

  TestRequest(String method, String uri, String clientIp, Map<String, String> headers) {
    this.method = method;
    this.uri = uri;
    this.clientIp = clientIp;
    headers.forEach((k, v) -> this.headers.put(k.toLowerCase(Locale.ROOT).replace('-', '_'), v));
  }

  static TestRequest get(String uri) {
    return new TestRequest("GET", uri, "127.0.0.1", Map.of());
  }

  static TestRequest from(String clientIp) {
    return new TestRequest("GET", "/", clientIp, Map.of());
  }

  private String args() {
    int q = uri.indexOf('?');
    return q < 0 ? null : uri.substring(q + 1);
  }

  @Override
  public String variable(String name) {
    switch (name) {
      case "request_uri": return uri;
      case "uri": {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
      }
      case "args":
      case "query_string": return args();
      case "remote_addr": return clientIp;
      case "request_method": return method;
      case "host": return headers.getOrDefault("host", "localhost");
      default: break;
    }
    if (name.startsWith("http_")) {
      return headers.get(name.substring(5).toLowerCase(Locale.ROOT));
    }
    if (name.startsWith("arg_")) {
      return arg(args(), name.substring(4));
    }
    if (name.startsWith("cookie_")) {
      String cookies = headers.get("cookie");
      if (cookies == null) {
        return null;
      }
      for (String c : cookies.split(";")) {
        String t = c.trim();
        int eq = t.indexOf('=');
        if (eq > 0 && t.substring(0, eq).equalsIgnoreCase(name.substring(7))) {
          return t.substring(eq + 1);
        }
      }
    }
    return null;
  }

  /** nginx's ngx_http_arg: name matched case-insensitively at the start or after '&', followed by '='. */
  static String arg(String args, String name) {
    if (args == null) {
      return null;
    }
    String lower = args.toLowerCase(Locale.ROOT);
    String needle = name.toLowerCase(Locale.ROOT) + "=";
    int from = 0;
    while (true) {
      int at = lower.indexOf(needle, from);
      if (at < 0) {
        return null;
      }
      if (at == 0 || args.charAt(at - 1) == '&') {
        int start = at + needle.length();
        int end = args.indexOf('&', start);
        return args.substring(start, end < 0 ? args.length() : end);
      }
      from = at + 1;
    }
  }
}
