package io.xgate.gateway.proxy;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.xgate.gateway.config.HeaderNameSet;
import io.xgate.gateway.config.HeaderValue;
import io.xgate.gateway.config.LocationConfig;
import io.xgate.gateway.config.NextUpstream;
import io.xgate.gateway.config.ProxySettings;
import io.xgate.gateway.http.EventTime;
import io.xgate.gateway.http.HeaderNames;
import io.xgate.gateway.http.HttpDate;
import io.xgate.gateway.origin.BodyPieces;
import io.xgate.gateway.origin.ClientHeadersMemo;
import io.xgate.gateway.origin.OriginExchange;
import io.xgate.gateway.origin.ProxyHeaders;
import io.xgate.gateway.origin.OriginPool;
import io.xgate.gateway.origin.OriginResponse;
import io.xgate.gateway.origin.VertxOriginResponse;
import io.xgate.gateway.upstream.Upstream;
import io.xgate.spi.ComplexValue;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.Selection;
import java.net.ConnectException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One proxied request, run through nginx's upstream phases in order, each in the method named for it:
 * {@link #start()}, {@link #selectPeer()}, {@link #connect}, {@link #sendRequest}, {@link #readResponseHeader},
 * {@link #forwardBody}, and {@link #finalizeRequest}; {@link #next} is nginx's {@code ngx_http_upstream_next}, which
 * reports a failed attempt and decides whether another peer is tried; after an origin's 101, {@link #upgrade}
 * replaces {@code forwardBody} (nginx's {@code ngx_http_upstream_upgrade}). Runs entirely on the request's event
 * loop.
 *
 * <p>Request bodies stream to the first peer that accepts the connection; once a non-empty body has been sent it
 * cannot be replayed, so such a request is not retried (nginx's {@code proxy_request_buffering off} rule).
 */
public final class ProxyRequest {

  /** Where a finished request goes: the access log. */
  public interface Completion extends Consumer<RequestVariables> {
  }

  /** An empty read-only header map ({@link #clearHeaders}). */
  private static final MultiMap NO_HEADERS = HeadersMultiMap.httpHeaders().copy(false);

  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final RequestVariables vars;
  private final LocationConfig location;
  private final ProxySettings settings;
  private final Upstream upstream;
  private final OriginPool origins;
  private final Completion completion;
  private final String upstreamUri;
  private final boolean hasBody;
  private final Vertx vertx;
  private final ContextInternal context;
  private HttpClient upgradeClient;
  private RequestBody body;
  /** The client's body as read under client_body_timeout; null for a request without one. */
  private ClientBodyStream clientBody;
  private ResponseBuffer responseBuffer;
  private java.util.function.Consumer<String> errors = message -> { };
  private java.util.function.Consumer<String> warnings = message -> { };

  private Selection selection;
  private int triesLeft;
  private long firstAttemptNanos;
  private Peer peer;
  private UpstreamAttempt attempt;
  /** The exchange with the current peer, or the upgrade request that Vert.x's client sends. */
  private OriginExchange exchange;
  private HttpClientRequest upgradeRequest;
  private boolean requestSent;
  private boolean upgradeRequested;
  private boolean bodyConsumed;
  private boolean clientGone;
  private boolean finalized;
  /** The forwarded response's body bytes still to come when its length is declared (phase 5). */
  private long bodyLeft;
  /** Whether the client's response was ended with the body's last bytes (phase 5, unbuffered). */
  private boolean responseEnded;

  /**
   * @param vertx for the temp files of buffered request bodies
   * @param request the client request, as its handler got it: its body (or what follows an upgrade request) waits,
   *     paused, until a peer accepts it
   * @param vars the request's variables
   * @param location the matched location
   * @param upstream the upstream {@code proxy_pass} names
   * @param origins this event loop's origin connections of that upstream
   * @param completion called once when the request is over
   */
  public ProxyRequest(Vertx vertx, HttpServerRequest request, RequestVariables vars, LocationConfig location,
      Upstream upstream, OriginPool origins, Completion completion) {
    this.vertx = vertx;
    this.context = (ContextInternal) vertx.getOrCreateContext();   // the request's: origin callbacks run on it
    this.request = request;
    this.response = request.response();
    this.vars = vars;
    this.location = location;
    this.settings = location.settings();
    this.upstream = upstream;
    this.origins = origins;
    this.completion = completion;
    this.upstreamUri = UriRewriter.upstreamUri(location, request, vars.uri());
    this.hasBody = hasBody(request);
    if (hasBody || request.headers().contains(HttpHeaders.UPGRADE)) {
      // what follows the head waits until the origin takes it (a body) or the tunnel opens (an upgrade); a request
      // with neither is not paused: Vert.x would queue its end (a queue per request) for nobody to read
      request.pause();
    }
    vars.proxyHost = location.proxyPass().proxyHost();
    vars.locationSettings = settings;
  }

  /**
   * The client for requests that ask for a connection upgrade ({@link UpgradeTunnel#requested}): one that keeps
   * the {@code Connection} header as configured (a client without keepalive would send {@code close}).
   *
   * @return this
   */
  public ProxyRequest upgradeClient(HttpClient upgradeClient) {
    this.upgradeClient = upgradeClient;
    return this;
  }

  /** Where the request's lines of level {@code error} go (the error log); by default nowhere. */
  public ProxyRequest errors(java.util.function.Consumer<String> errors) {
    this.errors = errors;
    return this;
  }

  /** Where the request's lines of level {@code warn} go (a body buffered to a temp file); by default nowhere. */
  public ProxyRequest warnings(java.util.function.Consumer<String> warnings) {
    this.warnings = warnings;
    return this;
  }

  private static boolean hasBody(HttpServerRequest request) {
    String cl = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (cl != null) {
      return !cl.equals("0");
    }
    return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
  }

  // ------------------------------------------------------------------ phase 0: start

  /**
   * Reads the client's body first when {@code proxy_request_buffering} is on (nginx's default), so that it can be
   * sent again to the next peer; then opens the balancer selection and the tries budget, and selects the first peer.
   */
  public void start() {
    response.closeHandler(v -> clientClosed());
    if (hasBody && "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))
        && request.version() == HttpVersion.HTTP_1_1) {
      response.writeContinue();   // as nginx, once it starts reading the body (the origin never sees the Expect)
    }
    if (hasBody) {
      clientBody = new ClientBodyStream(vertx, request, settings.clientBodyTimeoutMs(), this::clientBodyTimedOut);
    }
    if (hasBody && (settings.requestBuffering() || !settings.passRequestBody())) {   // read in full, as nginx
      RequestBody.read(vertx, clientBody, settings.clientBodyBufferSize(), settings.clientMaxBodySize(),
          Path.of(settings.clientBodyTempPath()), path -> warnings.accept(
              "a client request body is buffered to a temporary file " + path + vars.errorContext(null)))
          .onComplete(ar -> {
            if (ar.succeeded()) {
              body = ar.result();
            }
            if (finalized) {
              discardBody();
            } else if (ar.failed()) {
              bodyReadFailed(ar.cause());
            } else {
              request.exceptionHandler(e -> clientClosed());
              openSelection();
            }
          });
      return;
    }
    if (hasBody) {
      // a request without a body has ended with its head: only its response's close handler has work to do
      request.exceptionHandler(e -> clientClosed());
    }
    openSelection();
  }

  private void bodyReadFailed(Throwable cause) {
    if (cause instanceof RequestBody.TooLarge tooLarge) {
      errors.accept("client intended to send too large chunked body: " + tooLarge.before + "+" + tooLarge.piece
          + " bytes" + vars.errorContext(null));   // a declared length was checked before
      response.headers().set(HeaderNames.CONNECTION, "close");
      finalizeWithStatus(413);
    } else if (response.closed()) {
      clientClosed();
    } else {
      finalizeWithStatus(500);   // the temp file could not be written
    }
  }

  private void openSelection() {
    try {
      selection = upstream.balancer().select(vars);
    } catch (RuntimeException e) {
      pluginFailed("select", e);
      return;
    }
    int confTries = settings.nextUpstreamTries();
    triesLeft = selection.tries();
    if (confTries > 0 && triesLeft > confTries) {
      triesLeft = confTries;
    }
    firstAttemptNanos = EventTime.nanos();
    selectPeer();
  }

  // ------------------------------------------------------------------ phase 1: select a peer

  private void selectPeer() {
    Peer p;
    try {
      p = selection.next();
    } catch (RuntimeException e) {
      pluginFailed("selection", e);   // no peer was handed out: nothing to report
      return;
    }
    if (p == null) {
      vars.attempts.add(UpstreamAttempt.noLivePeer(selection.noPeerName(upstream.name())));
      errors.accept("no live upstreams while connecting to upstream" + errorContext(upstream.name()));
      finalizeWithStatus(502);
      return;
    }
    peer = p;
    attempt = new UpstreamAttempt(p.name(), EventTime.nanos());
    vars.attempts.add(attempt);
    connect(p);
  }

  // ------------------------------------------------------------------ phase 2: connect

  private void connect(Peer p) {
    upgradeRequested = !hasBody && UpgradeTunnel.requested(request, settings.proxySetHeaders(), vars);
    if (upgradeRequested) {
      connectForUpgrade(p);
      return;
    }
    origins.acquire(p.host(), p.port(), (int) Math.min(Integer.MAX_VALUE, settings.connectTimeoutMs()), context,
        (connection, failure) -> {
          if (finalized) {
            if (connection != null) {
              origins.giveBack(connection);
            }
            return;
          }
          if (failure != null) {
            upstreamFailed(failure, "connecting to upstream");
            return;
          }
          attempt.connectNanos = EventTime.nanos() - attempt.startNanos;
          exchange = connection.exchange(context, originMethod(), upstreamUri, "1.0".equals(settings.httpVersion())
              ? io.netty.handler.codec.http.HttpVersion.HTTP_1_0 : io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
              settings.readTimeoutMs(), settings.sendTimeoutMs(),
              (int) Math.min(settings.proxyBufferSize(), Integer.MAX_VALUE));
          sendRequest(exchange);
        });
  }

  // ------------------------------------------------------------------ phase 3: send the request

  private void sendRequest(OriginExchange out) {
    try {
      originRequestHeaders(out);
    } catch (RuntimeException e) {
      out.reset();
      hookFailed(e);
      return;
    }
    requestSent = true;
    Completable<OriginResponse> headRead = (in, failure) -> {
      if (finalized) {
        return;
      }
      if (failure != null) {
        upstreamFailed(failure, failure instanceof OriginExchange.SendTimedOut ? "sending request to upstream"
            : "reading response header from upstream");
      } else {
        readResponseHeader(in);
      }
    };
    if (body != null && !settings.passRequestBody()) {
      out.send(headRead);   // proxy_pass_request_body off: its length goes (as nginx sends it), its bytes do not
    } else if (body != null) {
      body.send(out, headRead);   // kept: a retry sends it again
    } else if (hasBody) {
      bodyConsumed = true;
      out.send(clientBody.limit(settings.clientMaxBodySize(), this::streamedBodyTooLarge), headRead);
    } else {
      out.send(headRead);
    }
  }

  /**
   * Phases 2 to 4 for a request that asks for a connection upgrade ({@link UpgradeTunnel#requested}): through
   * Vert.x's client, whose 101 gives the tunnel the origin's {@code NetSocket}, and which keeps the configured
   * {@code Connection} header. The request has no body; its head alone is sent.
   */
  private void connectForUpgrade(Peer p) {
    RequestOptions options = new RequestOptions()
        .setServer(SocketAddress.inetSocketAddress(p.port(), p.host()))
        .setMethod(request.method())
        .setURI(upstreamUri)
        .setConnectTimeout(settings.connectTimeoutMs())
        .setIdleTimeout(settings.readTimeoutMs());
    Future<HttpClientRequest> opened;
    try {
      opened = upgradeClient.request(options);
    } catch (RuntimeException e) {
      opened = Future.failedFuture(e);   // e.g. a client closed under a request: an error like any connect error
    }
    opened.onComplete(ar -> {
      if (finalized) {
        if (ar.succeeded()) {
          ar.result().reset();
        }
        return;
      }
      if (ar.failed()) {
        upstreamFailed(ar.cause(), "connecting to upstream");
        return;
      }
      attempt.connectNanos = EventTime.nanos() - attempt.startNanos;
      upgradeRequest = ar.result();
      try {
        upgradeRequestHeaders(upgradeRequest.headers());
      } catch (RuntimeException e) {
        upgradeRequest.reset();
        hookFailed(e);
        return;
      }
      requestSent = true;
      upgradeRequest.connect().onComplete(sent -> {
        if (finalized) {
          return;
        }
        if (sent.failed()) {
          upstreamFailed(sent.cause(), "reading response header from upstream");
        } else if (sent.result().statusCode() == 101) {
          headerRead(101);
          upgrade(sent.result());
        } else {
          // refused: an ordinary response, whose connection is not reused (its request was sent as a head only)
          readResponseHeader(new VertxOriginResponse(sent.result()));
        }
      });
    });
  }

  /** Whether the client's header {@code name} goes on to the origin ({@link ResponseHeaders#isNotPassedToOrigin}). */
  private static boolean passedOn(CharSequence name) {
    return !ResponseHeaders.isNotPassedToOrigin(name);
  }

  /**
   * The origin request's headers as nginx builds them ({@code ngx_http_proxy_create_request}): the proxy's own
   * first ({@link #setProxyHeaders}), then the client's that go on (not hop-by-hop, not replaced by a
   * {@code proxy_set_header}, not a length the proxy sets), written as decoded without a map of their own unless the
   * balancer's hook uses the headers.
   */
  private void originRequestHeaders(OriginExchange out) {
    setProxyHeaders(out);
    if (!settings.passRequestHeaders()) {   // proxy_pass_request_headers off: the proxy's own only
      selection.onRequestHeaders(peer, out.requestHeadersToEdit());
      return;
    }
    MultiMap in = request.headers();
    HeaderNameSet replaced = settings.proxySetHeaderNames();
    boolean lengthSet = body != null;
    if (in instanceof io.netty.handler.codec.http.HttpHeaders decoded) {
      // Vert.x's map: its entries as decoded (and checked), the names as Netty's AsciiString (no String copy)
      out.passClientHeaders(decoded, name -> passedOn(name) && !replaced.contains(name)
          && !(lengthSet && AsciiString.contentEqualsIgnoreCase(name, HttpHeaders.CONTENT_LENGTH)));
    } else {
      in.forEach((name, value) -> {
        if (passedOn(name) && !replaced.contains(name)
            && !(lengthSet && name.equalsIgnoreCase("content-length"))) {
          out.requestHeaders().add(name, value);
        }
      });
    }
    selection.onRequestHeaders(peer, out.requestHeadersToEdit());
  }

  /**
   * The origin's request headers in the map of Vert.x's client request that asks for an upgrade: the client's that
   * go on (none a {@code proxy_set_header} names), then the proxy's own, then the balancer's changes.
   */
  private void upgradeRequestHeaders(MultiMap headers) {
    HeaderNameSet replaced = settings.proxySetHeaderNames();
    request.headers().forEach((name, value) -> {
      if (settings.passRequestHeaders() && passedOn(name) && !replaced.contains(name)) {
        headers.add(name, value);
      }
    });
    setProxyHeaders(ProxyHeaders.of(headers));
    selection.onRequestHeaders(peer, headers);
  }

  /**
   * The headers the proxy sets, in nginx's order: one line per {@code proxy_set_header} (a name set twice goes out
   * twice; an empty value sends nothing, and the client's header of that name is not passed either), then those of
   * nginx's defaults they do not name: {@code Host}, {@code Connection}, and the length of a body read in full.
   */
  private void setProxyHeaders(ProxyHeaders headers) {
    boolean hostSet = false;
    boolean connectionSet = false;
    boolean lengthSet = false;
    for (HeaderValue h : settings.proxySetHeaders()) {
      String v = ResponseHeaders.withoutLineBreak(h.value().evaluate(vars), "proxy_set_header " + h.name());
      hostSet |= h.name().equalsIgnoreCase("host");
      connectionSet |= h.name().equalsIgnoreCase("connection");
      lengthSet |= h.name().equalsIgnoreCase("content-length");
      if (!v.isEmpty()) {
        headers.addHeader(h.name(), v);
      }
    }
    if (!hostSet) {
      headers.setHeader(HeaderNames.HOST, vars.proxyHost);
    }
    if (!connectionSet && upstream.keepalive() == 0) {
      headers.setHeader(HeaderNames.CONNECTION, "close");
    } else if (!connectionSet) {
      headers.removeHeader(HttpHeaders.CONNECTION);
    }
    if ("1.0".equals(settings.httpVersion()) && headers.header(HttpHeaders.CONNECTION) == null) {
      headers.setHeader(HeaderNames.CONNECTION, "close");   // an HTTP/1.0 request line: no keep-alive unless set
    }
    if (body != null && !lengthSet) {
      headers.setHeader(HeaderNames.CONTENT_LENGTH, Long.toString(body.length()));   // as nginx sends a read body
    }
  }

  // ------------------------------------------------------------------ phase 4: read the response header

  private void headerRead(int status) {
    attempt.headerNanos = EventTime.nanos() - attempt.startNanos;
    attempt.status = status;
  }

  private void readResponseHeader(OriginResponse in) {
    headerRead(in.statusCode());
    int bit = NextUpstream.statusBit(in.statusCode());
    if (bit != 0) {
      int mask = bit;
      if (nonIdempotent()) {
        mask |= NextUpstream.NON_IDEMPOTENT;
      }
      if (triesLeft > 1 && (settings.nextUpstream() & mask) == mask && !(bodyConsumed)
          && !nextUpstreamTimedOut()) {
        attempt.responseNanos = EventTime.nanos() - attempt.startNanos;
        discard(in);
        next(bit);
        return;
      }
    }
    forwardBody(in);
  }

  // ------------------------------------------------------------------ phase 5: forward the body

  private void forwardBody(OriginResponse in) {
    int status = in.statusCode();
    vars.upstreamHeaders = in.headers();
    response.setStatusCode(status);
    String reason = in.statusMessage();
    if (!reason.isEmpty() && !reason.equals(HttpResponseStatus.valueOf(status).reasonPhrase())) {
      response.setStatusMessage(reason);   // the standard phrase is what the status code already gives
    }
    MultiMap out = response.headers();
    try {
      if (!out.isEmpty() || !sharedClientHeaders(in, out)) {
        copyOriginHeaders(in, out);
      }
      selection.onResponseHeaders(peer, status, out);
      vars.status(status);
      ResponseHeaders.addHeaders(settings.addHeaders(), status, out, vars);
    } catch (RuntimeException e) {
      discard(in);
      clearHeaders(out);
      hookFailed(e);
      return;
    }
    vars.responseHeaders(out);
    boolean bodyless = request.method() == HttpMethod.HEAD || status == 204 || status == 304 || status < 200;
    if (bodyless) {
      // nothing follows the head: the connection goes back to its pool once the response's end is read
      in.handler(BodyPieces::free);
      in.endHandler(v -> { });
      finishAttempt(Outcome.SUCCESS);
      response.end();
      finalizeRequest();
      return;
    }
    if (!out.contains(HttpHeaders.CONTENT_LENGTH) && request.version() != HttpVersion.HTTP_1_0) {
      out.set(HeaderNames.TRANSFER_ENCODING, "chunked");   // Vert.x's setChunked would name it in lower case
    }
    bodyLeft = in.contentLength();
    boolean buffered = buffering(in);
    in.handler(buf -> {
      if (finalized) {
        BodyPieces.free(buf);
        return;
      }
      vars.addBodyBytes(buf.length());
      boolean last = bodyLeft > 0 && (bodyLeft -= buf.length()) <= 0;
      if (last) {
        // with these bytes the client holds the whole response and may send its next request, which another
        // event loop can take at once: the peer is released first, as in nginx, where both happen in one step
        completeAttempt();
      }
      if (responseBuffer == null && buffered && response.writeQueueFull()) {
        responseBuffer = newResponseBuffer(in);   // the client lags behind: from here on the body is buffered
      }
      if (responseBuffer != null) {
        responseBuffer.write(buf, last);
        return;
      }
      if (last) {
        // the declared length is complete: head, body and end leave in one write
        responseEnded = true;
        BodyPieces.end(response, buf);
        return;
      }
      BodyPieces.write(response, buf);
      if (!buffered && response.writeQueueFull()) {
        in.pause();
        response.drainHandler(v -> in.resume());
      }
    });
    in.exceptionHandler(e -> {
      // the origin failed mid-body: the status is out, so the client's connection is all we can close
      if (!finalized && !clientGone) {
        errors.accept(upstreamError(e, failureType(e)) + " while reading upstream" + errorContext(attempt.peer));
      }
      if (!finalized) {
        completeAttempt();
        closeClient();
        finalizeRequest();
      }
    });
    in.endHandler(v -> {
      if (finalized) {
        return;
      }
      // the origin has answered in full: its connection goes back to the pool now, however slow the client is
      completeAttempt();
      if (responseBuffer != null) {
        responseBuffer.end();
      } else {
        if (!responseEnded) {
          response.end();
        }
        finalizeRequest();
      }
    });
  }

  /**
   * Whether the body goes through a {@link ResponseBuffer}: {@code proxy_buffering} is on and the origin did not
   * turn it off with {@code X-Accel-Buffering: no}. Otherwise it is relayed with backpressure on the origin.
   */
  private boolean buffering(OriginResponse in) {
    return settings.proxyBuffering() && !in.accelBufferingOff();
  }

  /**
   * The buffer between origin and client, made when the client first lags behind (until then, and for most
   * responses, the body passes straight through, as the buffer itself would pass it).
   */
  private ResponseBuffer newResponseBuffer(OriginResponse in) {
    ProxySettings.Buffers bufs = settings.proxyBuffers();
    return new ResponseBuffer(vertx, in, response, bufs.number() * bufs.size(), settings.maxTempFileSize(),
        settings.tempFileWriteSize(), settings.proxyTempPath(), path -> warnings.accept(
            "an upstream response is buffered to a temporary file " + path + " while reading upstream"
                + errorContext(attempt.peer)), this::finalizeRequest);
  }

  /**
   * The origin's headers the client gets, in {@code out}: hop-by-hop and hidden ones dropped, names as nginx writes
   * them, {@code Location} and {@code Refresh} rewritten by {@code proxy_redirect}, a {@code Server} unless the
   * origin's passes. Returns whether a redirect was rewritten (the headers then hold the request's host).
   */
  private boolean copyOriginHeaders(OriginResponse in, MultiMap out) {
    MultiMap headers = in.headers();
    boolean rewritten = false;
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey();
      if (ResponseHeaders.isFraming(name) || ResponseHeaders.isHiddenFromOrigin(name, settings)) {
        continue;
      }
      String value = h.getValue();
      String redirect = null;
      if (name.length() == 8 && name.equalsIgnoreCase("location")) {
        redirect = Redirects.location(value, settings, vars, request);
      } else if (name.length() == 7 && name.equalsIgnoreCase("refresh")) {
        redirect = Redirects.refresh(value, settings, vars);
      }
      if (redirect != null) {
        rewritten = true;
        value = redirect;
      }
      out.add(ResponseHeaders.clientName(name), value);
    }
    if (!out.contains(HttpHeaders.SERVER)) {
      out.set(HeaderNames.SERVER, "xgate");   // unless the origin's passes (proxy_pass_header Server)
    }
    return rewritten;
  }

  /**
   * The client's headers ({@link #copyOriginHeaders} and the {@code Date}) for a head the origin repeats, made once
   * per head, location and second, and shared read-only by the responses that repeat it: no header is copied,
   * checked or encoded again (Vert.x keeps the bytes of a read-only map once encoded,
   * {@code vertx.cacheImmutableHttpResponseHeaders}, which {@link io.xgate.gateway.Gateway} sets), put in the
   * empty {@code out}. False when the response keeps no memo. A head whose redirect was rewritten for this request
   * ({@code proxy_redirect}: its host) is not kept.
   */
  private boolean sharedClientHeaders(OriginResponse in, MultiMap out) {
    ClientHeadersMemo memo = in.clientHeadersMemo();
    if (memo == null) {
      return false;
    }
    String date = HttpDate.now();
    MultiMap headers = memo.get(settings, date);
    if (headers == null) {
      HeadersMultiMap made = HeadersMultiMap.httpHeaders();
      boolean ofThisRequest = copyOriginHeaders(in, made);
      if (!made.contains(HttpHeaders.DATE)) {
        made.add(HeaderNames.DATE, date);   // as the edge adds it to any response without one
      }
      // ditto: a request that closes its connection has "close" set already, and does not come here
      made.add(HeaderNames.CONNECTION, io.netty.handler.codec.http.HttpHeaderValues.KEEP_ALIVE);
      if (ofThisRequest) {
        out.setAll(made);
        return true;
      }
      headers = made.copy(false);
      memo.put(settings, date, headers);
    }
    out.setAll(headers);   // read-only: referred to, not copied (Vert.x copies it on a write)
    return true;
  }

  /**
   * Empties response headers, also ones that share a read-only map: Vert.x's {@code clear} would keep the shared
   * entries and bring them back on the next write.
   */
  private static void clearHeaders(MultiMap headers) {
    headers.setAll(NO_HEADERS);
  }

  // ------------------------------------------------------------------ phase 5, upgraded: the tunnel

  /**
   * nginx's {@code ngx_http_upstream_upgrade}: relays the 101 with the origin's headers, then the bytes both ways
   * ({@link UpgradeTunnel}). The peer stays in use (least_conn counts it) until the tunnel closes, and is then
   * released as a success, as nginx finalizes an upgraded request.
   */
  private void upgrade(io.vertx.core.http.HttpClientResponse in) {
    vars.upstreamHeaders = in.headers();
    response.setStatusCode(101);
    MultiMap out = response.headers();
    in.headers().forEach((name, value) -> {
      if (!(ResponseHeaders.isFraming(name) || ResponseHeaders.isHiddenFromOrigin(name, settings))) {
        out.add(name, value);
      }
    });
    out.set(HeaderNames.CONNECTION, "upgrade");
    if (!out.contains(HttpHeaders.SERVER)) {
      out.set(HeaderNames.SERVER, "xgate");
    }
    try {
      selection.onResponseHeaders(peer, 101, out);
    } catch (RuntimeException e) {
      in.request().reset();
      clearHeaders(out);
      hookFailed(e);
      return;
    }
    vars.status(101);
    vars.responseHeaders(out);
    NetSocket originSocket = in.netSocket();
    originSocket.pause();
    response.closeHandler(null);
    request.exceptionHandler(null);
    request.toNetSocket().onComplete(ar -> {
      if (ar.failed()) {
        originSocket.close();
        completeAttempt();
        closeClient();
        finalizeRequest();
        return;
      }
      UpgradeTunnel.open(vertx, ar.result(), originSocket, settings.readTimeoutMs(), v -> {
        completeAttempt();
        finalizeRequest();
      });
    });
  }

  /** The declared length of {@code in}'s body, or -1 when it is chunked or runs until the connection closes. */
  /** The origin has answered in full (or stopped mid-body, which the status can no longer show): once only. */
  private void completeAttempt() {
    if (peer != null) {
      attempt.responseNanos = EventTime.nanos() - attempt.startNanos;
      finishAttempt(Outcome.SUCCESS);
    }
  }

  /** Drops a response we will not forward: its connection is closed, never returned to the pool half-read. */
  private static void discard(OriginResponse in) {
    in.reset();
  }

  // ------------------------------------------------------------------ next upstream

  /** nginx's ngx_http_upstream_next: blame (or not) the peer, then retry or answer with the failure's status. */
  private void next(int failure) {
    if (attempt != null && attempt.responseNanos < 0) {
      attempt.responseNanos = EventTime.nanos() - attempt.startNanos;
    }
    if (clientGone) {
      // the client left first and the attempt failed because of it (our reset): nginx frees the peer without blame
      if (peer != null) {
        finishAttempt(Outcome.SUCCESS);
      }
      finalizeWithStatus(499);
      return;
    }
    if (peer != null) {
      if (attempt.status == 0) {
        attempt.status = failure == NextUpstream.TIMEOUT ? 504 : 502;
      }
      boolean blameless = failure == NextUpstream.HTTP_403 || failure == NextUpstream.HTTP_404;
      finishAttempt(blameless ? Outcome.NEXT : Outcome.FAILURE);
    }
    int status = statusFor(failure);
    int mask = failure;
    if (requestSent && nonIdempotent()) {
      mask |= NextUpstream.NON_IDEMPOTENT;
    }
    if (triesLeft == 0 || (settings.nextUpstream() & mask) != mask || (requestSent && bodyConsumed)
        || nextUpstreamTimedOut()) {
      finalizeWithStatus(status);
      return;
    }
    requestSent = false;
    exchange = null;
    upgradeRequest = null;
    selectPeer();
  }

  private void finishAttempt(Outcome outcome) {
    Peer p = peer;
    peer = null;
    if (p != null) {
      try {
        selection.report(p, outcome);
      } catch (RuntimeException e) {
        errors.accept("balancer of upstream \"" + upstream.name() + "\" failed to take a report: " + e);
      }
      triesLeft = Math.min(triesLeft - 1, selection.tries());
      if (triesLeft < 0) {
        triesLeft = 0;
      }
    }
  }

  /**
   * The origin request's method: {@code proxy_method}'s value when set (and a token), else the client's. Retries
   * still go by the client's ({@link #nonIdempotent}), as nginx's; a HEAD sent on as GET gets its answer's body
   * read and dropped.
   */
  private io.netty.handler.codec.http.HttpMethod originMethod() {
    ComplexValue m = settings.proxyMethod();
    if (m != null) {
      String name = m.evaluate(vars);
      if (!name.isEmpty() && name.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
        return io.netty.handler.codec.http.HttpMethod.valueOf(name);
      }
    }
    return io.netty.handler.codec.http.HttpMethod.valueOf(request.method().name());
  }

  private boolean nonIdempotent() {
    HttpMethod m = request.method();
    return m == HttpMethod.POST || m == HttpMethod.LOCK || m == HttpMethod.PATCH;
  }

  private boolean nextUpstreamTimedOut() {
    long limit = settings.nextUpstreamTimeoutMs();
    return limit > 0 && (EventTime.nanos() - firstAttemptNanos) / 1_000_000 >= limit;
  }

  private static int statusFor(int failure) {
    switch (failure) {
      case NextUpstream.TIMEOUT:
      case NextUpstream.HTTP_504:
        return 504;
      case NextUpstream.HTTP_500: return 500;
      case NextUpstream.HTTP_503: return 503;
      case NextUpstream.HTTP_403: return 403;
      case NextUpstream.HTTP_404: return 404;
      case NextUpstream.HTTP_429: return 429;
      default: return 502;
    }
  }

  /**
   * An attempt failed while connecting or before the response's head was read: the error log says so as nginx's
   * does ({@code connect() failed (111: Connection refused) while connecting to upstream, client: ...}), unless the
   * client left first (then the failure is the reset of its request), and nginx's next upstream decides the rest.
   */
  private void upstreamFailed(Throwable cause, String phase) {
    int type = failureType(cause);
    if (!clientGone && attempt != null) {
      errors.accept(upstreamError(cause, type) + " while " + phase + errorContext(attempt.peer));
    }
    next(type);
  }

  /** nginx's words for a failure of {@code type}. */
  private static String upstreamError(Throwable cause, int type) {
    if (type == NextUpstream.TIMEOUT) {
      return "upstream timed out (110: Connection timed out)";
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof OriginExchange.InvalidHeader || t instanceof OriginExchange.PrematureClose) {
        return t.getMessage();
      }
      String message = String.valueOf(t.getMessage());
      if (t instanceof ConnectException) {
        return message.contains("refused") ? "connect() failed (111: Connection refused)"
            : "connect() failed (" + message + ")";
      }
      if (message.contains("Connection reset")) {
        return "recv() failed (104: Connection reset by peer)";
      }
    }
    return "upstream failed (" + cause + ")";
  }

  /** The tail nginx gives an upstream error: who asked what, of which peer, with which Host header. */
  private String errorContext(String upstreamAddress) {
    return vars.errorContext("http://" + upstreamAddress + upstreamUri);
  }

  /** Sorts a connect or exchange failure into nginx's {@code error} / {@code timeout} / {@code invalid_header}. */
  static int failureType(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof OriginExchange.InvalidHeader) {
        return NextUpstream.INVALID_HEADER;
      }
      if (t instanceof TimeoutException || t instanceof java.net.SocketTimeoutException
          || t.getClass().getSimpleName().contains("Timeout")) {
        return NextUpstream.TIMEOUT;
      }
      if (t instanceof ConnectException) {
        return NextUpstream.ERROR;
      }
      String name = t.getClass().getName();
      if (name.contains("DecoderException") || name.contains("TooLongHttp") || name.contains("InvalidHeader")
          || (t instanceof IllegalArgumentException && thrownByHttpDecoder(t))) {
        return NextUpstream.INVALID_HEADER;   // e.g. a status line whose code is not a number
      }
      String msg = t.getMessage();
      if (msg != null && msg.toLowerCase(Locale.ROOT).contains("timed out")) {
        return NextUpstream.TIMEOUT;
      }
    }
    return NextUpstream.ERROR;
  }

  private static boolean thrownByHttpDecoder(Throwable t) {
    for (StackTraceElement e : t.getStackTrace()) {
      if (e.getClassName().startsWith("io.netty.handler.codec.http.")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The origin request's or the client response's headers could not be made: a balancer's header hook
   * ({@link Selection#onRequestHeaders}, {@link Selection#onResponseHeaders}) threw, a bug in a plugin, or a value made
   * from variables holds a line break ({@link ResponseHeaders.LineBreakInValue}). Either must not leave the request
   * hanging: the attempt ends without blame and the client gets 500, as nginx answers a module's internal error.
   */
  private void hookFailed(RuntimeException e) {
    attempt.responseNanos = EventTime.nanos() - attempt.startNanos;
    finishAttempt(Outcome.SUCCESS);
    if (e instanceof ResponseHeaders.LineBreakInValue) {
      errors.accept(e.getMessage() + errorContext(attempt.peer));
      finalizeWithStatus(500);
    } else {
      pluginFailed("hook", e);
    }
  }

  /** A balancer plugin threw (a bug in it): the client gets 500 and the error log says which upstream and why. */
  private void pluginFailed(String where, RuntimeException e) {
    errors.accept("balancer " + where + " of upstream \"" + upstream.name() + "\" failed on " + request.uri() + ": "
        + e);
    finalizeWithStatus(500);
  }

  // ------------------------------------------------------------------ client side

  private void clientClosed() {
    if (finalized || clientGone) {
      return;   // also when closing the client's connection ourselves calls back here
    }
    clientGone = true;
    if (peer != null) {
      // the response is still coming: close the origin connection, never return it to the pool half-read
      if (exchange != null) {
        exchange.reset();
      }
      if (upgradeRequest != null) {
        upgradeRequest.reset();
      }
    }
    if (peer != null) {
      if (attempt.responseNanos < 0) {
        attempt.responseNanos = EventTime.nanos() - attempt.startNanos;
      }
      finishAttempt(Outcome.SUCCESS);
    }
    if (vars.status() == 0) {
      vars.status(499);
    }
    finalizeRequest();
  }

  /**
   * A body streaming to the origin ({@code proxy_request_buffering off}) went over {@code client_max_body_size}: as
   * nginx, 413 to the client (or, once the origin's answer has begun, the connection closed), the origin's request
   * reset, its peer released without blame.
   */
  private void streamedBodyTooLarge(RequestBody.TooLarge tooLarge) {
    if (finalized || clientGone) {
      return;
    }
    errors.accept("client intended to send too large chunked body: " + tooLarge.before + "+" + tooLarge.piece
        + " bytes" + vars.errorContext(null));
    if (peer != null) {
      if (exchange != null) {
        exchange.reset();
      }
      if (attempt.responseNanos < 0) {
        attempt.responseNanos = EventTime.nanos() - attempt.startNanos;
      }
      finishAttempt(Outcome.SUCCESS);
    }
    if (response.headWritten()) {
      vars.status(413);
      closeClient();
      finalizeRequest();
      return;
    }
    response.headers().set(HeaderNames.CONNECTION, "close");
    finalizeWithStatus(413);
  }

  /**
   * The client sent no body bytes for {@code client_body_timeout} while they were wanted: as nginx, 408 in the
   * log, no response, the connection closed (and with it the origin's request, if one was sent).
   */
  private void clientBodyTimedOut() {
    if (finalized || clientGone) {
      return;
    }
    vars.status(408);
    closeClient();
  }

  private void closeClient() {
    try {
      request.connection().close();
    } catch (RuntimeException ignored) {
      // already closed
    }
  }

  // ------------------------------------------------------------------ phase 6: finalize

  private void finalizeWithStatus(int status) {
    if (clientGone) {
      vars.status(499);
      finalizeRequest();
      return;
    }
    if (!bodyConsumed && !request.isEnded()) {
      request.resume();   // drain what the client still sends, so the connection stays usable
    }
    vars.status(status);
    MultiMap out = response.headers();
    try {
      ResponseHeaders.addHeaders(settings.addHeaders(), status, out, vars);
    } catch (ResponseHeaders.LineBreakInValue e) {
      errors.accept(e.getMessage() + errorContext(attempt == null ? null : attempt.peer));
      clearHeaders(out);   // the error page goes without its add_headers
    }
    vars.responseHeaders(out);
    out.set(HeaderNames.SERVER, "xgate");
    Buffer page = ErrorPages.page(status);
    ErrorPages.setStatus(response, status);
    if (page != null) {
      out.set(HeaderNames.CONTENT_TYPE, "text/html");
      out.set(HeaderNames.CONTENT_LENGTH, Integer.toString(page.length()));   // also for HEAD, as nginx
    }
    if (page != null && request.method() != HttpMethod.HEAD) {
      vars.addBodyBytes(page.length());
      response.end(page);
    } else {
      response.end();
    }
    finalizeRequest();
  }

  private void finalizeRequest() {
    if (finalized) {
      return;
    }
    finalized = true;
    if (clientBody != null) {
      clientBody.stop();
    }
    discardBody();
    completion.accept(vars);
  }

  private void discardBody() {
    if (body != null) {
      body.discard();
    }
    if (responseBuffer != null) {
      responseBuffer.discard();
    }
  }

  /** The location this request was matched to. */
  public LocationConfig location() {
    return location;
  }
}
