package io.xgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;
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
 *   <li>an invalid chunk size: 400, written here (Vert.x would only close the connection), unless a response is
 *       under way already; either way the connection is closed.</li>
 * </ul>
 * Being in every client connection's pipeline, it also keeps nginx's {@code keepalive_timeout} for it (a kept
 * connection with no request open closes that long after its last response) and brackets each read as one
 * {@link EventTime} event.
 */
final class EdgeRequestDecoder extends VertxHttpRequestDecoder {

  /** A request nginx refuses with {@code status}. */
  static final class Rejected extends RuntimeException {
    final int status;
    /** nginx's 494 "Request Header Or Cookie Too Large", which it sends as 400 with its own page. */
    final boolean headerTooLarge;

    Rejected(int status, String reason, boolean headerTooLarge) {
      super(reason, null, false, false);   // a refusal, not a failure: no stack trace
      this.status = status;
      this.headerTooLarge = headerTooLarge;
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

  private final int maxHeaderLine;
  private boolean responseUnderWay;
  /** nginx's {@code keepalive_timeout} of the listener's default server, in nanoseconds; 0: none. */
  private final long keepaliveNanos;
  /** Requests read whose final response has not been written in full yet (more than one when pipelined). */
  private int requestsOpen;
  /** Whether the response under way is a final one (not a 100 Continue, whose end is not a response's end). */
  private boolean finalResponse;
  /** After a 101 the connection is a tunnel: no keep-alive timeout. */
  private boolean upgraded;
  private long idleSinceNanos;
  private ScheduledFuture<?> keepaliveTimer;

  private EdgeRequestDecoder(HttpServerOptions options, int maxHeaderLine, long keepaliveMs) {
    super(options);
    this.maxHeaderLine = maxHeaderLine;
    this.keepaliveNanos = keepaliveMs * 1_000_000;
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
   * Puts this decoder in place of Vert.x's in a new connection's pipeline (before anything was read). A connection
   * that has no request open for {@code keepaliveMs} (nginx's {@code keepalive_timeout}; 0: none) after its last
   * response is closed.
   */
  static void install(HttpConnection connection, HttpServerOptions options, long keepaliveMs) {
    if (!(connection instanceof ConnectionBase base)) {
      return;
    }
    Channel ch = base.channel();
    ChannelHandler current = ch.pipeline().get("httpDecoder");
    if (current instanceof VertxHttpRequestDecoder && !(current instanceof EdgeRequestDecoder)) {
      EdgeRequestDecoder decoder = new EdgeRequestDecoder(options, options.getMaxInitialLineLength(), keepaliveMs);
      ch.pipeline().replace("httpDecoder", "httpDecoder", decoder);
      ch.pipeline().addBefore("handler", "edgeResponseTracker", decoder.new ResponseTracker());
    }
  }

  /**
   * Sees the responses Vert.x writes, so that the decoder knows whether one is under way, and finishes each head as
   * nginx's header filter writes it: the status line says HTTP/1.1 (Vert.x echoes an HTTP/1.0 request's), a final
   * response (or a 101) without a {@code Date} gets the current one, and the {@code Connection} header Vert.x sets
   * is named as nginx names it.
   */
  private final class ResponseTracker extends ChannelOutboundHandlerAdapter {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
      if (msg instanceof HttpResponse r) {
        if (r.protocolVersion() == HttpVersion.HTTP_1_0) {
          r.setProtocolVersion(HttpVersion.HTTP_1_1);   // nginx's status line says HTTP/1.1 to every client
        }
        int status = r.status().code();
        if (status >= 200) {
          responseUnderWay = true;
        }
        finalResponse = status >= 200;
        upgraded |= status == 101;
        if (status >= 200 || status == 101) {   // not on 100 Continue, which nginx writes as a bare status line
          HttpHeaders headers = r.headers();
          if (!headers.contains(HttpHeaderNames.DATE)) {
            headers.add(HeaderNames.DATE, HttpDate.now());   // nginx's rule: its own date when there is none
          }
          String connection = headers.get(HttpHeaderNames.CONNECTION);
          if (connection != null) {   // Vert.x sets it last, in lower case, for HTTP/1.0 clients and on closing
            headers.remove(HttpHeaderNames.CONNECTION);
            headers.add(HeaderNames.CONNECTION, connection);
          }
        }
      }
      if (msg instanceof LastHttpContent) {
        responseUnderWay = false;
        if (finalResponse) {
          finalResponse = false;
          responseEnded(ctx);
        }
      }
      super.write(ctx, msg, promise);
    }
  }

  // ------------------------------------------------------------------ keepalive_timeout

  /**
   * A final response was written in full: with no other request open the connection is idle from now, and the
   * keep-alive timer (armed once, re-armed only when it fires) closes it if it stays idle.
   */
  private void responseEnded(ChannelHandlerContext ctx) {
    if (requestsOpen > 0) {
      requestsOpen--;
    }
    if (requestsOpen > 0 || keepaliveNanos == 0 || upgraded) {
      return;
    }
    idleSinceNanos = EventTime.nanos();
    if (keepaliveTimer == null) {
      keepaliveTimer = ctx.executor().schedule(() -> keepaliveTimerFired(ctx), keepaliveNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void keepaliveTimerFired(ChannelHandlerContext ctx) {
    keepaliveTimer = null;
    if (requestsOpen > 0 || upgraded || !ctx.channel().isActive()) {
      return;   // re-armed when the connection is idle again
    }
    long idle = System.nanoTime() - idleSinceNanos;
    if (idle >= keepaliveNanos) {
      ctx.close();
    } else {
      keepaliveTimer = ctx.executor().schedule(() -> keepaliveTimerFired(ctx), keepaliveNanos - idle,
          TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (keepaliveTimer != null) {
      keepaliveTimer.cancel(false);
      keepaliveTimer = null;
    }
    super.channelInactive(ctx);
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
      if (requestsOpen == 0) {
        idleSinceNanos = EventTime.nanos();   // the next request's first bytes: no longer idle for keepalive_timeout
      }
      super.channelRead(ctx, msg);
    } finally {
      event.end();
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
    int from = out.size();
    super.decode(ctx, buffer, out);
    for (int i = from; i < out.size(); i++) {
      Object msg = out.get(i);
      if (msg instanceof HttpRequest request) {
        requestsOpen++;
        if (request.decoderResult().isSuccess()) {
          check(request);
        }
      } else if (msg instanceof HttpContent content && content.decoderResult().isFailure()) {
        // an invalid chunk: Vert.x would only close the connection; nginx answers 400 "client sent invalid
        // chunked body". The body never reached a peer (buffered), or its upstream request is reset on the close.
        out.remove(i);
        ReferenceCountUtil.release(content);
        badBody(ctx);
        return;
      }
    }
  }

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

  private void check(HttpRequest request) {
    HttpHeaders headers = request.headers();
    int hosts = 0;
    int encodings = 0;
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
      } else if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)) {
        encodings++;
      }
    }
    if (hosts > 1) {
      reject(request, 400, "client sent duplicate host header");
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
      } else if (!te.equalsIgnoreCase("chunked")) {
        reject(request, 501, "client sent unknown \"Transfer-Encoding\": \"" + te + "\"");
      }
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
