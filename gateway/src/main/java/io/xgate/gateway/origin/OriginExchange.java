package io.xgate.gateway.origin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.vertx.core.Completable;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.impl.HttpUtils;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.ReadStream;
import io.xgate.gateway.http.HeaderNames;
import io.xgate.gateway.http.ValidateUnlessDecoded;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * One request to an origin and its response, over one {@link OriginConnection}: the request's head is filled
 * ({@link #requestHeaders}), then written as bytes with or without a body ({@code send}); the callback gets this
 * exchange as the {@link OriginResponse} once the response's head arrived, and the body follows as a stream that can
 * be paused.
 *
 * <p>What ends an exchange: the response read in full (the connection goes back to its pool when both sides said
 * keep-alive and the request was sent in full), a failure (connect, write, premature close, a response
 * {@link OriginResponseDecoder} cannot read, the timeout), or {@link #reset}. A failure before the head fails the
 * send's callback, after it goes to the {@link #exceptionHandler}; either way the connection is closed.
 * Informational responses (1xx other than 101) are skipped (nginx 1.22 takes a 100 for the answer). Callbacks run
 * on the request's context; nothing is called back after the end.
 * The body's pieces are pooled memory: see {@link BodyPieces} for what the handler must do with each.
 */
public final class OriginExchange implements OriginResponse, ProxyHeaders {

  /**
   * The origin's response could not be read (nginx's {@code invalid_header}), e.g. "upstream sent invalid header":
   * see {@link OriginResponseDecoder}.
   */
  public static final class InvalidHeader extends IOException {
    InvalidHeader(String reason) {
      super(reason, null);
    }
  }

  /**
   * The origin took none of the request's waiting bytes for {@code proxy_send_timeout} (nginx: "upstream timed out
   * ... while sending request to upstream"); a {@link TimeoutException} as the read's.
   */
  public static final class SendTimedOut extends TimeoutException {
    SendTimedOut() {
      super("upstream timed out while sending the request");
    }
  }

  /** The origin closed the connection before its response was complete. */
  public static final class PrematureClose extends IOException {
    PrematureClose() {
      super("upstream prematurely closed connection", null);
    }
  }

  private static final Object END = new Object();
  private static final int CRLF = ('\r' << 8) | '\n';
  private static final int COLON_SPACE = (':' << 8) | ' ';
  private static final ByteBuf CHUNK_END = Unpooled.unreleasableBuffer(
      Unpooled.directBuffer(2).writeShort(CRLF)).asReadOnly();
  private static final ByteBuf LAST_CHUNK = Unpooled.unreleasableBuffer(
      Unpooled.directBuffer(5).writeBytes(new byte[] {'0', '\r', '\n', '\r', '\n'})).asReadOnly();

  private final OriginConnection connection;
  private final ContextInternal context;
  private final HttpMethod method;
  private final String uri;
  private final HttpVersion version;
  /** Checks each header put in {@link #requestHeaders} as Vert.x would, but those checked already. */
  private final ValidateUnlessDecoded validation = new ValidateUnlessDecoded();
  /**
   * The request's headers as a map, made only when one is asked for ({@link #requestHeaders}, a hook that uses
   * them): until then the proxy's own are {@link #own} and the client's passed ones stay in its decoded map.
   */
  private HeadersMultiMap requestHeaders;
  /** The headers the proxy set, checked, in order: name, value, name, value ...; null once in the map. */
  private CharSequence[] own = new CharSequence[8];
  private int ownLength;
  private final OriginResponseDecoder.Listener decoded = new Decoded();
  /** The client's headers that go on as decoded ({@link #passClientHeaders}), until copied into the map. */
  private HttpHeaders clientHeaders;
  private Predicate<CharSequence> clientHeaderPasses;

  private Completable<OriginResponse> onHead;
  private ReadStream<Buffer> bodySource;
  private boolean bodySourcePaused;
  private boolean requestSent;
  private OriginResponseDecoder.Head response;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private boolean paused;
  private ArrayDeque<Object> queued;
  private boolean ended;
  private boolean over;
  /** Inside {@link #decoded}: the request's context is current already, events go to their handlers directly. */
  private boolean decoding;

  OriginExchange(OriginConnection connection, ContextInternal context, HttpMethod method, String uri,
      HttpVersion version) {
    this.connection = connection;
    this.context = context;
    this.method = method;
    this.uri = uri;
    this.version = version;
  }

  // ------------------------------------------------------------------ the request

  /**
   * Sets a header of the proxy's own ({@code Host}, a {@code proxy_set_header} value ...), replacing one of the same
   * name it set before; checked (a name must be a token, a value must have no line break).
   */
  @Override
  public void setHeader(CharSequence name, CharSequence value) {
    if (requestHeaders != null) {
      requestHeaders.set(name, value);
      return;
    }
    HttpUtils.validateHeader(name, value);
    int at = ownIndex(name);
    if (at >= 0) {
      own[at + 1] = value;
      return;
    }
    appendOwn(name, value);
  }

  /** Adds a header of the proxy's own after those set before (a name may come twice); checked as {@link #setHeader}. */
  @Override
  public void addHeader(CharSequence name, CharSequence value) {
    if (requestHeaders != null) {
      requestHeaders.add(name, value);
      return;
    }
    HttpUtils.validateHeader(name, value);
    appendOwn(name, value);
  }

  private void appendOwn(CharSequence name, CharSequence value) {
    if (ownLength == own.length) {
      own = Arrays.copyOf(own, own.length * 2);
    }
    own[ownLength++] = name;
    own[ownLength++] = value;
  }

  /** Removes a header the proxy set. */
  @Override
  public void removeHeader(CharSequence name) {
    if (requestHeaders != null) {
      requestHeaders.remove(name);
      return;
    }
    int at = ownIndex(name);
    if (at >= 0) {
      System.arraycopy(own, at + 2, own, at, ownLength - at - 2);
      ownLength -= 2;
      own[ownLength] = null;
      own[ownLength + 1] = null;
    }
  }

  /** The value of a header the proxy set, or null. */
  @Override
  public String header(CharSequence name) {
    if (requestHeaders != null) {
      return requestHeaders.get(name);
    }
    int at = ownIndex(name);
    return at < 0 ? null : own[at + 1].toString();
  }

  private int ownIndex(CharSequence name) {
    for (int i = 0; i < ownLength; i += 2) {
      if (AsciiString.contentEqualsIgnoreCase(own[i], name)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * All the request's headers as one map: the proxy's own, then the client's that go on ({@link #passClientHeaders}),
   * copied in on the first call. What is put in it is checked.
   */
  public MultiMap requestHeaders() {
    if (requestHeaders == null) {
      HeadersMultiMap map = HeadersMultiMap.httpHeaders(validation);
      validation.decoded = true;   // the proxy's own were checked as set, the client's by its decoder
      for (int i = 0; i < ownLength; i += 2) {
        map.add(own[i], own[i + 1]);
      }
      HttpHeaders client = clientHeaders;
      if (client != null) {
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = client.iteratorCharSequence(); it.hasNext(); ) {
          Map.Entry<CharSequence, CharSequence> h = it.next();
          if (clientHeaderPasses.test(h.getKey())) {
            map.add(h.getKey(), h.getValue());
          }
        }
      }
      validation.decoded = false;
      requestHeaders = map;
      own = null;
      ownLength = 0;
      clientHeaders = null;
    }
    return requestHeaders;
  }

  /**
   * The client's headers that {@code passes} go on to the origin as its decoder gave them, written after the
   * proxy's own, as nginx orders them: no map is made of them (unless {@link #requestHeaders} is asked for), and they
   * are not checked again.
   */
  public void passClientHeaders(HttpHeaders decoded, Predicate<CharSequence> passes) {
    this.clientHeaders = decoded;
    this.clientHeaderPasses = passes;
  }

  /**
   * All the request's headers as one map that may be changed (for a balancer's hook), made on the map's first use
   * only ({@link #requestHeaders}).
   */
  public MultiMap requestHeadersToEdit() {
    return requestHeaders != null ? requestHeaders : new HeadersOnFirstUse();
  }

  /** Whether the request declares its body's length: then it is sent as it is, else chunked. */
  private boolean declaresLength() {
    if (header(HttpHeaderNames.CONTENT_LENGTH) != null) {
      return true;
    }
    HttpHeaders client = clientHeaders;
    return client != null && client.contains(HttpHeaderNames.CONTENT_LENGTH)
        && clientHeaderPasses.test(HttpHeaderNames.CONTENT_LENGTH);
  }

  /**
   * All the request's headers for a balancer's hook, made on the first use of any method: most hooks leave the
   * headers alone, and then the client's go on as decoded.
   */
  private final class HeadersOnFirstUse implements MultiMap {
    private MultiMap all() {
      return requestHeaders();
    }

    @Override
    public String get(CharSequence name) {
      return all().get(name);
    }

    @Override
    public String get(String name) {
      return all().get(name);
    }

    @Override
    public List<String> getAll(String name) {
      return all().getAll(name);
    }

    @Override
    public List<String> getAll(CharSequence name) {
      return all().getAll(name);
    }

    @Override
    public boolean contains(String name) {
      return all().contains(name);
    }

    @Override
    public boolean contains(CharSequence name) {
      return all().contains(name);
    }

    @Override
    public boolean isEmpty() {
      return all().isEmpty();
    }

    @Override
    public Set<String> names() {
      return all().names();
    }

    @Override
    public MultiMap add(String name, String value) {
      all().add(name, value);
      return this;
    }

    @Override
    public MultiMap add(CharSequence name, CharSequence value) {
      all().add(name, value);
      return this;
    }

    @Override
    public MultiMap add(String name, Iterable<String> values) {
      all().add(name, values);
      return this;
    }

    @Override
    public MultiMap add(CharSequence name, Iterable<CharSequence> values) {
      all().add(name, values);
      return this;
    }

    @Override
    public MultiMap addAll(MultiMap map) {
      all().addAll(map);
      return this;
    }

    @Override
    public MultiMap addAll(Map<String, String> headers) {
      all().addAll(headers);
      return this;
    }

    @Override
    public MultiMap set(String name, String value) {
      all().set(name, value);
      return this;
    }

    @Override
    public MultiMap set(CharSequence name, CharSequence value) {
      all().set(name, value);
      return this;
    }

    @Override
    public MultiMap set(String name, Iterable<String> values) {
      all().set(name, values);
      return this;
    }

    @Override
    public MultiMap set(CharSequence name, Iterable<CharSequence> values) {
      all().set(name, values);
      return this;
    }

    @Override
    public MultiMap setAll(MultiMap map) {
      all().setAll(map);
      return this;
    }

    @Override
    public MultiMap setAll(Map<String, String> headers) {
      all().setAll(headers);
      return this;
    }

    @Override
    public MultiMap remove(String name) {
      all().remove(name);
      return this;
    }

    @Override
    public MultiMap remove(CharSequence name) {
      all().remove(name);
      return this;
    }

    @Override
    public MultiMap clear() {
      all().clear();
      return this;
    }

    @Override
    public int size() {
      return all().size();
    }

    @Override
    public boolean isMutable() {
      return true;
    }

    @Override
    public MultiMap copy(boolean mutable) {
      return all().copy(mutable);
    }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
      return all().iterator();
    }

    @Override
    public String toString() {
      return all().toString();
    }
  }

  /** Sends the request without a body. */
  public void send(Completable<OriginResponse> onHead) {
    sendWhole(Unpooled.EMPTY_BUFFER, onHead);
  }

  /** Sends the request with {@code body} (a retry may send the same buffer again); sets its Content-Length. */
  public void send(Buffer body, Completable<OriginResponse> onHead) {
    setHeader(HeaderNames.CONTENT_LENGTH, Integer.toString(body.length()));
    sendWhole(((BufferInternal) body).getByteBuf(), onHead);
  }

  private void sendWhole(ByteBuf body, Completable<OriginResponse> onHead) {
    this.onHead = onHead;
    requestSent = true;
    if (body.isReadable()) {
      connection.write(head(), false);
      connection.write(body, true);
    } else {
      connection.write(head(), true);
    }
    connection.requestWritten(this);
  }

  /** The request line and the headers, as bytes: {@code METHOD URI HTTP/1.x}, one line per header, a blank line. */
  private ByteBuf head() {
    ByteBuf head = connection.alloc().buffer(256);
    ByteBufUtil.copy(method.asciiName(), head);
    head.writeByte(' ');
    head.writeCharSequence(uri, StandardCharsets.ISO_8859_1);   // a byte string, as the client's request line
    head.writeByte(' ');
    ByteBufUtil.writeAscii(head, version.text());
    head.writeShort(CRLF);
    if (requestHeaders != null) {
      for (Iterator<Map.Entry<CharSequence, CharSequence>> it = requestHeaders.iteratorCharSequence(); it.hasNext(); ) {
        Map.Entry<CharSequence, CharSequence> h = it.next();
        writeHeader(head, h.getKey(), h.getValue());
      }
    }
    for (int i = 0; i < ownLength; i += 2) {
      writeHeader(head, own[i], own[i + 1]);
    }
    HttpHeaders client = clientHeaders;
    if (client != null) {
      for (Iterator<Map.Entry<CharSequence, CharSequence>> it = client.iteratorCharSequence(); it.hasNext(); ) {
        Map.Entry<CharSequence, CharSequence> h = it.next();
        if (clientHeaderPasses.test(h.getKey())) {
          writeHeader(head, h.getKey(), h.getValue());
        }
      }
    }
    head.writeShort(CRLF);
    return head;
  }

  /** {@code name: value} and a line end; a value's bytes as the client sent them (Latin-1 chars are bytes). */
  private static void writeHeader(ByteBuf head, CharSequence name, CharSequence value) {
    writeLatin1(head, name);
    head.writeShort(COLON_SPACE);
    writeLatin1(head, value);
    head.writeShort(CRLF);
  }

  private static void writeLatin1(ByteBuf head, CharSequence text) {
    if (text instanceof AsciiString a) {
      ByteBufUtil.copy(a, head);
    } else {
      head.writeCharSequence(text, StandardCharsets.ISO_8859_1);
    }
  }

  /**
   * Sends the request with the body {@code source} gives, as it comes (chunked unless the headers declare a
   * length), pausing {@code source} while the connection's write buffer is full.
   */
  public void send(ReadStream<Buffer> source, Completable<OriginResponse> onHead) {
    this.onHead = onHead;
    this.bodySource = source;
    boolean chunked = !declaresLength();
    if (chunked) {
      setHeader(HeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    connection.write(head(), false);
    source.handler(buf -> {
      if (over || buf.length() == 0) {
        return;
      }
      if (chunked) {
        ByteBuf size = connection.alloc().buffer(10);
        ByteBufUtil.writeAscii(size, Integer.toHexString(buf.length()));
        size.writeShort(CRLF);
        connection.write(size, false);
        connection.write(((BufferInternal) buf).getByteBuf(), false);
        connection.write(CHUNK_END.duplicate(), true);
      } else {
        connection.write(((BufferInternal) buf).getByteBuf(), true);
      }
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
        connection.write(chunked ? LAST_CHUNK.duplicate() : Unpooled.EMPTY_BUFFER, true);
        connection.requestWritten(this);
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

  // ------------------------------------------------------------------ the response, as the decoder reads it

  /** What {@link OriginResponseDecoder} reads for this exchange. */
  private final class Decoded implements OriginResponseDecoder.Listener {

    @Override
    public void head(OriginResponseDecoder.Head head, boolean complete) {
      if (over) {
        return;
      }
      response = head;
      if (complete) {
        // the head is the whole response: the connection is free before the proxy answers its client, whose
        // next request may be queued behind this one already
        responseRead();
      }
      Completable<OriginResponse> callback = onHead;
      onHead = null;
      if (callback != null) {
        dispatch(OriginExchange.this, callback::succeed);
      }
      if (complete) {
        deliver(END);
      }
    }

    @Override
    public void body(ByteBuf piece) {
      if (over) {
        piece.release();
      } else {
        deliver(BodyPieces.wrap(piece));   // the pooled bytes as read: no copy (BodyPieces)
      }
    }

    @Override
    public void end() {
      if (!over) {
        // the connection is free for the next request now, however slowly the body is taken from here
        responseRead();
        deliver(END);
      }
    }

    @Override
    public void invalid(String reason) {
      failed(new InvalidHeader(reason));
    }
  }

  private void responseRead() {
    ended = true;
    String connectionHeader = header(HttpHeaderNames.CONNECTION);
    boolean reusable = requestSent && version == HttpVersion.HTTP_1_1 && response.keepAlive()
        && (connectionHeader == null || !OriginResponseDecoder.hasToken(connectionHeader, "close"));
    connection.exchangeEnded(this, reusable);
  }

  private void deliver(Object item) {
    if (paused || handler == null || (queued != null && !queued.isEmpty())) {
      if (queued == null) {
        queued = new ArrayDeque<>(4);
      }
      queued.add(item);
      if (!ended) {
        connection.reading(false);
      }
      return;
    }
    dispatch(item, this::emit);
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

  /**
   * Bytes its connection read, for the decoder to turn into this exchange's response; false: bytes left over. What
   * one read decodes (often head, body and end at once) reaches the request's handlers in one dispatch on its
   * context, not one each.
   */
  boolean decoded(OriginResponseDecoder decoder, ByteBuf bytes) {
    ContextInternal previous = context.beginDispatch();   // as ContextInternal.dispatch, around the whole read
    decoding = true;
    try {
      return decoder.decode(bytes, decoded);
    } catch (Throwable t) {
      context.reportException(t);
      return false;
    } finally {
      decoding = false;
      context.endDispatch(previous);
    }
  }

  /** {@code event} to {@code handler} on the request's context; a handler's failure is the context's to report. */
  private <E> void dispatch(E event, Handler<E> handler) {
    if (!decoding) {
      context.dispatch(event, handler);
      return;
    }
    try {
      handler.handle(event);
    } catch (Throwable t) {
      context.reportException(t);
    }
  }

  /** The connection closed under this exchange: a premature close unless the whole response was read. */
  void connectionClosed(OriginResponseDecoder decoder) {
    if (!ended && !decoder.closed(decoded)) {
      failed(new PrematureClose());
    }
  }

  /** {@code proxy_send_timeout} ({@code sending}) or {@code proxy_read_timeout} ran out. */
  void timedOut(boolean sending) {
    failed(sending ? new SendTimedOut() : new TimeoutException("upstream timed out"));
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
      dispatch(cause, callback::fail);
    } else if (exceptionHandler != null) {
      Handler<Throwable> h = exceptionHandler;
      dispatch(cause, h);
    }
  }

  // ------------------------------------------------------------------ OriginResponse

  @Override
  public int statusCode() {
    return response.status();
  }

  @Override
  public String statusMessage() {
    return response.reason();
  }

  @Override
  public MultiMap headers() {
    return response.headers();
  }

  @Override
  public ClientHeadersMemo clientHeadersMemo() {
    return response.clientHeaders();
  }

  @Override
  public long contentLength() {
    return response.contentLength();   // read by the decoder, which refuses an invalid one
  }

  @Override
  public boolean accelBufferingOff() {
    return response.accelBufferingOff();
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
        connection.reading(false);
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
      connection.reading(true);
    }
  }
}
