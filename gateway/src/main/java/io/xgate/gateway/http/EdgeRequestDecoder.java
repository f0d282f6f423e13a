package io.xgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.net.impl.ConnectionBase;
import io.xgate.gateway.config.HeaderNameSet;
import io.xgate.gateway.config.ProxySettings;
import io.xgate.gateway.proxy.ErrorPages;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The request-header rules nginx 1.22 applies before a request goes anywhere ({@code ngx_http_process_request_header}
 * and the header handlers of {@code ngx_http_request.c}), added to Netty's HTTP/1.x decoder. A request that breaks
 * one reaches the server's invalid-request handler with a failed decoder result whose cause {@link #statusFor}
 * maps to nginx's status, and nothing of it is proxied:
 * <ul>
 *   <li>{@code Content-Length} with {@code Transfer-Encoding}: 400 (Netty alone would drop the length silently);</li>
 *   <li>{@code Transfer-Encoding} other than exactly {@code chunked}: 501; on an HTTP/1.0 request: 400;
 *       twice: 400;</li>
 *   <li>{@code Host} twice: 400;</li>
 *   <li>a header line longer than a {@code large_client_header_buffers} buffer: 400 ("Request Header Or Cookie
 *       Too Large"; the whole header is bounded by all the buffers through Netty's {@code maxHeaderSize});</li>
 *   <li>a request line longer than a buffer: 414 (Netty's {@code maxInitialLineLength});</li>
 *   <li>a NUL in a header value: 400 (Netty already refuses control characters and spaces in names, and
 *       invalid lengths);</li>
 *   <li>a header whose name has a character other than a letter, a digit or a hyphen is dropped, as nginx's
 *       {@code ignore_invalid_headers on} (an underscore counts only with {@code underscores_in_headers off}); a name
 *       that is empty or has a control character or a space is a 400, as in nginx;</li>
 *   <li>an invalid chunk size: 400, written here (Vert.x would only close the connection), unless a response is
 *       under way already; either way the connection is closed.</li>
 * </ul>
 * Being in every client connection's pipeline, it also keeps the client's timeouts as nginx does, with one timer:
 * <ul>
 *   <li>{@code client_header_timeout}: a request's head must be complete that long after the connection's start
 *       (the first request) or after its first bytes (later ones); else the connection is closed without a
 *       response;</li>
 *   <li>{@code send_timeout}: while bytes of a response wait for the client, it must take some within that time
 *       (looked at every half of it: a client that takes nothing is closed between 1 and 1.5 times it);</li>
 *   <li>{@code keepalive_timeout}: a kept connection with no request open closes that long after its last
 *       response was taken.</li>
 * </ul>
 * ({@code client_body_timeout} belongs to whoever reads the body, which may pause the reading: the proxy.)
 * It brackets each read as one {@link EventTime} event.
 */
final class EdgeRequestDecoder extends VertxHttpRequestDecoder {

  /** A request nginx refuses with {@code status}. */
  static class Rejected extends RuntimeException {
    final int status;
    /** nginx's 494 "Request Header Or Cookie Too Large", which it sends as 400 with its own page. */
    final boolean headerTooLarge;

    Rejected(int status, String reason, boolean headerTooLarge) {
      super(reason, null, false, false);   // a refusal, not a failure: no stack trace
      this.status = status;
      this.headerTooLarge = headerTooLarge;
    }
  }

  /**
   * A head the client began and did not finish: after {@code client_header_timeout} (408) or because it closed the
   * connection (400). nginx answers nothing, logs the request with what it read of it ({@code $request} is the
   * request line as far as it came, {@code $request_length} the bytes of its complete lines) and says why at
   * {@code info}; a connection that sent nothing is closed without a word.
   */
  static final class PartialHead extends Rejected {
    /** The request line as far as it came, without its line break. */
    final String requestLine;
    /** The bytes of the head's complete lines. */
    final long length;

    PartialHead(int status, String requestLine, long length, boolean lineComplete) {
      super(status, (status == 408 ? "client timed out (110: Connection timed out)"
          : "client prematurely closed connection") + " while reading client request "
          + (lineComplete ? "headers" : "line"), false);
      this.requestLine = requestLine;
      this.length = length;
    }
  }

  /** nginx's status for a request whose decoding failed with {@code cause}. */
  static int statusFor(Throwable cause) {
    if (cause instanceof Rejected r) {
      return r.status;
    }
    if (cause instanceof TooLongHttpLineException) {
      return 414;
    }
    return 400;   // TooLongHttpHeaderException too: nginx's 494, sent as 400
  }

  /** Whether {@code cause} is nginx's "Request Header Or Cookie Too Large" (494, sent as 400). */
  static boolean headerTooLarge(Throwable cause) {
    return cause instanceof TooLongHttpHeaderException
        || (cause instanceof Rejected r && r.headerTooLarge);
  }

  /**
   * Whether the client asks to close the connection after this request in a way Vert.x does not see: nginx closes
   * when {@code Connection} contains "close" anywhere ({@code Connection: Upgrade, close}); Vert.x only when it is
   * exactly "close".
   */
  static boolean asksToClose(io.vertx.core.http.HttpServerRequest request) {
    String connection = request.getHeader(HttpHeaderNames.CONNECTION);
    if (connection == null || connection.length() <= 5) {
      return false;
    }
    for (int i = 0; i + 5 <= connection.length(); i++) {
      if (connection.regionMatches(true, i, "close", 0, 5)) {
        return true;
      }
    }
    return false;
  }

  private static final AttributeKey<EdgeRequestDecoder> OF_CHANNEL = AttributeKey.valueOf("xgate.edgeRequestDecoder");
  /** A time that is none (a deadline not running). */
  private static final long NONE = Long.MIN_VALUE;

  private final int maxHeaderLine;
  private final boolean plainHeads;
  private final int maxInitialLine;
  private final int maxHeaderSize;
  /** The validator of the header maps the plain-head path fills ({@link #decodePlainHead}). */
  private final ValidateUnlessDecoded validation = new ValidateUnlessDecoded();
  /**
   * Whether Netty's decoder holds no part of a request (it is where it starts a message): only then may the next
   * bytes be read by {@link #decodePlainHead}. False for good once it failed a request.
   */
  private boolean nettyBetweenMessages = true;
  /**
   * The complete lines of a head Netty's decoder took in while the head is not finished (null: none); with the
   * unfinished line still in {@link #internalBuffer}, what {@link PartialHead} reports.
   */
  private ByteBuf partialHead;
  /** Whether {@code client_header_timeout} cut a head that was reported: the connection closes, nothing follows. */
  private boolean partialHeadTimedOut;
  /** How many requests {@link #decodePlainHead} read (for tests). */
  int plainHeadsRead;
  private boolean responseUnderWay;
  private ChannelHandlerContext ctx;

  // the client's timeouts, in nanoseconds
  /** {@code client_header_timeout} of the listener's default server (as nginx: the connection's). */
  private final long headerNanos;
  /** {@code keepalive_timeout} of the current request's location (0: none), the default server's before one. */
  private long keepaliveNanos;
  /** {@code send_timeout} of the current request's location, the default server's before one. */
  private long sendNanos;

  /** Requests read whose final response has not been written in full yet (more than one when pipelined). */
  private int requestsOpen;
  /** Whether the response under way is a final one (not a 100 Continue, whose end is not a response's end). */
  private boolean finalResponse;
  /**
   * {@code underscores_in_headers}: whether a header whose name has an underscore is kept; nginx's default drops it
   * (it is not proxied, and no variable sees it).
   */
  private final boolean underscoresInHeaders;
  /** {@code ignore_invalid_headers}: whether a header with an invalid name is dropped (nginx's default) or kept. */
  private final boolean ignoreInvalidHeaders;
  /** After a 101 the connection is a tunnel: none of the client's timeouts. */
  private boolean upgraded;
  /** Whether the next bytes the client sends start a request's head (none is read, or the last one's body is). */
  private boolean betweenRequests = true;
  /** When the head being read started (the connection's start, for the first); {@link #NONE}: none is. */
  private long headStartNanos;
  /** When the last final response was written in full. */
  private long idleSinceNanos;
  /** Since when bytes wait for the client that it has not been seen taking; {@link #NONE}: none wait. */
  private long sendStallNanos = NONE;
  /** What the outbound buffer held when the client was last seen taking bytes. */
  private Object stallMessage;
  private long stallProgress;
  private long stallPending;
  /** The one timer of the client's timeouts, and when it is due. */
  private ScheduledFuture<?> timer;
  private long timerDueNanos;
  /** Bytes written to the client so far ({@link BytesCounter}), and their count when the last final head went. */
  private long bytesWritten;
  private long responseStartBytes;
  /** The request whose body is being read, which the bytes decoded count to ({@code $request_length}). */
  private MeasuredRequest measured;
  /** Bytes decoded since the last request's end that no request head took yet (an unfinished head's lines). */
  private long unmeasured;
  /** Whether the client's socket has TCP_NODELAY (set at accept: {@code tcp_nodelay}'s default). */
  private boolean noDelay = true;
  /** Whether the connection was closed by one of the client's timeouts. */
  private boolean timedOut;
  /** Whether a request of this connection was refused: its answer closes the connection, nothing more is read. */
  private boolean refused;

  /**
   * A decoder for a connection of a listener with {@code options}; {@code plainHeads}: whether plain heads are read
   * by {@link #decodePlainHead} (always, but in the test that compares it with Netty's decoder).
   */
  EdgeRequestDecoder(HttpServerOptions options, int maxHeaderLine, ClientRules rules, boolean plainHeads) {
    super(options);
    this.plainHeads = plainHeads;
    this.maxHeaderLine = maxHeaderLine;
    this.maxInitialLine = options.getMaxInitialLineLength();
    this.maxHeaderSize = options.getMaxHeaderSize();
    this.headerNanos = rules.headerMs() * 1_000_000;
    this.keepaliveNanos = rules.keepaliveMs() * 1_000_000;
    this.sendNanos = rules.sendMs() * 1_000_000;
    this.underscoresInHeaders = rules.underscoresInHeaders();
    this.ignoreInvalidHeaders = rules.ignoreInvalidHeaders();
  }

  /**
   * The rules a client connection starts with, those of its listener's default server: nginx's
   * {@code client_header_timeout}, {@code keepalive_timeout}, {@code send_timeout} (milliseconds; a request brings
   * its location's keep-alive and send timeouts, {@link #requestRules}), {@code underscores_in_headers} and
   * {@code ignore_invalid_headers}.
   */
  record ClientRules(long headerMs, long keepaliveMs, long sendMs, boolean underscoresInHeaders,
      boolean ignoreInvalidHeaders) {
    static ClientRules of(ProxySettings s) {
      return new ClientRules(s.clientHeaderTimeoutMs(), s.keepaliveTimeoutMs(), s.clientSendTimeoutMs(),
          s.underscoresInHeaders(), s.ignoreInvalidHeaders());
    }
  }

  /**
   * The server options for a listener whose {@code large_client_header_buffers} are {@code number} buffers of
   * {@code size} bytes.
   */
  static HttpServerOptions limits(HttpServerOptions options, int number, long size) {
    int line = (int) Math.min(Integer.MAX_VALUE / Math.max(1, number), size);
    return options.setMaxInitialLineLength(line).setMaxHeaderSize(line * number);
  }

  /**
   * Puts this decoder in place of Vert.x's in a new connection's pipeline (before anything was read), keeping
   * {@code rules} for it.
   */
  static void install(HttpConnection connection, HttpServerOptions options, ClientRules rules) {
    if (!(connection instanceof ConnectionBase base)) {
      return;
    }
    Channel ch = base.channel();
    ChannelHandler current = ch.pipeline().get("httpDecoder");
    if (current instanceof VertxHttpRequestDecoder && !(current instanceof EdgeRequestDecoder)) {
      EdgeRequestDecoder decoder = new EdgeRequestDecoder(options, options.getMaxInitialLineLength(), rules, true);
      ch.config().setAllocator(ReusedBuffers.DEFAULT);
      ch.pipeline().replace("httpDecoder", "httpDecoder", decoder);
      ch.pipeline().addBefore("handler", "edgeResponseTracker", decoder.new ResponseTracker());
      if (ch.pipeline().get("httpEncoder") != null) {
        ch.pipeline().addBefore("httpEncoder", "edgeBytesSent", decoder.new BytesCounter());
      }
      ch.attr(OF_CHANNEL).set(decoder);
    }
  }

  /**
   * The keep-alive and send timeouts and {@code tcp_nodelay} of the location whose {@code settings} answer the
   * request {@code connection} is serving now (nginx takes them from the request's location). The socket option is
   * set only when it changes (listeners accept with it on).
   */
  static void requestRules(HttpConnection connection, ProxySettings settings) {
    EdgeRequestDecoder decoder = of(connection);
    if (decoder != null) {
      decoder.keepaliveNanos = settings.keepaliveTimeoutMs() * 1_000_000;
      decoder.sendNanos = settings.clientSendTimeoutMs() * 1_000_000;
      if (decoder.noDelay != settings.tcpNoDelay()) {
        decoder.noDelay = settings.tcpNoDelay();
        ((ConnectionBase) connection).channel().config().setOption(ChannelOption.TCP_NODELAY, decoder.noDelay);
      }
    }
  }

  /** Whether {@code connection} was closed by one of the client's timeouts (header, keep-alive, send). */
  static boolean timedOut(HttpConnection connection) {
    EdgeRequestDecoder decoder = of(connection);
    return decoder != null && decoder.timedOut;
  }

  private static EdgeRequestDecoder of(HttpConnection connection) {
    return connection instanceof ConnectionBase base ? base.channel().attr(OF_CHANNEL).get() : null;
  }

  /**
   * Sees the responses Vert.x writes, so that the decoder knows whether one is under way, and finishes each head as
   * nginx's header filter writes it: the status line says HTTP/1.1 (Vert.x echoes an HTTP/1.0 request's), a final
   * response (or a 101) without a {@code Date} gets the current one, and the {@code Connection} header Vert.x sets
   * is named as nginx names it. Its flushes show when bytes start to wait for the client ({@code send_timeout}).
   */
  /**
   * Counts the bytes written to the client's socket as the encoder made them (it sits between the encoder and the
   * socket): {@code $bytes_sent} is what was written since the response's head ({@link #bytesSent}).
   */
  private final class BytesCounter extends ChannelOutboundHandlerAdapter {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof ByteBuf b) {
        bytesWritten += b.readableBytes();
      } else if (msg instanceof io.netty.buffer.ByteBufHolder h) {
        bytesWritten += h.content().readableBytes();
      }
      ctx.write(msg, promise);
    }
  }

  /**
   * nginx's {@code $bytes_sent} of the response {@code connection} is writing or wrote last: its head, body and
   * framing as written to the socket; -1 for a connection xgate's decoder does not serve.
   */
  static long bytesSent(HttpConnection connection) {
    EdgeRequestDecoder decoder = of(connection);
    return decoder == null ? -1 : decoder.bytesWritten - decoder.responseStartBytes;
  }

  private final class ResponseTracker extends ChannelOutboundHandlerAdapter {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
      if (msg instanceof HttpResponse r) {
        boolean http10 = r.protocolVersion() == HttpVersion.HTTP_1_0;   // Vert.x answers in the request's version
        if (http10) {
          r.setProtocolVersion(HttpVersion.HTTP_1_1);   // nginx's status line says HTTP/1.1 to every client
        }
        int status = r.status().code();
        if (status >= 200) {
          responseUnderWay = true;
        }
        finalResponse = status >= 200;
        if (status >= 200) {
          responseStartBytes = bytesWritten;   // its head is encoded after this: $bytes_sent counts from here
        }
        upgraded |= status == 101;
        if (status >= 200 || status == 101) {   // not on 100 Continue, which nginx writes as a bare status line
          HttpHeaders headers = r.headers();
          if (!headers.contains(HttpHeaderNames.DATE)) {
            headers.add(HeaderNames.DATE, HttpDate.now());   // nginx's rule: its own date when there is none
          }
          String connection = headers.get(HttpHeaderNames.CONNECTION);
          if (connection == null) {
            // as nginx, always: Vert.x says nothing when the protocol's default holds (1.1 kept, 1.0 closed)
            headers.add(HeaderNames.CONNECTION, http10 ? HttpHeaderValues.CLOSE : HttpHeaderValues.KEEP_ALIVE);
          } else if (http10 || connection.equals("close")) {
            // Vert.x sets it last, in lower case, for HTTP/1.0 clients and on closing (a kept response's own
            // "keep-alive" is named already, and may sit in a shared read-only map that a rename would copy)
            headers.remove(HttpHeaderNames.CONNECTION);
            headers.add(HeaderNames.CONNECTION, connection);
          }
        }
      }
      if (msg instanceof LastHttpContent) {
        responseUnderWay = false;
        if (finalResponse) {
          finalResponse = false;
          responseEnded();
        }
      }
      super.write(ctx, msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) throws Exception {
      super.flush(ctx);
      if (sendStallNanos == NONE && !upgraded) {
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        if (out != null && out.totalPendingWriteBytes() > 0) {   // the socket took less than all: bytes wait
          sendStallNanos = EventTime.nanos();
          remember(out);
          armTimer(sendStallNanos + sendCheckNanos());
        }
      }
    }
  }

  // ------------------------------------------------------------------ the client's timeouts

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    super.handlerAdded(ctx);
    this.ctx = ctx;
    headStartNanos = EventTime.nanos();   // the first request's head is timed from the connection's start
    armTimer(headStartNanos + headerNanos);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
    cancelTimer();   // an upgrade took the connection over (a tunnel has its own timeout)
    super.handlerRemoved0(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancelTimer();
    super.channelInactive(ctx);
  }

  /** A final response was written in full: with no other request open, the connection is idle from now. */
  private void responseEnded() {
    if (requestsOpen > 0) {
      requestsOpen--;
    }
    if (requestsOpen == 0 && keepaliveNanos > 0 && !upgraded) {
      idleSinceNanos = EventTime.nanos();
      armTimer(idleSinceNanos + keepaliveNanos);
    }
  }

  /** How often a client that bytes wait for is looked at: closed between 1 and 1.5 {@code send_timeout} idle. */
  private long sendCheckNanos() {
    return Math.max(sendNanos / 2, 1_000_000);
  }

  /**
   * Makes the timer fire no later than {@code deadline}. One timer serves all the client's timeouts: it is moved
   * only to an earlier time, and when it fires it looks at every deadline and is set again for the next.
   */
  private void armTimer(long deadline) {
    if (ctx == null || upgraded) {
      return;
    }
    if (timer != null) {
      if (timerDueNanos <= deadline) {
        return;
      }
      timer.cancel(false);
    }
    timerDueNanos = deadline;
    timer = ctx.executor().schedule(this::timerFired, Math.max(0, deadline - EventTime.nanos()), TimeUnit.NANOSECONDS);
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void timerFired() {
    timer = null;
    Channel ch = ctx.channel();
    if (upgraded || !ch.isActive() || ctx.isRemoved()) {
      return;
    }
    long now = System.nanoTime();
    long next = Long.MAX_VALUE;
    if (headStartNanos != NONE) {   // client_header_timeout
      if (!ch.config().isAutoRead()) {
        headStartNanos = now;   // not reading now (pipelined requests wait): the client is not the one late
      } else if (now - headStartNanos >= headerNanos) {
        HttpRequest partial = partialHeadRequest(408, internalBuffer());
        if (partial != null) {
          partialHeadTimedOut = true;
          internalBuffer().skipBytes(internalBuffer().readableBytes());
          ctx.fireChannelRead(partial);   // logged as nginx logs it, and answered with nothing
          ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        timeOut();
        return;
      }
      next = headStartNanos + headerNanos;
    }
    ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
    if (out != null && out.totalPendingWriteBytes() > 0) {   // send_timeout
      if (sendStallNanos == NONE || tookBytes(out)) {
        sendStallNanos = now;
        remember(out);
      } else if (now - sendStallNanos >= sendNanos) {
        timeOut();
        return;
      }
      next = Math.min(next, Math.min(sendStallNanos + sendNanos, now + sendCheckNanos()));
      idleSinceNanos = now;   // kept alive only once the client took its response
    } else {
      sendStallNanos = NONE;
      stallMessage = null;
      if (requestsOpen == 0 && headStartNanos == NONE && keepaliveNanos > 0) {   // keepalive_timeout
        if (now - idleSinceNanos >= keepaliveNanos) {
          ctx.close();   // nginx closes an idle kept connection without a word, and without counting a timeout
          return;
        }
        next = Math.min(next, idleSinceNanos + keepaliveNanos);
      }
    }
    if (next != Long.MAX_VALUE) {
      armTimer(next);
    }
  }

  private void timeOut() {
    timedOut = true;
    ctx.close();
  }

  private void remember(ChannelOutboundBuffer out) {
    stallMessage = out.current();
    stallProgress = out.currentProgress();
    stallPending = out.totalPendingWriteBytes();
  }

  /** Whether the client took bytes since {@link #remember}: what Netty's idle handler calls output changed. */
  private boolean tookBytes(ChannelOutboundBuffer out) {
    return out.current() != stallMessage || out.currentProgress() != stallProgress
        || out.totalPendingWriteBytes() != stallPending;
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    super.handleTransferEncodingChunkedWithContentLength(message);
    reject(message, 400, "client sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time");
  }

  /** A client's bytes arrive: one event, whose time ({@link EventTime}) the request's handling takes. */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    EventTime event = EventTime.begin();
    try {
      if (betweenRequests && headStartNanos == NONE) {
        headStartNanos = EventTime.nanos();   // a head's first bytes: client_header_timeout from now
      }
      super.channelRead(ctx, msg);
      if (betweenRequests && headStartNanos == NONE && internalBuffer().isReadable()) {
        headStartNanos = EventTime.nanos();   // a pipelined request's head began in these bytes
      }
      if (headStartNanos != NONE) {
        armTimer(headStartNanos + headerNanos);   // the head is not complete yet
      }
    } finally {
      event.end();
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
    if (refused) {
      buffer.skipBytes(buffer.readableBytes());
      return;
    }
    int from = out.size();
    int consumedFrom = buffer.readerIndex();
    if (!(plainHeads && nettyBetweenMessages && betweenRequests && !upgraded && decodePlainHead(buffer, out))) {
      int readFrom = buffer.readerIndex();
      super.decode(ctx, buffer, out);
      if (out.size() > from) {
        nettyBetweenMessages = out.get(out.size() - 1) instanceof LastHttpContent && succeeded(out, from);
      } else if (buffer.readerIndex() != readFrom) {
        nettyBetweenMessages = false;   // part of a message read (or a bad one's rest discarded)
        if (betweenRequests && !upgraded) {   // complete lines of a head that is not: kept for PartialHead
          if (partialHead == null) {
            partialHead = Unpooled.buffer(buffer.readerIndex() - readFrom);
          }
          partialHead.writeBytes(buffer, readFrom, buffer.readerIndex() - readFrom);
        }
      }
    }
    long consumed = buffer.readerIndex() - consumedFrom;   // $request_length: this step's bytes, to their request
    if (measured != null) {
      measured.length += consumed;
    } else {
      unmeasured += consumed;
    }
    for (int i = from; i < out.size(); i++) {
      Object msg = out.get(i);
      if (msg instanceof HttpRequest request) {
        if (request instanceof MeasuredRequest m) {   // its head came in this step and the steps before
          m.length = unmeasured;
          measured = m;
        }
        unmeasured = 0;
        requestsOpen++;
        betweenRequests = false;
        headStartNanos = NONE;
        partialHead = null;
        if (request.decoderResult().isSuccess()) {
          if (ignoreInvalidHeaders) {
            List<String> dropped = dropInvalidNames(request.headers(), underscoresInHeaders);
            if (dropped != null && request instanceof MeasuredRequest m) {
              m.droppedLines = dropped;
            }
          }
          check(request);
        }
        if (!request.decoderResult().isSuccess()) {
          refuseTheRest(buffer, out, i + 1);
          return;
        }
      } else if (msg instanceof HttpContent content && content.decoderResult().isFailure()) {
        // an invalid chunk: Vert.x would only close the connection; nginx answers 400 "client sent invalid
        // chunked body". The body never reached a peer (buffered), or its upstream request is reset on the close.
        out.remove(i);
        ReferenceCountUtil.release(content);
        badBody(ctx);
        return;
      } else if (msg instanceof LastHttpContent) {
        betweenRequests = true;   // the request's last bytes: the next ones start the next request
        measured = null;
      }
    }
  }

  /**
   * A refused request closes its connection after its answer, and nothing the client sent after it is read, as
   * nginx reads nothing after a request it refuses: the messages decoded behind it are dropped, and so are the
   * connection's further bytes ({@link #refused}). Otherwise a request pipelined behind the refused one would be
   * proxied, or begun, before the close.
   */
  private void refuseTheRest(ByteBuf buffer, List<Object> out, int from) {
    refused = true;
    while (out.size() > from) {
      ReferenceCountUtil.release(out.remove(out.size() - 1));
    }
    buffer.skipBytes(buffer.readableBytes());
  }

  private static boolean succeeded(List<Object> out, int from) {
    for (int i = from; i < out.size(); i++) {
      if (out.get(i) instanceof DecoderResultProvider m && !m.decoderResult().isSuccess()) {
        return false;
      }
    }
    return true;
  }

  /** The client closed the connection: a head it began is reported ({@link PartialHead}, 400), as nginx logs it. */
  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    if (partialHeadTimedOut || refused) {
      in.skipBytes(in.readableBytes());   // reported already (408), or refused: not again as a premature closure
      return;
    }
    HttpRequest partial = partialHeadRequest(400, in);
    if (partial != null) {
      in.skipBytes(in.readableBytes());
      out.add(partial);
      out.add(LastHttpContent.EMPTY_LAST_CONTENT);
      return;
    }
    super.decodeLast(ctx, in, out);
  }

  /**
   * The request to report a head the client began and did not finish ({@code rest}: its unfinished line), with a
   * {@link PartialHead} of {@code status} as its failed decoder result: what came of its request line and its
   * complete header lines. Null when no head was begun (nothing but empty lines, which nginx skips, came since the
   * last request).
   */
  private HttpRequest partialHeadRequest(int status, ByteBuf rest) {
    if (!betweenRequests || upgraded) {
      return null;
    }
    int complete = partialHead == null ? 0 : partialHead.readableBytes();
    byte[] bytes = new byte[complete + rest.readableBytes()];
    if (partialHead != null) {
      partialHead.getBytes(partialHead.readerIndex(), bytes, 0, complete);
      partialHead = null;
    }
    rest.getBytes(rest.readerIndex(), bytes, complete, rest.readableBytes());
    int start = 0;
    while (start < bytes.length && (bytes[start] == '\r' || bytes[start] == '\n')) {
      start++;
    }
    if (start == bytes.length) {
      return null;
    }
    int lineEnd = start;
    while (lineEnd < bytes.length && bytes[lineEnd] != '\n') {
      lineEnd++;
    }
    boolean lineComplete = lineEnd < complete;
    String line = new String(bytes, start, lineEnd - start, StandardCharsets.ISO_8859_1);
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    HeadersMultiMap headers = HeadersMultiMap.httpHeaders();
    for (int p = lineEnd + 1; p < complete; ) {   // the complete header lines, for $http_* and the error log
      int end = p;
      while (end < complete && bytes[end] != '\n') {
        end++;
      }
      int colon = p;
      while (colon < end && TOKEN[bytes[colon] & 0xff]) {
        colon++;
      }
      if (colon > p && colon < end && bytes[colon] == ':') {
        String value = new String(bytes, colon + 1, end - colon - 1, StandardCharsets.ISO_8859_1).strip();
        try {
          headers.add(new String(bytes, p, colon - p, StandardCharsets.ISO_8859_1), value);
        } catch (IllegalArgumentException invalid) {
          // a value Netty's decoder would have refused: left out of a request that is only logged
        }
      }
      p = end + 1;
    }
    String[] parts = line.split(" ", 3);
    HttpMethod method;
    try {
      method = HttpMethod.valueOf(parts[0]);
    } catch (IllegalArgumentException notAToken) {
      method = HttpMethod.valueOf("-");
    }
    HttpVersion version = parts.length == 3 && parts[2].equals("HTTP/1.0") ? HttpVersion.HTTP_1_0
        : HttpVersion.HTTP_1_1;
    DefaultHttpRequest request = new DefaultHttpRequest(version, method, parts.length > 1 ? parts[1] : "", headers);
    long length = Math.max(0, complete - start);
    request.setDecoderResult(DecoderResult.failure(new PartialHead(status, line, length, lineComplete)));
    return request;
  }

  /** Room to copy a request head into, one per event loop. */
  private static final FastThreadLocal<byte[]> HEAD_BYTES = new FastThreadLocal<>() {
    @Override
    protected byte[] initialValue() {
      return new byte[PLAIN_HEAD_MAX];
    }
  };
  /** The longest head {@link #decodePlainHead} reads; a longer one goes to Netty's decoder. */
  private static final int PLAIN_HEAD_MAX = 8192;

  /**
   * Reads the request at the start of {@code buffer} in one pass, if it is a plain one: a complete {@code GET} or
   * {@code HEAD} head of HTTP/1.1 or 1.0, every line ended by CRLF, header names of token characters followed at once
   * by the colon, values of visible ASCII, spaces and tabs, no body header ({@code Content-Length},
   * {@code Transfer-Encoding}), within the size limits. It emits what Netty's decoder would for it (the request with
   * Vert.x's header map, its names as Vert.x's decoder names them, then the empty last content) and returns true.
   * Anything else (a partial head, a body, a folded or odd line, bytes past ASCII, a head near a limit) is left
   * untouched for Netty's decoder, which also gives every error its answer: false.
   *
   * <p>Netty's decoder copies each line into its own buffer, then splits it into new strings, and the header map
   * checks every name and value again; this reads the head once from one copy, and checks each byte once. Most
   * requests are plain; decoding wrk's bare {@code GET} costs ~0.3 µs less, a browser's ~1.2 µs less
   * ({@code RequestHeadBenchmark}, BENCHMARKS.md).
   */
  private boolean decodePlainHead(ByteBuf buffer, List<Object> out) {
    int n = Math.min(buffer.readableBytes(), PLAIN_HEAD_MAX);
    byte first = n < 16 ? 0 : buffer.getByte(buffer.readerIndex());
    if (first != 'G' && first != 'H') {
      return false;   // too short to be whole, or not GET/HEAD: not copied
    }
    byte[] b = HEAD_BYTES.get();
    buffer.getBytes(buffer.readerIndex(), b, 0, n);
    HttpMethod method;
    int p;
    if (b[0] == 'G' && b[1] == 'E' && b[2] == 'T' && b[3] == ' ') {
      method = HttpMethod.GET;
      p = 4;
    } else if (b[0] == 'H' && b[1] == 'E' && b[2] == 'A' && b[3] == 'D' && b[4] == ' ') {
      method = HttpMethod.HEAD;
      p = 5;
    } else {
      return false;
    }
    int uriStart = p;
    while (p < n && b[p] > ' ' && b[p] < 0x7f) {
      p++;
    }
    int uriEnd = p;
    if (uriEnd == uriStart || p + 11 > n || b[p] != ' ' || b[p + 1] != 'H' || b[p + 2] != 'T' || b[p + 3] != 'T'
        || b[p + 4] != 'P' || b[p + 5] != '/' || b[p + 6] != '1' || b[p + 7] != '.' || b[p + 9] != '\r'
        || b[p + 10] != '\n') {
      return false;
    }
    HttpVersion version;
    if (b[p + 8] == '1') {
      version = HttpVersion.HTTP_1_1;
    } else if (b[p + 8] == '0') {
      version = HttpVersion.HTTP_1_0;
    } else {
      return false;
    }
    p += 11;
    if (p - 2 >= maxInitialLine) {
      return false;
    }
    int headersStart = p;
    HeadersMultiMap headers = HeadersMultiMap.httpHeaders(validation);
    List<String> dropped = null;
    validation.decoded = true;   // every byte is checked here
    try {
      while (true) {
        if (p + 1 >= n) {
          return false;   // not all here yet
        }
        if (b[p] == '\r') {
          if (b[p + 1] != '\n') {
            return false;
          }
          p += 2;
          break;
        }
        int nameStart = p;
        boolean invalid = false;   // nginx's: a character other than a letter, a digit, a hyphen (or an underscore)
        while (p < n && TOKEN[b[p] & 0xff]) {
          invalid |= !NGINX_NAME[b[p] & 0xff] && (b[p] != '_' || !underscoresInHeaders);
          p++;
        }
        if (p == nameStart || p >= n || b[p] != ':') {
          return false;
        }
        int nameEnd = p++;
        while (p < n && (b[p] == ' ' || b[p] == '\t')) {
          p++;
        }
        int valueStart = p;
        while (p < n && ((b[p] >= ' ' && b[p] < 0x7f) || b[p] == '\t')) {
          p++;
        }
        if (p + 1 >= n || b[p] != '\r' || b[p + 1] != '\n') {
          return false;
        }
        int valueEnd = p;
        while (valueEnd > valueStart && (b[valueEnd - 1] == ' ' || b[valueEnd - 1] == '\t')) {
          valueEnd--;
        }
        p += 2;
        if (p - headersStart >= maxHeaderSize) {
          return false;
        }
        AsciiString name = splitHeaderName(b, nameStart, nameEnd - nameStart);
        if (BODY_HEADERS.contains(name)) {
          return false;   // a body, or a 1.0 WebSocket's key bytes: Netty's decoder knows their rules
        }
        @SuppressWarnings("deprecation")   // bytes as Latin-1 chars, as Netty's decoder makes them
        String value = valueEnd == valueStart ? "" : new String(b, 0, valueStart, valueEnd - valueStart);
        if (invalid && ignoreInvalidHeaders) {
          if (dropped == null) {   // nginx ignores the line, and says so at info
            dropped = new java.util.ArrayList<>(2);
          }
          dropped.add(name + ": " + value);
          continue;
        }
        headers.add(name, value);
      }
    } finally {
      validation.decoded = false;
    }
    @SuppressWarnings("deprecation")
    String uri = new String(b, 0, uriStart, uriEnd - uriStart);
    buffer.skipBytes(p);
    MeasuredRequest request = new MeasuredRequest(version, method, uri, headers);
    request.droppedLines = dropped;
    out.add(request);
    out.add(LastHttpContent.EMPTY_LAST_CONTENT);
    plainHeadsRead++;
    return true;
  }

  /** RFC 9110's token characters, those of a header name. */
  private static final boolean[] TOKEN = new boolean[256];

  static {
    for (char c = '0'; c <= '9'; c++) {
      TOKEN[c] = true;
    }
    for (char c = 'a'; c <= 'z'; c++) {
      TOKEN[c] = true;
      TOKEN[c - 'a' + 'A'] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TOKEN[c] = true;
    }
  }

  /** The characters nginx takes in a header name as valid: letters, digits and the hyphen. */
  private static final boolean[] NGINX_NAME = new boolean[256];

  static {
    for (int c = 0; c < 256; c++) {
      NGINX_NAME[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    }
  }

  /**
   * The check of the names Netty's decoder puts in a request's header map: as nginx, a name that is empty or has a
   * control character, a space or DEL makes the request a 400; any other byte is taken, and whether such a name is
   * kept is {@code ignore_invalid_headers}'s to say ({@link #dropInvalidNames}). A value may hold any byte but a line
   * break (a CR not followed by its LF), as in nginx: other control characters and DEL go on to the origin as the
   * client sent them; a NUL is {@link #check}'s to refuse, with nginx's words.
   */
  private static final java.util.function.BiConsumer<CharSequence, CharSequence> NGINX_NAMES = (name, value) -> {
    if (name.length() == 0) {
      throw new IllegalArgumentException("empty header name");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= ' ' || c == 0x7f) {
        throw new IllegalArgumentException("a header name with a control character or a space: " + name);
      }
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n') {
        throw new IllegalArgumentException("a header value with a line break: " + value);
      }
    }
  };

  /**
   * A request head of Netty's decoder, with a header map checked as nginx checks names ({@link #NGINX_NAMES}), and
   * its method and version read as nginx reads them: a method of other characters than {@code A-Z}, {@code _} and
   * {@code -} is a 400 ("client sent invalid method"); a version {@code HTTP/1.x} with x from 1 to 999 is HTTP/1.1,
   * a major version above 1 is a 505 ("client sent invalid version"), any other one a 400 ("client sent invalid
   * request"), where Vert.x alone answers 501 with the client's version in its status line.
   */
  @Override
  protected HttpMessage createMessage(String[] initialLine) {
    int version = nginxVersion(initialLine[2]);
    MeasuredRequest request = new MeasuredRequest(version == 1000 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1,
        HttpMethod.valueOf(initialLine[0]), initialLine[1], HeadersMultiMap.httpHeaders(NGINX_NAMES));
    if (!nginxMethod(initialLine[0])) {   // kept for check: Netty sets the head's result once its headers are read
      request.refused = new Rejected(400, "client sent invalid method", false);
    } else if (version == INVALID_VERSION) {
      request.refused = new Rejected(505, "client sent invalid version", false);
    } else if (version < 0) {
      request.refused = new Rejected(400, "client sent invalid request", false);
    }
    return request;
  }

  private static final int INVALID_VERSION = -2;

  /**
   * nginx's reading of a request line's {@code HTTP/MAJOR.MINOR}: {@code 1000 * major + minor}; -1 for text that is
   * not a version (a major version starting with 0, a missing digit, a minor version of more than three digits or
   * above 999), {@link #INVALID_VERSION} for a major version above 1.
   */
  static int nginxVersion(String text) {
    int n = text.length();
    if (!text.startsWith("HTTP/") || n < 8 || text.charAt(5) < '1' || text.charAt(5) > '9') {
      return -1;
    }
    int i = 5;
    int major = 0;
    for (; i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9'; i++) {
      major = major * 10 + (text.charAt(i) - '0');
      if (major > 1) {
        return INVALID_VERSION;
      }
    }
    if (i == n || text.charAt(i) != '.' || ++i == n) {
      return -1;
    }
    int minor = 0;
    for (; i < n; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      if (minor > 99) {
        return -1;
      }
      minor = minor * 10 + (c - '0');
    }
    return major * 1000 + minor;
  }

  /** Whether nginx takes {@code method}: upper-case letters, {@code _} and {@code -} only. */
  private static boolean nginxMethod(String method) {
    for (int i = 0; i < method.length(); i++) {
      char c = method.charAt(i);
      if ((c < 'A' || c > 'Z') && c != '_' && c != '-') {
        return false;
      }
    }
    return true;
  }

  /** Headers whose request has a body (or, for an old WebSocket handshake, 8 bytes Netty's decoder reads). */
  private static final HeaderNameSet BODY_HEADERS = new HeaderNameSet("Content-Length",
      "Transfer-Encoding", "Sec-WebSocket-Key1");

  private void badBody(ChannelHandlerContext ctx) {
    if (responseUnderWay) {
      ctx.close();
      return;
    }
    Buffer page = ErrorPages.page(400);
    String head = "HTTP/1.1 400 Bad Request\r\nServer: xgate\r\nDate: " + HttpDate.now()
        + "\r\nContent-Type: text/html\r\nContent-Length: "
        + page.length() + "\r\nConnection: close\r\n\r\n";
    ByteBuf raw = ctx.alloc().buffer(head.length() + page.length());
    raw.writeCharSequence(head, StandardCharsets.ISO_8859_1);
    raw.writeBytes(page.getBytes());
    ctx.writeAndFlush(raw).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Takes out the headers whose name nginx finds invalid, as it ignores them ({@code ignore_invalid_headers on}): a
   * character other than a letter, a digit or a hyphen, or an underscore unless {@code underscores}. Returns the
   * lines taken out ({@code name: value}), null when none were.
   */
  private static List<String> dropInvalidNames(HttpHeaders headers, boolean underscores) {
    List<String> dropped = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> h = it.next();
      CharSequence name = h.getKey();
      for (int i = 0; i < name.length(); i++) {
        char c = name.charAt(i);
        if ((c > 0xff || !NGINX_NAME[c]) && (c != '_' || !underscores)) {
          if (dropped == null) {
            dropped = new java.util.ArrayList<>(2);
          }
          dropped.add(name + ": " + h.getValue());
          break;
        }
      }
    }
    if (dropped != null) {
      for (String line : dropped) {
        headers.remove(line.substring(0, line.indexOf(": ")));
      }
    }
    return dropped;
  }

  private void check(HttpRequest request) {
    if (request instanceof MeasuredRequest m && m.refused != null) {
      reject(request, m.refused);   // its request line, before its headers, as nginx reads them
      return;
    }
    HttpHeaders headers = request.headers();
    int hosts = 0;
    int encodings = 0;
    CharSequence host = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> h = it.next();   // the map's own entries: no wrapper per header
      CharSequence name = h.getKey();
      String value = h.getValue().toString();
      if (name.length() + 2 + value.length() > maxHeaderLine) {
        reject(request, new Rejected(400, "client sent too long header line", true));
        return;
      }
      if (value.indexOf('\0') >= 0) {
        reject(request, 400, "client sent invalid header line");
        return;
      }
      if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST)) {
        hosts++;
        host = h.getValue();
      } else if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)) {
        encodings++;
      }
    }
    if (hosts > 1) {
      reject(request, 400, "client sent duplicate host header");
      return;
    }
    if (host != null && !RequestHost.valid(host)) {
      reject(request, 400, "client sent invalid host header");
      return;
    }
    String lineAuthority = RequestHost.requestLineAuthority(request.uri());
    if (lineAuthority != null && !RequestHost.validInRequestLine(lineAuthority)) {
      reject(request, 400, "client sent invalid host in request line");
      return;
    }
    if (host == null && request.protocolVersion() == HttpVersion.HTTP_1_1) {   // also with a host in the line
      reject(request, 400, "client sent HTTP/1.1 request without \"Host\" header");
      return;
    }
    if (encodings > 1) {
      reject(request, 400, "client sent duplicate header line: \"Transfer-Encoding\"");
      return;
    }
    String te = headers.get(HttpHeaderNames.TRANSFER_ENCODING);
    if (te != null) {
      if (request.protocolVersion() == HttpVersion.HTTP_1_0) {
        reject(request, 400, "client sent HTTP/1.0 request with \"Transfer-Encoding\" header");
        return;
      } else if (!te.equalsIgnoreCase("chunked")) {
        reject(request, 501, "client sent unknown \"Transfer-Encoding\": \"" + te + "\"");
        return;
      }
    }
    if (request.method() == HttpMethod.TRACE) {
      reject(request, 405, "client sent TRACE method");
    }
  }

  private static void reject(HttpMessage message, int status, String reason) {
    reject(message, new Rejected(status, reason, false));
  }

  private static void reject(HttpMessage message, Rejected why) {
    if (message.decoderResult().isSuccess()) {
      message.setDecoderResult(DecoderResult.failure(why));
    }
  }
}
