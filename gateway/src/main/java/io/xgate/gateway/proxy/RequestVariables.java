package io.xgate.gateway.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.xgate.gateway.config.ProxySettings;
import io.xgate.gateway.config.VariableMap;
import io.xgate.gateway.http.EventTime;
import io.xgate.gateway.http.MeasuredRequest;
import io.xgate.gateway.http.RequestHost;
import io.xgate.spi.RequestView;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * nginx's variables for one request: the {@link RequestView} balancers hash on, and what {@code log_format},
 * {@code add_header} and {@code proxy_set_header} read. Lives on the request's event loop.
 */
public final class RequestVariables implements RequestView {

  private static final DateTimeFormatter TIME_LOCAL =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US);

  private final HttpServerRequest request;
  private final String serverName;
  private final long startNanos = EventTime.nanos();
  final List<UpstreamAttempt> attempts = new ArrayList<>(2);
  String proxyHost = "";
  int status;
  long bodyBytesSent;
  MultiMap responseHeaders;
  MultiMap upstreamHeaders;
  private String uri;
  private final Map<String, VariableMap> maps;
  private int mapDepth;
  /** {@link #partialHead}'s request line (null: the request is whole) and length. */
  private String partialRequestLine;
  private long partialLength;
  /** The settings of the location handling the request: balancer plugins read their location directives here. */
  ProxySettings locationSettings;

  /**
   * @param request the client's request
   * @param serverName the primary name of the matched {@code server {}} ({@code $server_name})
   * @param uri the normalized, decoded path ({@code $uri})
   */
  public RequestVariables(HttpServerRequest request, String serverName, String uri) {
    this(request, serverName, uri, Map.of());
  }

  /**
   * @param request the client's request
   * @param serverName the primary name of the matched {@code server {}} ({@code $server_name})
   * @param uri the normalized, decoded path ({@code $uri})
   * @param maps the variables {@code map} blocks define
   */
  public RequestVariables(HttpServerRequest request, String serverName, String uri, Map<String, VariableMap> maps) {
    this.maps = maps;
    this.request = request;
    this.serverName = serverName;
    this.uri = uri;
  }

  /** The decoded, normalized path ({@code $uri}). */
  public String uri() {
    return uri;
  }

  /** The response status ({@code $status}), once known. */
  public void status(int status) {
    this.status = status;
  }

  public int status() {
    return status;
  }

  /**
   * The request is a head the client did not finish: {@code $request} is its request line as far as it came,
   * {@code $request_length} the bytes of its complete lines (nginx's values for it).
   */
  public void partialHead(String requestLine, long length) {
    this.partialRequestLine = requestLine;
    this.partialLength = length;
  }

  /** The response headers sent to the client ({@code $sent_http_*}). */
  public void responseHeaders(MultiMap headers) {
    this.responseHeaders = headers;
  }

  /**
   * The tail nginx gives an error-log line about a request: {@code , client: ADDR, server: NAME, request: "LINE"},
   * then {@code , upstream: "URL"} when one is named, {@code , host: "HOST"} and {@code , referrer: "REFERER"} when
   * the request has those headers.
   */
  public String errorContext(String upstreamUrl) {
    StringBuilder b = new StringBuilder(160).append(", client: ").append(variable("remote_addr"))
        .append(", server: ").append(serverName).append(", request: \"").append(variable("request")).append('"');
    if (upstreamUrl != null) {
      b.append(", upstream: \"").append(upstreamUrl).append('"');
    }
    String host = request.getHeader("Host");
    if (host != null) {
      b.append(", host: \"").append(host).append('"');
    }
    String referrer = request.getHeader("Referer");
    if (referrer != null) {
      b.append(", referrer: \"").append(referrer).append('"');
    }
    return b.toString();
  }

  /** Whether no upstream attempt (nor "no live upstreams" mark) was recorded. */
  public boolean attemptsEmpty() {
    return attempts.isEmpty();
  }

  /** Adds to {@code $body_bytes_sent}. */
  public void addBodyBytes(long n) {
    bodyBytesSent += n;
  }

  @Override
  public String variable(String name) {
    switch (name) {
      case "remote_addr": return host(request.remoteAddress());
      case "remote_port": return port(request.remoteAddress());
      case "server_addr": return host(request.localAddress());
      case "server_port": return port(request.localAddress());
      case "server_name": return serverName;
      case "binary_remote_addr": return host(request.remoteAddress());
      case "host": return host();
      case "scheme": return "http";
      case "https": return "";
      case "request_method": return request.method().name();
      case "request_uri": return RequestHost.requestUri(request);
      case "uri":
      case "document_uri": return uri;
      case "args":
      case "query_string": return request.query();
      case "is_args": return request.query() != null ? "?" : "";
      case "server_protocol": return protocol(request.version());
      case "request":
        return partialRequestLine != null ? partialRequestLine
            : request.method().name() + " " + request.uri() + " " + protocol(request.version());
      case "content_length": return request.getHeader("Content-Length");
      case "content_type": return request.getHeader("Content-Type");
      case "remote_user": return null;
      case "status": return status == 0 ? null : Integer.toString(status);
      case "body_bytes_sent": return Long.toString(bodyBytesSent);
      case "bytes_sent": return partialRequestLine != null ? "0" : Long.toString(MeasuredRequest.bytesSent(request));
      case "request_length":
        return Long.toString(partialRequestLine != null ? partialLength : MeasuredRequest.length(request));
      case "request_time": return millis3(EventTime.nanos() - startNanos);
      case "msec": return secondsWithMillis(EventTime.wallMillis());
      case "time_local": return TIME_LOCAL.format(ZonedDateTime.now());
      case "time_iso8601": return ZonedDateTime.now().withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
      case "connection_requests": return "1";
      case "proxy_host": return proxyHost;
      case "proxy_add_x_forwarded_for": return forwardedFor();
      case "upstream_addr": return attemptsJoined(a -> a.peer);
      case "upstream_status": return attemptsJoined(a -> a.status == 0 ? "-" : Integer.toString(a.status));
      case "upstream_response_time": return attemptsJoined(a -> seconds(a.responseNanos, a));
      case "upstream_connect_time": return attemptsJoined(a -> seconds(a.connectNanos, a));
      case "upstream_header_time": return attemptsJoined(a -> seconds(a.headerNanos, a));
      case "pid": return Long.toString(ProcessHandle.current().pid());
      case "hostname": return hostname();
      default: break;
    }
    VariableMap map = maps.get(name);
    if (map != null) {
      return mapped(map);
    }
    if (name.startsWith("http_")) {
      return header(request.headers(), name.substring(5));
    }
    if (name.startsWith("arg_")) {
      return arg(name.substring(4));
    }
    if (name.startsWith("cookie_")) {
      return cookie(name.substring(7));
    }
    if (name.startsWith("sent_http_")) {
      return responseHeaders == null ? null : header(responseHeaders, name.substring(10));
    }
    if (name.startsWith("upstream_http_")) {
      return upstreamHeaders == null ? null : header(upstreamHeaders, name.substring(14));
    }
    return null;
  }

  /** A {@code map} variable; a map that reads itself, directly or not, gives an empty value instead of a loop. */
  private String mapped(VariableMap map) {
    if (mapDepth > 32) {
      return "";
    }
    mapDepth++;
    try {
      return map.evaluate(this);
    } finally {
      mapDepth--;
    }
  }

  @Override
  public List<String> headerValues(String name) {
    return request.headers().getAll(name);
  }

  @Override
  public Object locationDirective(String name) {
    return locationSettings == null ? null : locationSettings.pluginDirective(name);
  }

  /** nginx's $host: Host header without port, lowercased; else the server name. */
  private String host() {
    String h = RequestHost.of(request);
    return h != null ? h : serverName;
  }

  private String forwardedFor() {
    String xff = request.getHeader("X-Forwarded-For");
    String addr = host(request.remoteAddress());
    return xff == null || xff.isEmpty() ? addr : xff + ", " + addr;
  }

  /** $arg_NAME: the first argument of that name, compared case-insensitively, raw (not decoded). */
  private String arg(String name) {
    String q = request.query();
    if (q == null) {
      return null;
    }
    int i = 0;
    int n = q.length();
    while (i <= n) {
      int amp = q.indexOf('&', i);
      if (amp < 0) {
        amp = n;
      }
      int eq = q.indexOf('=', i);
      if (eq >= 0 && eq < amp && eq - i == name.length() && q.regionMatches(true, i, name, 0, name.length())) {
        return q.substring(eq + 1, amp);
      }
      i = amp + 1;
    }
    return null;
  }

  /** $cookie_NAME: the first cookie of that name (case-insensitive name, as nginx compares it). */
  private String cookie(String name) {
    for (String header : request.headers().getAll("Cookie")) {
      for (String part : header.split(";")) {
        String p = part.trim();
        int eq = p.indexOf('=');
        if (eq == name.length() && p.regionMatches(true, 0, name, 0, name.length())) {
          return p.substring(eq + 1);
        }
      }
    }
    return null;
  }

  /** $http_NAME: dashes written as underscores; several headers of one name are joined as nginx does. */
  private static String header(MultiMap headers, String varName) {
    String name = varName.replace('_', '-');
    List<String> all = headers.getAll(name);
    if (all.isEmpty()) {
      return null;
    }
    if (all.size() == 1) {
      return all.get(0);
    }
    return String.join(name.equalsIgnoreCase("cookie") ? "; " : ", ", all);
  }

  private interface Part {
    String of(UpstreamAttempt a);
  }

  private String attemptsJoined(Part part) {
    if (attempts.isEmpty()) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < attempts.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(part.of(attempts.get(i)));
    }
    return sb.toString();
  }

  private static String seconds(long nanos, UpstreamAttempt a) {
    if (nanos < 0) {
      return a.status == 0 ? "-" : "0.000";
    }
    return millis3(nanos);
  }

  private static String millis3(long nanos) {
    return secondsWithMillis(nanos / 1_000_000);
  }

  /** {@code ms} as nginx prints seconds with milliseconds: {@code 12.045} (no Formatter: it costs a microsecond). */
  static String secondsWithMillis(long ms) {
    long frac = ms % 1000;
    return (ms / 1000) + (frac < 10 ? ".00" : frac < 100 ? ".0" : ".") + frac;
  }

  private static String protocol(HttpVersion v) {
    if (v == null) {
      return "HTTP/1.1";
    }
    switch (v) {
      case HTTP_1_0: return "HTTP/1.0";
      case HTTP_2: return "HTTP/2.0";
      default: return "HTTP/1.1";
    }
  }

  private static String host(SocketAddress a) {
    return a == null ? null : a.hostAddress() != null ? a.hostAddress() : a.host();
  }

  private static String port(SocketAddress a) {
    return a == null ? null : Integer.toString(a.port());
  }

  private static volatile String hostname;

  /**
   * {@code $hostname}: the machine's name as gethostname() gives it (Linux: /proc/sys/kernel/hostname; no DNS).
   * The gateway calls this once at start, off the event loops, so no request pays for it.
   */
  public static String hostname() {
    String h = hostname;
    if (h == null) {
      try {
        h = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).trim();
      } catch (java.io.IOException | RuntimeException e) {
        h = System.getenv("HOSTNAME");
      }
      if (h == null || h.isEmpty()) {
        try {
          h = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
          h = "localhost";
        }
      }
      hostname = h;
    }
    return h;
  }
}
