package io.xgate.gateway.origin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Completable;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.impl.headers.HeadersAdaptor;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.ReadStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeoutException;

/**
 * One request to an origin and its response, over one {@link OriginConnection}: the request's head is filled
 * ({@link #headers}), then sent with or without a body ({@code send}); the callback gets this exchange as the
 * {@link OriginResponse} once the response's head arrived, and the body follows as a stream that can be paused.
 *
 * <p>What ends an exchange: the response read in full (the connection goes back to its pool when both sides said
 * keep-alive and the request was sent in full), a failure (connect, write, premature close, a response head Netty
 * cannot parse, the timeout), or {@link #reset}. A failure before the head fails the send's callback, after it goes
 * to the {@link #exceptionHandler}; either way the connection is closed. Informational responses (1xx other than
 * 101) are skipped, as nginx does. Callbacks run on the request's context; nothing is called back after the end.
 * The body's pieces are pooled memory: see {@link BodyPieces} for what the handler must do with each.
 */
public final class OriginExchange implements OriginResponse {

  /** The origin's response could not be parsed: nginx's "upstream sent invalid header" ({@code invalid_header}). */
  public static final class InvalidHeader extends IOException {
    InvalidHeader(Throwable cause) {
      super("upstream sent invalid header: " + cause.getMessage(), cause);
    }
  }

  /** The origin closed the connection before its response was complete. */
  public static final class PrematureClose extends IOException {
    PrematureClose() {
      super("upstream prematurely closed connection", null);
    }
  }

  private static final Object END = new Object();

  private final OriginConnection connection;
  private final ContextInternal context;
  private final HttpMethod method;
  private final String uri;
  private final HttpVersion version;
  private final DefaultHttpHeaders requestHeaders;
  private final MultiMap requestHeadersView;
  long timeoutNanos;

  private Completable<OriginResponse> onHead;
  private ReadStream<Buffer> bodySource;
  private boolean bodySourcePaused;
  private boolean requestSent;
  private boolean skippingInformational;
  private HttpResponse response;
  private MultiMap responseHeaders;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private boolean paused;
  private ArrayDeque<Object> queued;
  private boolean ended;
  private boolean over;

  OriginExchange(OriginConnection connection, ContextInternal context, HttpMethod method, String uri,
      HttpVersion version, DefaultHttpHeaders requestHeaders) {
    this.connection = connection;
    this.context = context;
    this.method = method;
    this.uri = uri;
    this.version = version;
    this.requestHeaders = requestHeaders;
    this.requestHeadersView = new HeadersAdaptor(requestHeaders);
  }

  // ------------------------------------------------------------------ the request

  /** The request's headers, to fill before it is sent. */
  public MultiMap requestHeaders() {
    return requestHeadersView;
  }

  /** Sends the request without a body. */
  public void send(Completable<OriginResponse> onHead) {
    sendWhole(Unpooled.EMPTY_BUFFER, onHead);
  }

  /** Sends the request with {@code body} (a retry may send the same buffer again); sets its Content-Length. */
  public void send(Buffer body, Completable<OriginResponse> onHead) {
    requestHeaders.set(HttpHeaderNames.CONTENT_LENGTH, body.length());
    sendWhole(((BufferInternal) body).getByteBuf(), onHead);
  }

  private void sendWhole(ByteBuf body, Completable<OriginResponse> onHead) {
    this.onHead = onHead;
    requestSent = true;
    connection.write(new DefaultFullHttpRequest(version, method, uri, body, requestHeaders,
        EmptyHttpHeaders.INSTANCE), true);
  }

  /**
   * Sends the request with the body {@code source} gives, as it comes (chunked unless the headers declare a
   * length), pausing {@code source} while the connection's write buffer is full.
   */
  public void send(ReadStream<Buffer> source, Completable<OriginResponse> onHead) {
    this.onHead = onHead;
    this.bodySource = source;
    if (!requestHeaders.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      requestHeaders.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    connection.write(new DefaultHttpRequest(version, method, uri, requestHeaders), false);
    source.handler(buf -> {
      if (over) {
        return;
      }
      connection.write(new DefaultHttpContent(((BufferInternal) buf).getByteBuf()), true);
      if (!connection.writable()) {
        bodySourcePaused = true;
        source.pause();
      }
    });
    source.exceptionHandler(this::failed);
    source.endHandler(v -> {
      if (!over) {
        requestSent = true;
        bodySource = null;
        connection.write(LastHttpContent.EMPTY_LAST_CONTENT, true);
      }
    });
    source.resume();
  }

  /** The connection can take writes again: a paused request body resumes. */
  void writable() {
    if (bodySourcePaused && !over) {
      bodySourcePaused = false;
      context.dispatch(v -> bodySource.resume());
    }
  }

  // ------------------------------------------------------------------ the response, as Netty decodes it

  void received(HttpObject msg) {
    if (over) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg.decoderResult().isFailure()) {
      ReferenceCountUtil.release(msg);
      failed(new InvalidHeader(msg.decoderResult().cause()));
      return;
    }
    if (msg instanceof HttpResponse head) {
      int status = head.status().code();
      if (status >= 100 && status < 200 && status != 101) {
        skippingInformational = true;   // nginx waits for the final response
      } else {
        response = head;
        responseHeaders = new HeadersAdaptor(head.headers());
        boolean bodyless = status == 204 || status == 304 || method == HttpMethod.HEAD;
        if (bodyless) {
          // the head is the whole response: the connection is free before the proxy answers its client, whose
          // next request may be queued behind this one already (Netty's decoder follows with an empty end)
          responseRead(true);
        }
        Completable<OriginResponse> callback = onHead;
        onHead = null;
        if (callback != null) {
          context.dispatch(v -> callback.succeed(this));
        }
        if (bodyless) {
          deliver(END);
        }
      }
    }
    if (msg instanceof HttpContent content) {
      if (skippingInformational) {
        content.release();
        skippingInformational = !(content instanceof LastHttpContent);
        return;
      }
      if (content.content().isReadable()) {
        deliver(BodyPieces.wrap(content.content()));   // the pooled bytes as read: no copy (BodyPieces)
      } else {
        content.release();
      }
      if (content instanceof LastHttpContent) {
        // trailers are dropped, as nginx does; the connection is free for the next request now, however slowly
        // the body is taken from here
        responseRead(false);
        deliver(END);
      }
    }
  }

  private void responseRead(boolean emptyEndFollows) {
    ended = true;
    boolean reusable = requestSent && version == HttpVersion.HTTP_1_1
        && !requestHeaders.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)
        && HttpUtil.isKeepAlive(response) && response.status().code() != 101;
    connection.exchangeEnded(this, reusable, emptyEndFollows);
  }

  private void deliver(Object item) {
    if (paused || handler == null || (queued != null && !queued.isEmpty())) {
      if (queued == null) {
        queued = new ArrayDeque<>(4);
      }
      queued.add(item);
      if (!ended) {
        connection.autoRead(false);
      }
      return;
    }
    context.dispatch(item, this::emit);
  }

  private void emit(Object item) {
    if (item == END) {
      over = true;
      Handler<Void> h = endHandler;
      if (h != null) {
        h.handle(null);
      }
    } else if (!over) {
      handler.handle((Buffer) item);
    } else {
      BodyPieces.free((Buffer) item);
    }
  }

  /** Frees what still waits to be handed over: nobody will take it. */
  private void dropQueued() {
    if (queued != null) {
      for (Object item : queued) {
        if (item != END) {
          BodyPieces.free((Buffer) item);
        }
      }
      queued.clear();
    }
  }

  /** The connection closed under this exchange: a premature close unless the whole response was read. */
  void connectionClosed() {
    if (!ended) {
      failed(new PrematureClose());
    }
  }

  void timedOut() {
    failed(new TimeoutException("upstream timed out"));
  }

  void failed(Throwable cause) {
    if (over) {
      return;
    }
    over = true;
    dropQueued();
    connection.exchangeAborted(this);
    Completable<OriginResponse> callback = onHead;
    onHead = null;
    if (callback != null) {
      context.dispatch(v -> callback.fail(cause));
    } else if (exceptionHandler != null) {
      Handler<Throwable> h = exceptionHandler;
      context.dispatch(cause, h);
    }
  }

  // ------------------------------------------------------------------ OriginResponse

  @Override
  public int statusCode() {
    return response.status().code();
  }

  @Override
  public String statusMessage() {
    return response.status().reasonPhrase();
  }

  @Override
  public MultiMap headers() {
    return responseHeaders;
  }

  @Override
  public void reset() {
    if (!over) {
      over = true;
      onHead = null;
      dropQueued();
      connection.exchangeAborted(this);
    }
  }

  @Override
  public OriginExchange exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  @Override
  public OriginExchange handler(Handler<Buffer> handler) {
    this.handler = handler;
    if (handler != null && !paused) {
      drain();
    }
    return this;
  }

  @Override
  public OriginExchange endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }

  @Override
  public OriginExchange pause() {
    if (!paused) {
      paused = true;
      if (!ended && !over) {
        connection.autoRead(false);
      }
    }
    return this;
  }

  @Override
  public OriginExchange resume() {
    if (paused) {
      paused = false;
      drain();
    }
    return this;
  }

  @Override
  public OriginExchange fetch(long amount) {
    return resume();
  }

  /** Hands over what waited while paused, until paused again; then reads on. */
  private void drain() {
    while (!paused && handler != null && queued != null && !queued.isEmpty() && !over) {
      emit(queued.poll());
    }
    if (!paused && !ended && !over && (queued == null || queued.isEmpty())) {
      connection.autoRead(true);
    }
  }
}
