package io.xgate.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.xgate.gateway.config.AccessLogTarget;
import io.xgate.gateway.config.AccessRule;
import io.xgate.gateway.config.Listen;
import io.xgate.gateway.config.LogFormat;
import io.xgate.gateway.config.LocationConfig;
import io.xgate.gateway.config.ProxyPass;
import io.xgate.gateway.config.ProxySettings;
import io.xgate.gateway.log.AccessLog;
import io.xgate.gateway.log.ErrorLog;
import io.xgate.gateway.log.LogFile;
import io.xgate.gateway.origin.OriginPool;
import io.xgate.gateway.proxy.ErrorPages;
import io.xgate.gateway.proxy.PeerChoice;
import io.xgate.gateway.proxy.ProxyRequest;
import io.xgate.gateway.proxy.Redirects;
import io.xgate.gateway.proxy.RequestVariables;
import io.xgate.gateway.proxy.ResponseHeaders;
import io.xgate.gateway.upstream.LeaseRegistry;
import io.xgate.gateway.upstream.Upstream;
import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerRegistry;
import io.xgate.spi.ContentRequest;
import io.xgate.spi.ContentResponse;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One "worker": an instance of this verticle per {@code worker_processes}, each on its own event loop, all sharing
 * the listening sockets (Vert.x spreads accepted connections over the instances, as nginx workers share theirs).
 * Each instance keeps its own origin connections per upstream ({@link OriginPool}: nginx's keep-alive cache, per
 * worker). The configuration generation is read per request from {@code generations}, so a
 * reload takes effect for the next request without touching requests in flight.
 */
public final class ServerVerticle extends VerticleBase {

  private final Supplier<Generation> generations;
  private final BalancerRegistry providers;
  private final ErrorLog errorLog;
  /** {@code errorLog}'s levels as the proxy path takes them, made once rather than per request. */
  private final java.util.function.Consumer<String> errors;
  private final java.util.function.Consumer<String> warnings;
  private final LeaseRegistry leases;
  private final Map<String, HttpServer> servers = new HashMap<>();
  private final Map<HttpServer, io.netty.channel.Channel> listenChannels = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<Upstream, OriginPool> origins = new IdentityHashMap<>();
  private Generation applied;
  private HttpClient upgradeClient;
  /**
   * While the warm-up runs: the served config's access log formats, each applied (and dropped) to every warm-up
   * request, so that their code (java.time, locale data: ~100 classes for {@code combined}) is loaded before the
   * first real request rather than during it.
   */
  private List<LogFormat> warmUpLogFormats = List.of();

  /**
   * @param generations the current generation, read on every request
   * @param providers the balancer providers, for the start's {@link WarmUp}
   * @param errorLog where a failed warm-up is reported
   * @param leases the peer leases {@code upstream_by_bgn} locations hand out
   */
  public ServerVerticle(Supplier<Generation> generations, BalancerRegistry providers, ErrorLog errorLog,
      LeaseRegistry leases) {
    this.generations = generations;
    this.providers = providers;
    this.errorLog = errorLog;
    this.errors = errorLog::error;
    this.warnings = errorLog::warn;
    this.leases = leases;
  }

  /** Warms the request path up ({@link WarmUp}); serving starts with the first {@link #apply}. */
  @Override
  public Future<?> start() {
    Generation served = generations.get();
    warmUpLogFormats = served == null ? List.of() : List.copyOf(served.config().logFormats());
    return WarmUp.run(vertx, providers, served == null ? null : served.config(),
        requests -> createListener(() -> ProxySettings.DEFAULTS, requests, req -> req.connection().close()),
        (req, warm) -> handle(req, warm, WarmUp.listenKey(warm)))
        .onComplete(x -> {
          warmUpLogFormats = List.of();
          // only the warm-up's origin connections exist yet
          origins.values().forEach(OriginPool::retire);
          origins.clear();
        })
        .recover(e -> {
          errorLog.warn("warm-up of the request path failed: " + e.getMessage());
          return Future.succeededFuture();
        });
  }

  /**
   * Brings this instance in line with {@code generation}: listens on new addresses, closes removed ones, and
   * retires the old generation's clients gracefully. Runs on this verticle's event loop.
   */
  public Future<Void> apply(Generation generation) {
    Generation old = applied;
    applied = generation;
    if (old != null && old != generation) {
      for (Map.Entry<Upstream, OriginPool> e : new ArrayList<>(origins.entrySet())) {
        if (generation.upstreams().get(e.getKey().name()) != e.getKey()) {
          // its idle connections close now; requests of the old generation still running (or retrying) keep theirs
          origins.remove(e.getKey()).retire();
        }
      }
    }
    List<Future<?>> pending = new ArrayList<>();
    for (Map.Entry<String, Listen> e : generation.listens().entrySet()) {
      if (!servers.containsKey(e.getKey())) {
        Listen l = e.getValue();
        String key = e.getKey();
        HttpServer server = createListener(() -> defaultServerSettings(key),
            req -> handle(req, key), req -> rejectInvalid(req, key));
        servers.put(key, server);
        pending.add(server.listen(l.port(), l.host()).onSuccess(bound -> {
          io.netty.channel.Channel ch = ListenerSockets.channelOf(bound);
          if (ch != null) {
            listenChannels.put(bound, ch);
          }
        }).recover(err -> Future.failedFuture(
            new IllegalStateException("bind() to " + key + " failed (" + err.getMessage() + ")", err))));
      }
    }
    for (String key : new ArrayList<>(servers.keySet())) {
      if (!generation.listens().containsKey(key)) {
        HttpServer removed = servers.remove(key);
        listenChannels.remove(removed);
        pending.add(removed.shutdown(30, TimeUnit.SECONDS));
      }
    }
    return Future.all(pending).mapEmpty();
  }

  /**
   * The settings of the default server of the listener {@code listenKey} in the current generation: what a new
   * connection to it is served with (a reload's new values apply to the connections after it).
   */
  private ProxySettings defaultServerSettings(String listenKey) {
    Generation g = generations.get();
    VirtualHosts hosts = g == null ? null : g.hosts(listenKey);
    return hosts == null ? ProxySettings.DEFAULTS : hosts.select(null).server().settings();
  }

  /**
   * A listener as a {@code listen} directive gets one; {@code defaultServer} gives the settings of its default
   * server when a connection comes (the warm-up's listener is made here too, so that it runs the same connection
   * code as a real one).
   */
  private HttpServer createListener(Supplier<ProxySettings> defaultServer, Handler<HttpServerRequest> requests,
      Handler<HttpServerRequest> invalidRequests) {
    ProxySettings s = defaultServer.get();
    HttpServerOptions options = new HttpServerOptions()
        .setTcpNoDelay(true)
        .setCompressionSupported(false)
        // upgrades are relayed as bytes (UpgradeTunnel): no WebSocket extension handler in every connection's path
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false)
        .setHttp2ClearTextEnabled(false);   // as nginx: an HTTP/1.1 listener ignores "Upgrade: h2c"
    EdgeRequestDecoder.limits(options, s.largeHeaderBuffers(), s.largeHeaderBufferSize());
    return vertx.createHttpServer(options).requestHandler(requests)
        .connectionHandler(conn -> {
          ProxySettings now = defaultServer.get();
          HttpServerOptions decoding = options;
          if (now.largeHeaderBuffers() != s.largeHeaderBuffers()
              || now.largeHeaderBufferSize() != s.largeHeaderBufferSize()) {   // a reload changed them
            decoding = EdgeRequestDecoder.limits(new HttpServerOptions(options), now.largeHeaderBuffers(),
                now.largeHeaderBufferSize());
          }
          EdgeRequestDecoder.install(conn, decoding, EdgeRequestDecoder.ClientRules.of(now));
        })
        .invalidRequestHandler(invalidRequests);
  }

  /** {@link #apply} on this verticle's own event loop, from any thread. */
  public Future<Void> applyFromAnyThread(Generation generation) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    context.runOnContext(x -> apply(generation).onComplete(done));
    return done.future();
  }

  private void handle(HttpServerRequest req, String listenKey) {
    handle(req, generations.get(), listenKey);
  }

  private void handle(HttpServerRequest req, Generation g, String listenKey) {
    VirtualHosts hosts = g.hosts(listenKey);
    if (hosts == null) {
      req.connection().close();   // the address was removed by a reload
      return;
    }
    VirtualHosts.Host only = hosts.only();
    VirtualHosts.Host host = only != null ? only : hosts.select(RequestHost.of(req));
    String uri = UriNormalizer.normalize(req.path());
    if (uri == null) {
      EdgeRequestDecoder.requestRules(req.connection(), host.server().settings());
      plainStatus(req, 400, host.server().settings(), new RequestVariables(req, host.name(), "/"), g);
      return;
    }
    RequestVariables vars = new RequestVariables(req, host.name(), uri, g.config().maps());
    List<String> dropped = MeasuredRequest.droppedLines(req);
    for (int i = 0; i < dropped.size(); i++) {
      errorLog.info("client sent invalid header line: \"" + dropped.get(i) + "\" while reading client request headers"
          + vars.errorContext(null));
    }
    LocationConfig loc = host.router().match(uri);
    if (loc == null) {
      EdgeRequestDecoder.requestRules(req.connection(), host.server().settings());
      plainStatus(req, 404, host.server().settings(), vars, g);
      return;
    }
    ProxySettings s = loc.settings();
    EdgeRequestDecoder.requestRules(req.connection(), s);
    if (s.keepaliveTimeoutMs() == 0 || EdgeRequestDecoder.asksToClose(req) || (req.version() == HttpVersion.HTTP_1_0
        && !req.headers().contains(HttpHeaders.CONNECTION, HttpHeaders.KEEP_ALIVE, true))) {
      req.response().headers().set(HeaderNames.CONNECTION, "close");
      req.response().endHandler(v -> req.connection().close());   // Vert.x keeps it open unless told exactly
    }
    long max = s.clientMaxBodySize();
    if (max > 0) {
      String cl = req.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (cl != null) {
        try {
          long declared = Long.parseLong(cl.trim());
          if (declared > max) {
            errorLog.error("client intended to send too large body: " + declared + " bytes" + vars.errorContext(null));
            req.response().headers().set(HeaderNames.CONNECTION, "close");
            plainStatus(req, 413, s, vars, g);
            return;
          }
        } catch (NumberFormatException e) {
          plainStatus(req, 400, s, vars, g);
          return;
        }
      }
    }
    if (loc.returnStatus() != null) {   // nginx's rewrite phase: before the access rules
      returnResponse(req, loc, vars, g);
      return;
    }
    List<AccessRule> rules = loc.accessRulesFor(req.method().name());
    if (rules != null && !AccessRule.allows(rules, clientAddress(req))) {
      errorLog.error("access forbidden by rule" + vars.errorContext(null));
      plainStatus(req, 403, s, vars, g);
      return;
    }
    if (loc.content() != null) {
      content(req, loc, vars, g);
      return;
    }
    if (loc.upstreamByBgn() != null) {
      answerPeerChoice(req, loc, vars, g);
      return;
    }
    ProxyPass pass = loc.proxyPass();
    Upstream upstream = g.upstreams().get(pass.upstream() != null ? pass.upstream() : pass.proxyHost());
    new ProxyRequest(vertx, req, vars, loc, upstream, origins(upstream), v -> {
      if (v.status() == 499 && EdgeRequestDecoder.timedOut(req.connection())) {
        v.status(408);   // closed by one of the client's timeouts, not by the client: nginx's 408
      }
      log(g, loc.settings(), v);
    })
        .upgradeClient(upgradeClient()).errors(errors).warnings(warnings).start();
  }

  /** The client's address bytes (4 or 16), as its connection's socket has them. */
  private static byte[] clientAddress(HttpServerRequest req) {
    if (req.connection() instanceof ConnectionBase base
        && base.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
      return a.getAddress().getAddress();
    }
    return new byte[0];   // not an IP client: only "all" matches it
  }

  /**
   * A request the decoder refused ({@link EdgeRequestDecoder}): nginx's status and page, the connection closed
   * after it, and nothing proxied.
   */
  private void rejectInvalid(HttpServerRequest req, String listenKey) {
    Throwable cause = req.decoderResult().cause();
    int status = EdgeRequestDecoder.statusFor(cause);
    Generation g = generations.get();
    VirtualHosts hosts = g == null ? null : g.hosts(listenKey);
    if (cause instanceof EdgeRequestDecoder.PartialHead partial) {
      logPartialHead(req, partial, g, hosts);
      return;
    }
    req.response().headers().set(HeaderNames.CONNECTION, "close");
    req.response().endHandler(v -> req.connection().close());
    if (hosts == null) {
      ErrorPages.setStatus(req.response(), status);
      req.response().end();
      return;
    }
    VirtualHosts.Host host = hosts.select(null);
    RequestVariables vars = new RequestVariables(req, host.name(), "/", g.config().maps());
    Buffer body = EdgeRequestDecoder.headerTooLarge(cause) ? ErrorPages.headerTooLargePage() : ErrorPages.page(status);
    req.response().headers().set(HeaderNames.CONTENT_TYPE, "text/html");
    finish(req, status, body, host.server().settings(), vars, g);
  }

  /**
   * A head the client began and did not finish ({@link EdgeRequestDecoder.PartialHead}): no answer, the connection
   * closed, and the request logged as nginx logs it, in the access logs of the listener's default server (no server
   * was chosen yet) and at {@code info} in the error log.
   */
  private void logPartialHead(HttpServerRequest req, EdgeRequestDecoder.PartialHead partial, Generation g,
      VirtualHosts hosts) {
    req.connection().close();
    if (hosts == null) {
      return;
    }
    VirtualHosts.Host host = hosts.select(null);
    RequestVariables vars = new RequestVariables(req, host.name(), "/", g.config().maps());
    vars.partialHead(partial.requestLine, partial.length);
    vars.status(partial.status);
    String hostHeader = req.headers().get(HeaderNames.HOST);
    errorLog.info(partial.getMessage() + ", client: " + vars.variable("remote_addr") + ", server: , request: \""
        + partial.requestLine + "\"" + (hostHeader == null ? "" : ", host: \"" + hostHeader + "\""));
    log(g, host.server().settings(), vars);
  }

  /**
   * The client for connection upgrades, shared by every upstream of this event loop: it keeps the configured
   * {@code Connection} header, and a 101 takes its connection out of the pool for good.
   */
  private HttpClient upgradeClient() {
    if (upgradeClient == null) {
      upgradeClient = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setKeepAliveTimeout(1)
          .setTcpNoDelay(true).setPipelining(false).setDecompressionSupported(false).setVerifyHost(false),
          new PoolOptions().setHttp1MaxSize(1024).setMaxWaitQueueSize(-1));
    }
    return upgradeClient;
  }

  private OriginPool origins(Upstream upstream) {
    OriginPool pool = origins.get(upstream);
    if (pool == null) {
      pool = new OriginPool((ContextInternal) context, upstream.keepalive(), upstream.keepaliveTimeoutMs(),
          upstream.keepaliveRequests());
      origins.put(upstream, pool);
    }
    return pool;
  }

  private void returnResponse(HttpServerRequest req, LocationConfig loc, RequestVariables vars, Generation g) {
    int status = loc.returnStatus();
    if (loc.returnText() == null && ErrorPages.closesWithoutAnswer(status)) {
      vars.status(status);
      req.connection().close();
      log(g, loc.settings(), vars);
      return;
    }
    HttpServerResponse resp = req.response();
    String text = loc.returnText() == null ? null : loc.returnText().evaluate(vars);
    boolean redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    Buffer body;
    if (redirect && text != null) {
      String location = Redirects.absolute(text, loc.settings(), vars, req);
      try {
        ResponseHeaders.withoutLineBreak(location, "return");
      } catch (ResponseHeaders.LineBreakInValue e) {
        internalError(req, e, loc.settings(), vars, g);
        return;
      }
      resp.headers().set(HeaderNames.LOCATION, location);
      body = ErrorPages.page(status);
      resp.headers().set(HeaderNames.CONTENT_TYPE, "text/html");
    } else if (text != null) {
      body = Buffer.buffer(text.getBytes(StandardCharsets.ISO_8859_1));   // a byte string: the bytes it holds
      resp.headers().set(HeaderNames.CONTENT_TYPE, ContentTypes.forPath(vars.uri(), loc.settings().types(),
          loc.settings().defaultType()));
    } else {
      body = ErrorPages.page(status);
      if (body != null) {
        resp.headers().set(HeaderNames.CONTENT_TYPE, "text/html");
        if (redirect) {
          resp.headers().set(HeaderNames.LOCATION, "");   // nginx's, for a redirect without its URL
        }
      } else if (status != 204) {
        body = Buffer.buffer();   // nginx's empty answer: typed as an empty text below 400, untyped from 400
        if (status < 400) {
          resp.headers().set(HeaderNames.CONTENT_TYPE, ContentTypes.forPath(vars.uri(), loc.settings().types(),
              loc.settings().defaultType()));
        }
      }
    }
    finish(req, status, body, loc.settings(), vars, g);
  }

  /** A plugin's content handler ({@code check_status}) answers the request. */
  private void content(HttpServerRequest req, LocationConfig loc, RequestVariables vars, Generation g) {
    Map<String, Balancer> upstreams = new LinkedHashMap<>();
    g.upstreams().all().forEach((name, u) -> upstreams.put(name, u.balancer()));
    ContentRequest request = ContentRequest.of(req.method().name(), vars, upstreams, g.number());
    ContentResponse r;
    try {
      r = loc.content().handle(request);
    } catch (RuntimeException e) {
      errorLog.error("content handler of " + loc + " failed: " + e);
      r = ContentResponse.errorPage(500);
    }
    if (r.errorPage()) {
      plainStatus(req, r.status(), loc.settings(), vars, g);
      return;
    }
    r.headers().forEach((name, value) -> req.response().headers().set(name, value));
    finish(req, r.status(), r.body(), loc.settings(), vars, g);
  }

  /** {@code upstream_by_bgn}: the peer choice instead of a proxied response ({@link PeerChoice}). */
  private void answerPeerChoice(HttpServerRequest req, LocationConfig loc, RequestVariables vars, Generation g) {
    PeerChoice.Answer a = PeerChoice.handle(req, loc, vars, leases);
    req.response().headers().addAll(a.headers());
    boolean addHeaderNamesIt = loc.settings().addHeaders().stream()
        .anyMatch(h -> h.name().equalsIgnoreCase(PeerChoice.ADDR_HEADER));
    if (!addHeaderNamesIt && !vars.attemptsEmpty()) {
      req.response().headers().set(PeerChoice.ADDR_HEADER, vars.variable("upstream_addr"));
    }
    if (!req.isEnded()) {
      req.resume();   // a report's body, if any, is not read: drain it so the connection stays usable
    }
    finish(req, a.status(), a.body(), loc.settings(), vars, g);
  }

  private void plainStatus(HttpServerRequest req, int status, ProxySettings s, RequestVariables vars, Generation g) {
    Buffer body = ErrorPages.page(status);
    req.response().headers().set(HeaderNames.CONTENT_TYPE, "text/html");
    finish(req, status, body, s, vars, g);
  }

  /**
   * A value made from variables for a header of this response holds a line break: a 500 instead, without the
   * {@code add_header}s, and the error log says which directive made it.
   */
  private void internalError(HttpServerRequest req, ResponseHeaders.LineBreakInValue e, ProxySettings s,
      RequestVariables vars, Generation g) {
    errorLog.error(e.getMessage() + vars.errorContext(null));
    req.response().headers().clear();
    req.response().headers().set(HeaderNames.CONTENT_TYPE, "text/html");
    answer(req, 500, ErrorPages.page(500), s, vars, g, false);
  }

  private void finish(HttpServerRequest req, int status, Buffer body, ProxySettings s, RequestVariables vars,
      Generation g) {
    answer(req, status, body, s, vars, g, true);
  }

  private void answer(HttpServerRequest req, int status, Buffer body, ProxySettings s, RequestVariables vars,
      Generation g, boolean addHeaders) {
    HttpServerResponse resp = req.response();
    ErrorPages.setStatus(resp, status);
    resp.headers().set(HeaderNames.SERVER, "xgate");
    vars.status(status);
    if (addHeaders) {
      try {
        ResponseHeaders.addHeaders(s.addHeaders(), status, resp.headers(), vars);
      } catch (ResponseHeaders.LineBreakInValue e) {
        internalError(req, e, s, vars, g);
        return;
      }
    }
    vars.responseHeaders(resp.headers());
    if (body != null) {
      resp.headers().set(HeaderNames.CONTENT_LENGTH, Integer.toString(body.length()));   // named as nginx does
    }
    if (body != null && req.method() != HttpMethod.HEAD) {
      vars.addBodyBytes(body.length());
      resp.end(body);
    } else {
      resp.end();
    }
    log(g, s, vars);
  }

  private void log(Generation g, ProxySettings s, RequestVariables vars) {
    for (int i = 0; i < warmUpLogFormats.size(); i++) {   // indexed loops: no iterator per request
      AccessLog.format(warmUpLogFormats.get(i), vars);
    }
    List<AccessLogTarget> targets = s.accessLogs();
    for (int i = 0; i < targets.size(); i++) {
      AccessLogTarget t = targets.get(i);
      LogFile f = g.logFiles().get(t.path());
      if (f != null) {
        f.append(AccessLog.format(t.format(), vars));
      }
    }
  }

  /**
   * Closes every listening socket of this instance now (nginx's fast shutdown): new connections are refused at
   * once; connections already accepted are closed. Callable from any thread.
   */
  public Future<Void> closeListeners() {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    context.runOnContext(x -> {
      List<Future<?>> all = new ArrayList<>(servers.size());
      for (HttpServer s : servers.values()) {
        all.add(s.close());
      }
      servers.clear();
      Future.join(all).<Void>mapEmpty().onComplete(done);
    });
    return done.future();
  }

  /** The listening channels of this instance (Vert.x shares them among the instances). */
  public java.util.Collection<io.netty.channel.Channel> listenChannels() {
    return List.copyOf(listenChannels.values());
  }

  /** Closes the listening sockets at once, from the calling thread (fast shutdown: the process exits next). */
  public void closeListenersNow() {
    for (HttpServer s : servers.values()) {
      ListenerSockets.closeNow(s, listenChannels.get(s), 100);
    }
  }

  /** Stops accepting and lets requests in flight finish, up to {@code graceMillis}. Callable from any thread. */
  public Future<Void> shutdownListeners(long graceMillis) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    context.runOnContext(x -> {
      List<Future<?>> all = new ArrayList<>();
      for (HttpServer s : servers.values()) {
        all.add(s.shutdown(graceMillis, TimeUnit.MILLISECONDS));
      }
      servers.clear();
      Future.join(all).<Void>mapEmpty().onComplete(done);
    });
    return done.future();
  }

  @Override
  public Future<?> stop() {
    List<Future<?>> all = new ArrayList<>();
    for (HttpServer s : servers.values()) {
      all.add(s.close());
    }
    origins.values().forEach(OriginPool::retire);
    if (upgradeClient != null) {
      all.add(upgradeClient.close());
    }
    return Future.join(all);
  }
}
