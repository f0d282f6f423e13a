package io.xgate.gateway.config;

import io.xgate.spi.ComplexValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;

/**
 * The directives that {@code http}, {@code server} and {@code location} levels share and that inherit downwards,
 * as nginx merges them: a value set at an inner level wins; list directives ({@code proxy_set_header},
 * {@code add_header}, {@code access_log}) are inherited only when the inner level sets none of them.
 * Unset fields are {@code null} until {@link #inherit} fills them; {@link #DEFAULTS} holds nginx's defaults.
 */
public final class ProxySettings {

  Integer nextUpstream;
  Integer nextUpstreamTries;
  Long nextUpstreamTimeoutMs;
  Long connectTimeoutMs;
  Long readTimeoutMs;
  Long sendTimeoutMs;
  String httpVersion;
  /** {@code proxy_method}: the origin request's method (may hold variables); null: the client's. */
  ComplexValue proxyMethod;
  List<HeaderValue> proxySetHeaders;
  /** Made from {@link #proxySetHeaders} on first use. */
  private HeaderNameSet proxySetHeaderNames;
  List<HeaderValue> addHeaders;
  List<String> hideHeaders;
  String defaultType;
  /** {@code underscores_in_headers} (http, server; the listener's default server's value governs). */
  Boolean underscoresInHeaders;
  /** {@code ignore_invalid_headers} (http, server; the listener's default server's value governs). */
  Boolean ignoreInvalidHeaders;
  /** {@code tcp_nodelay}: the request's location's value goes to its client's socket. */
  Boolean tcpNoDelay;
  /** {@code allow} / {@code deny} in order; null: inherited (none anywhere: every client is allowed). */
  List<AccessRule> accessRules;
  /** {@code types}: extension (lower case) to type; null: inherited, or nginx's built-in three at the top. */
  Map<String, String> types;
  List<String> passHeaders;
  List<AccessLogTarget> accessLogs;
  Long clientMaxBodySize;
  Boolean proxyBuffering;
  Long keepaliveTimeoutMs;
  Long keepaliveRequests;
  Long clientHeaderTimeoutMs;
  Long clientBodyTimeoutMs;
  Long clientSendTimeoutMs;
  Boolean proxyRedirect;
  List<Redirect> proxyRedirects;
  Boolean absoluteRedirect;
  /** {@code proxy_pass_request_headers}: whether the client's headers go on to the origin. */
  Boolean passRequestHeaders;
  /** {@code proxy_pass_request_body}: whether the client's body goes on to the origin. */
  Boolean passRequestBody;
  Boolean portInRedirect;
  Boolean serverNameInRedirect;
  Long leaseTimeoutMs;
  Boolean requestBuffering;
  Long clientBodyBufferSize;
  String clientBodyTempPath;
  Long proxyBufferSize;
  Buffers proxyBuffers;
  Long busyBuffersSize;
  Long maxTempFileSize;
  Long tempFileWriteSize;
  String proxyTempPath;

  /** {@code proxy_buffers NUMBER SIZE}. */
  public record Buffers(int number, long size) {
  }
  Integer largeHeaderBuffers;
  Long largeHeaderBufferSize;
  /** Values of balancer plugins' location directives, by name; each name inherits on its own. */
  Map<String, Object> pluginDirectives;

  /** nginx's defaults for everything here. */
  public static final ProxySettings DEFAULTS = defaults();

  private static ProxySettings defaults() {
    ProxySettings s = new ProxySettings();
    s.nextUpstream = NextUpstream.DEFAULT;
    s.nextUpstreamTries = 0;
    s.nextUpstreamTimeoutMs = 0L;
    s.connectTimeoutMs = 60_000L;
    s.readTimeoutMs = 60_000L;
    s.sendTimeoutMs = 60_000L;
    s.httpVersion = "1.1";
    s.proxySetHeaders = List.of();
    s.addHeaders = List.of();
    s.hideHeaders = List.of();
    s.defaultType = "text/plain";
    s.passHeaders = List.of();
    s.accessLogs = null;   // resolved by the builder: logs/access.log in the combined format
    s.clientMaxBodySize = 1024L * 1024;
    s.keepaliveTimeoutMs = 75_000L;
    s.keepaliveRequests = 1000L;
    s.clientHeaderTimeoutMs = 60_000L;
    s.clientBodyTimeoutMs = 60_000L;
    s.clientSendTimeoutMs = 60_000L;
    s.proxyRedirect = Boolean.TRUE;
    s.proxyRedirects = null;   // resolved per proxying location: nginx's default rule for its proxy_pass
    s.absoluteRedirect = Boolean.TRUE;
    s.passRequestHeaders = Boolean.TRUE;
    s.passRequestBody = Boolean.TRUE;
    s.portInRedirect = Boolean.TRUE;
    s.serverNameInRedirect = Boolean.FALSE;
    s.leaseTimeoutMs = 60_000L;
    s.requestBuffering = Boolean.TRUE;
    s.clientBodyBufferSize = 16L * 1024;
    s.clientBodyTempPath = null;   // resolved by the builder: PREFIX/client_body_temp
    s.proxyBuffering = Boolean.TRUE;
    s.proxyBufferSize = 4096L;   // one memory page, as nginx on x86_64
    s.proxyBuffers = new Buffers(8, 4096);
    s.busyBuffersSize = null;   // unset: twice the larger of proxy_buffer_size and one proxy_buffers buffer
    s.maxTempFileSize = 1024L * 1024 * 1024;
    s.tempFileWriteSize = null;   // unset: as busyBuffersSize
    s.proxyTempPath = null;   // resolved by the builder: PREFIX/proxy_temp
    s.largeHeaderBuffers = 4;
    s.underscoresInHeaders = false;
    s.ignoreInvalidHeaders = true;
    s.tcpNoDelay = true;
    s.largeHeaderBufferSize = 8L * 1024;
    s.pluginDirectives = Map.of();
    return s;
  }

  /** A copy whose unset values come from {@code parent}. */
  public ProxySettings inherit(ProxySettings parent) {
    ProxySettings s = new ProxySettings();
    s.nextUpstream = nextUpstream != null ? nextUpstream : parent.nextUpstream;
    s.nextUpstreamTries = nextUpstreamTries != null ? nextUpstreamTries : parent.nextUpstreamTries;
    s.nextUpstreamTimeoutMs = nextUpstreamTimeoutMs != null ? nextUpstreamTimeoutMs : parent.nextUpstreamTimeoutMs;
    s.connectTimeoutMs = connectTimeoutMs != null ? connectTimeoutMs : parent.connectTimeoutMs;
    s.readTimeoutMs = readTimeoutMs != null ? readTimeoutMs : parent.readTimeoutMs;
    s.sendTimeoutMs = sendTimeoutMs != null ? sendTimeoutMs : parent.sendTimeoutMs;
    s.httpVersion = httpVersion != null ? httpVersion : parent.httpVersion;
    s.proxyMethod = proxyMethod != null ? proxyMethod : parent.proxyMethod;
    s.proxySetHeaders = proxySetHeaders != null ? proxySetHeaders : parent.proxySetHeaders;
    s.addHeaders = addHeaders != null ? addHeaders : parent.addHeaders;
    s.defaultType = defaultType != null ? defaultType : parent.defaultType;
    s.types = types != null ? types : parent.types;
    s.accessRules = accessRules != null ? accessRules : parent.accessRules;
    s.underscoresInHeaders = underscoresInHeaders != null ? underscoresInHeaders : parent.underscoresInHeaders;   // a level's own replace, as nginx
    s.ignoreInvalidHeaders = ignoreInvalidHeaders != null ? ignoreInvalidHeaders : parent.ignoreInvalidHeaders;
    s.tcpNoDelay = tcpNoDelay != null ? tcpNoDelay : parent.tcpNoDelay;
    s.hideHeaders = hideHeaders != null ? hideHeaders : parent.hideHeaders;   // each list on its own, as nginx
    s.passHeaders = passHeaders != null ? passHeaders : parent.passHeaders;
    s.accessLogs = accessLogs != null ? accessLogs : parent.accessLogs;
    s.clientMaxBodySize = clientMaxBodySize != null ? clientMaxBodySize : parent.clientMaxBodySize;
    s.proxyBuffering = proxyBuffering != null ? proxyBuffering : parent.proxyBuffering;
    s.keepaliveTimeoutMs = keepaliveTimeoutMs != null ? keepaliveTimeoutMs : parent.keepaliveTimeoutMs;
    s.keepaliveRequests = keepaliveRequests != null ? keepaliveRequests : parent.keepaliveRequests;
    s.clientHeaderTimeoutMs = clientHeaderTimeoutMs != null ? clientHeaderTimeoutMs : parent.clientHeaderTimeoutMs;
    s.clientBodyTimeoutMs = clientBodyTimeoutMs != null ? clientBodyTimeoutMs : parent.clientBodyTimeoutMs;
    s.clientSendTimeoutMs = clientSendTimeoutMs != null ? clientSendTimeoutMs : parent.clientSendTimeoutMs;
    s.proxyRedirect = proxyRedirect != null ? proxyRedirect : parent.proxyRedirect;
    s.proxyRedirects = proxyRedirects != null ? proxyRedirects : parent.proxyRedirects;
    s.absoluteRedirect = absoluteRedirect != null ? absoluteRedirect : parent.absoluteRedirect;
    s.passRequestHeaders = passRequestHeaders != null ? passRequestHeaders : parent.passRequestHeaders;
    s.passRequestBody = passRequestBody != null ? passRequestBody : parent.passRequestBody;
    s.portInRedirect = portInRedirect != null ? portInRedirect : parent.portInRedirect;
    s.serverNameInRedirect = serverNameInRedirect != null ? serverNameInRedirect : parent.serverNameInRedirect;
    s.leaseTimeoutMs = leaseTimeoutMs != null ? leaseTimeoutMs : parent.leaseTimeoutMs;
    s.requestBuffering = requestBuffering != null ? requestBuffering : parent.requestBuffering;
    s.clientBodyBufferSize = clientBodyBufferSize != null ? clientBodyBufferSize : parent.clientBodyBufferSize;
    s.clientBodyTempPath = clientBodyTempPath != null ? clientBodyTempPath : parent.clientBodyTempPath;
    s.proxyBufferSize = proxyBufferSize != null ? proxyBufferSize : parent.proxyBufferSize;
    s.proxyBuffers = proxyBuffers != null ? proxyBuffers : parent.proxyBuffers;
    s.busyBuffersSize = busyBuffersSize != null ? busyBuffersSize : parent.busyBuffersSize;
    s.maxTempFileSize = maxTempFileSize != null ? maxTempFileSize : parent.maxTempFileSize;
    s.tempFileWriteSize = tempFileWriteSize != null ? tempFileWriteSize : parent.tempFileWriteSize;
    s.proxyTempPath = proxyTempPath != null ? proxyTempPath : parent.proxyTempPath;
    s.largeHeaderBuffers = largeHeaderBuffers != null ? largeHeaderBuffers : parent.largeHeaderBuffers;
    s.largeHeaderBufferSize = largeHeaderBufferSize != null ? largeHeaderBufferSize : parent.largeHeaderBufferSize;
    if (pluginDirectives == null || pluginDirectives.isEmpty()) {
      s.pluginDirectives = parent.pluginDirectives;
    } else {
      Map<String, Object> merged = new HashMap<>(parent.pluginDirectives);
      merged.putAll(pluginDirectives);
      s.pluginDirectives = Map.copyOf(merged);
    }
    return s;
  }

  /**
   * {@code large_client_header_buffers} number: with {@link #largeHeaderBufferSize()}, the most a request's header
   * may take in all.
   */
  public int largeHeaderBuffers() {
    return largeHeaderBuffers;
  }

  /**
   * {@code large_client_header_buffers} size: the longest request line (longer: 414) and the longest header line
   * (longer: 400 "Request Header Or Cookie Too Large").
   */
  public long largeHeaderBufferSize() {
    return largeHeaderBufferSize;
  }

  /** The {@link NextUpstream} mask. */
  public int nextUpstream() {
    return nextUpstream;
  }

  /** {@code proxy_next_upstream_tries}; 0 = no limit. */
  public int nextUpstreamTries() {
    return nextUpstreamTries;
  }

  /** {@code proxy_next_upstream_timeout}; 0 = no limit. */
  public long nextUpstreamTimeoutMs() {
    return nextUpstreamTimeoutMs;
  }

  /** {@code proxy_connect_timeout}. */
  public long connectTimeoutMs() {
    return connectTimeoutMs;
  }

  /** {@code proxy_read_timeout}: the origin's silence allowed while its response is read. */
  public long readTimeoutMs() {
    return readTimeoutMs;
  }

  /** {@code proxy_send_timeout}: the origin's stall allowed while the request is sent to it. */
  public long sendTimeoutMs() {
    return sendTimeoutMs;
  }

  /** {@code proxy_http_version}: {@code 1.0} or {@code 1.1}. */
  public String httpVersion() {
    return httpVersion;
  }

  public List<HeaderValue> proxySetHeaders() {
    return proxySetHeaders;
  }

  /** The {@code proxy_set_header} names: the client's headers of these names are replaced (or removed). */
  public HeaderNameSet proxySetHeaderNames() {
    HeaderNameSet names = proxySetHeaderNames;
    if (names == null) {   // made once per location's settings; a race makes an equal set twice
      List<String> lower = new ArrayList<>();
      for (HeaderValue h : proxySetHeaders) {
        lower.add(h.name().toLowerCase(Locale.ROOT));
      }
      names = new HeaderNameSet(lower);
      proxySetHeaderNames = names;
    }
    return names;
  }

  /** {@code default_type}: the type of a text response when the path's extension does not give one. */
  public String defaultType() {
    return defaultType;
  }

  /** {@code underscores_in_headers}: whether a client's header with an underscore in its name is kept. */
  public boolean underscoresInHeaders() {
    return underscoresInHeaders;
  }

  /**
   * {@code ignore_invalid_headers}: whether a client's header whose name has a character other than a letter, a
   * digit or a hyphen (an underscore counts with {@code underscores_in_headers on}) is dropped; off, it is kept.
   */
  public boolean ignoreInvalidHeaders() {
    return ignoreInvalidHeaders;
  }

  /** {@code tcp_nodelay}: whether the client's socket sends without Nagle's delay (TCP_NODELAY). */
  public boolean tcpNoDelay() {
    return tcpNoDelay;
  }

  /** {@code allow} / {@code deny}: the rules a client's address is tried against, or null when none are set. */
  public List<AccessRule> accessRules() {
    return accessRules;
  }

  /** {@code types}: extension (lower case) to type, or null when no level has a {@code types} block. */
  public Map<String, String> types() {
    return types;
  }

  /** {@code proxy_hide_header}: origin response headers not passed, besides those nginx hides by default. */
  public List<String> hideHeaders() {
    return hideHeaders;
  }

  /** {@code proxy_pass_header}: headers nginx hides by default ({@code Date}, {@code Server} ...) passed after all. */
  public List<String> passHeaders() {
    return passHeaders;
  }

  public List<HeaderValue> addHeaders() {
    return addHeaders;
  }

  /** The access logs; empty for {@code access_log off}. */
  public List<AccessLogTarget> accessLogs() {
    return accessLogs;
  }

  /** {@code client_max_body_size}; 0 = no limit. */
  public long clientMaxBodySize() {
    return clientMaxBodySize;
  }

  /**
   * {@code upstream_by_bgn_lease_timeout}: how long an {@code upstream_by_bgn} lease stays open unreported before
   * it is closed as a request that did not fail.
   */
  public long leaseTimeoutMs() {
    return leaseTimeoutMs;
  }

  /**
   * {@code proxy_request_buffering}: whether a request body is read in full (memory, then a temp file) before it
   * is proxied, which lets a retry send it again; off streams it, and a sent body ends the retries.
   */
  public boolean requestBuffering() {
    return requestBuffering;
  }

  /** {@code client_body_buffer_size}: the part of a buffered body kept in memory before it spills to a file. */
  public long clientBodyBufferSize() {
    return clientBodyBufferSize;
  }

  /** {@code client_body_temp_path}: where spilled request bodies go. */
  public String clientBodyTempPath() {
    return clientBodyTempPath;
  }

  /**
   * The value a balancer plugin parsed from its location directive {@code name} (see
   * {@code BalancerProvider#locationDirectives()}), or {@code null} when it is not in effect here.
   */
  public Object pluginDirective(String name) {
    return pluginDirectives.get(name);
  }

  /** Client-side {@code keepalive_timeout}; 0 disables client keep-alive. */
  public long keepaliveTimeoutMs() {
    return keepaliveTimeoutMs;
  }

  /**
   * {@code client_header_timeout} (http and server levels): how long a client may take to send a request's whole
   * header, from its connection's start for the first request and from a later request's first bytes.
   */
  public long clientHeaderTimeoutMs() {
    return clientHeaderTimeoutMs;
  }

  /** {@code client_body_timeout}: the client's silence allowed while its request body is read. */
  public long clientBodyTimeoutMs() {
    return clientBodyTimeoutMs;
  }

  /**
   * {@code proxy_redirect}: the rules an origin's {@code Location} and {@code Refresh} are rewritten by, in order
   * (the first that matches); empty for {@code proxy_redirect off}. A proxying location without any has nginx's
   * default rule for its {@code proxy_pass}.
   */
  public List<Redirect> proxyRedirects() {
    return proxyRedirect && proxyRedirects != null ? proxyRedirects : List.of();
  }

  /** {@code absolute_redirect}: whether a redirect to a path ({@code /x}) is sent as a whole URL. */
  /**
   * {@code proxy_pass_request_headers}: whether the client's headers go on to the origin (off: only those the
   * proxy sets itself, {@code proxy_set_header} lines, {@code Host}, {@code Connection}, a read body's length).
   */
  public boolean passRequestHeaders() {
    return passRequestHeaders;
  }

  /**
   * {@code proxy_pass_request_body}: whether the client's body goes on to the origin. Off, as nginx, the body is
   * still read in full (and held to {@code client_max_body_size}) and its length still sent as
   * {@code Content-Length}, unless a {@code proxy_set_header Content-Length} says otherwise; its bytes are not.
   */
  public boolean passRequestBody() {
    return passRequestBody;
  }

  /** {@code proxy_method}: the origin request's method (may hold variables), or null for the client's. */
  public ComplexValue proxyMethod() {
    return proxyMethod;
  }

  public boolean absoluteRedirect() {
    return absoluteRedirect;
  }

  /** {@code port_in_redirect}: whether such a URL names the listener's port (never port 80). */
  public boolean portInRedirect() {
    return portInRedirect;
  }

  /** {@code server_name_in_redirect}: whether such a URL names the server's primary name rather than the Host. */
  public boolean serverNameInRedirect() {
    return serverNameInRedirect;
  }

  /** {@code send_timeout}: how long a client may take no bytes of its response while some wait for it. */
  public long clientSendTimeoutMs() {
    return clientSendTimeoutMs;
  }

  /** Client-side {@code keepalive_requests}. */
  public long keepaliveRequests() {
    return keepaliveRequests;
  }

  /**
   * {@code proxy_buffering}: whether a response is read from the origin as fast as it comes, into memory
   * ({@link #proxyBuffers()}) and then a temp file, so the origin's connection is free as soon as it has answered
   * however slowly the client reads; off relays it with backpressure. {@code X-Accel-Buffering: no} from the origin
   * turns it off for that response.
   */
  public boolean proxyBuffering() {
    return proxyBuffering;
  }

  /** {@code proxy_buffer_size}: the buffer for the start of the response. */
  public long proxyBufferSize() {
    return proxyBufferSize;
  }

  /** {@code proxy_buffers}: the memory one buffered response may hold. */
  public Buffers proxyBuffers() {
    return proxyBuffers;
  }

  /** {@code proxy_busy_buffers_size}, its default resolved. */
  public long busyBuffersSize() {
    return busyBuffersSize != null ? busyBuffersSize : 2 * Math.max(proxyBufferSize, proxyBuffers.size());
  }

  /** {@code proxy_max_temp_file_size}: the most of one response written to a temp file; 0 = never spill. */
  public long maxTempFileSize() {
    return maxTempFileSize;
  }

  /** {@code proxy_temp_file_write_size}, its default resolved: the most written to the temp file at once. */
  public long tempFileWriteSize() {
    return tempFileWriteSize != null ? tempFileWriteSize : 2 * Math.max(proxyBufferSize, proxyBuffers.size());
  }

  /** {@code proxy_temp_path}: where buffered responses spill. */
  public String proxyTempPath() {
    return proxyTempPath;
  }
}
