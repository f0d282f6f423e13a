package io.xgate.gateway.origin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.xgate.spi.ConfigValues;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the responses of one origin connection from its bytes, as nginx's proxy module does
 * ({@code ngx_http_proxy_process_status_line}, {@code ngx_http_proxy_process_header}, then the body by its length,
 * chunked, or up to the close), without Netty's HTTP objects: the head is parsed in one pass into the headers the
 * proxy forwards, and the body's pieces are slices of the bytes as read.
 *
 * <p>One response at a time, announced by {@link #expect}. Informational responses (1xx other than 101) are skipped
 * for the final one (nginx 1.22 takes a 100 for the answer); trailers are read and dropped. What nginx calls "upstream sent invalid header"
 * ends the decoding with {@link Listener#invalid}: a status line that is not {@code HTTP/x.y NNN}, a header line
 * folded, with a space before its colon or with characters a header may not hold, a head larger than its limit
 * (nginx's {@code proxy_buffer_size}: "upstream sent too big header"), two {@code Content-Length}s that differ, or
 * a malformed chunk. As nginx 1.22 reads them: a line without a colon is a header with an empty value; a
 * {@code Content-Length} that is not a number gives no length (the body ends with the connection); a
 * {@code Transfer-Encoding} that holds "chunked" makes the body chunked, whatever else it says or a
 * {@code Content-Length} says (the connection is then not kept), and one that does not is ignored.
 * Not thread safe: the connection's event loop runs it.
 */
final class OriginResponseDecoder {

  /** A trailer line longer than this makes the response invalid. */
  static final int MAX_TRAILER_LINE = 12 * 1024;
  private static final int MAX_CHUNK_LINE = 4 * 1024;
  private static final byte CR = '\r';
  private static final byte LF = '\n';

  /**
   * What a response's head says. The same head goes with every response whose head repeats it byte for byte: its
   * headers are read, never changed, and what the proxy makes of them for its client is kept in {@code clientHeaders}.
   */
  record Head(int status, String reason, HeadersMultiMap headers, boolean keepAlive,
      ClientHeadersMemo clientHeaders, long contentLength, boolean accelBufferingOff) {
  }

  /** Where the decoded response goes; the body's pieces belong to the listener (each to be released once). */
  interface Listener {
    /** The final head; {@code complete}: nothing follows it (no body, or a body of length 0). */
    void head(Head head, boolean complete);

    void body(ByteBuf piece);

    /** The body was read in full (trailers dropped). */
    void end();

    /** The response cannot be read; nothing more is decoded. */
    void invalid(String reason);
  }

  private enum State { IDLE, HEAD, FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, UNTIL_CLOSE, BROKEN }

  private final int maxPiece;
  private State state = State.IDLE;
  /** Counts {@link #expect}: a response that ends lets its connection carry the next request at once. */
  private int generation;
  private boolean headRequest;
  private int headLimit;
  private long remaining;
  /** Bytes of a head, chunk line or trailer that are not complete yet. */
  private ByteBuf partial;
  private byte[] line = new byte[512];
  /**
   * The strings of the previous head by position (the reason, then each line's name and value): an origin repeats
   * most of its header lines from one response to the next, and an equal line reuses them instead of new ones.
   */
  private final String[] previousHead = new String[1 + 2 * 16];
  /**
   * The last final head decoded (its bytes and whether it answered a HEAD) and what it decoded to: an origin sends
   * the same head again and again (but for its {@code Date}, once a second), and equal bytes decode the same way, so
   * an equal head is delivered again without being parsed. {@code memoLength} is -1 while there is none.
   */
  private byte[] memoBytes = new byte[0];
  private int memoLength = -1;
  private boolean memoHeadRequest;
  private Head memoHead;
  private State memoState;
  private long memoRemaining;

  OriginResponseDecoder(int maxPiece) {
    this.maxPiece = maxPiece;
  }

  /**
   * The next response answers a request with this method (a HEAD's response has no body) and may have a head of
   * {@code headLimit} bytes at most, status line and blank line included (nginx's {@code proxy_buffer_size}).
   */
  void expect(boolean headRequest, int headLimit) {
    this.headRequest = headRequest;
    this.headLimit = headLimit;
    generation++;
    state = State.HEAD;
    dropPartial();
  }

  /**
   * Decodes {@code in} (released here) for {@code listener}.
   *
   * @return false when bytes are left that no request asked for (after the end of a response, or before any): the
   *     connection can no longer be trusted
   */
  boolean decode(ByteBuf in, Listener listener) {
    ByteBuf buf = in;
    if (partial != null) {
      partial.writeBytes(in);
      in.release();
      buf = partial;
      partial = null;
    }
    int current = generation;
    try {
      while (buf.isReadable()) {
        if (generation != current) {
          return false;   // the response ended and the next request went out: the origin sent bytes nobody asked for
        }
        switch (state) {
          case IDLE:
            return false;
          case BROKEN:
            buf.skipBytes(buf.readableBytes());
            return true;
          case HEAD:
            if (!head(buf, listener)) {
              return true;
            }
            break;
          case FIXED:
          case UNTIL_CLOSE:
          case CHUNK_DATA:
            bodyPiece(buf, listener);
            break;
          case CHUNK_SIZE:
            if (!chunkSize(buf, listener)) {
              return true;
            }
            break;
          case CHUNK_DATA_END:
            if (!chunkDataEnd(buf, listener)) {
              return true;
            }
            break;
          case TRAILERS:
            if (!trailers(buf, listener)) {
              return true;
            }
            break;
          default:
            throw new IllegalStateException(state.name());
        }
      }
      return true;
    } finally {
      buf.release();
    }
  }

  /**
   * The connection closed: a body that runs up to the close is complete now.
   *
   * @return whether the response ended here
   */
  boolean closed(Listener listener) {
    dropPartial();
    if (state == State.UNTIL_CLOSE) {
      state = State.IDLE;
      listener.end();
      return true;
    }
    return false;
  }

  /** Drops what waits for more bytes; the decoder reads nothing more until the next {@link #expect}. */
  void release() {
    dropPartial();
    state = State.IDLE;
  }

  private void dropPartial() {
    if (partial != null) {
      partial.release();
      partial = null;
    }
  }

  /** Keeps the unread rest of {@code buf} for the next read. */
  private void keepRest(ByteBuf buf) {
    ByteBuf rest = Unpooled.buffer(Math.max(256, buf.readableBytes() * 2));
    rest.writeBytes(buf);
    partial = rest;
  }

  private void fail(ByteBuf buf, Listener listener, String reason) {
    state = State.BROKEN;
    buf.skipBytes(buf.readableBytes());
    listener.invalid(reason);
  }

  // ------------------------------------------------------------------ the head

  /** Reads one head if it is all there; false when more bytes are needed (or the head was invalid). */
  private boolean head(ByteBuf buf, Listener listener) {
    int start = buf.readerIndex();
    int end = buf.writerIndex();
    byte b;
    while (start < end && ((b = buf.getByte(start)) == CR || b == LF)) {
      start++;   // blank lines before a status line (after a body with a stray CRLF) are skipped, as Netty does
    }
    buf.readerIndex(start);
    int headEnd = -1;
    for (int pos = start; pos < end; ) {
      int lf = buf.indexOf(pos, end, LF);
      if (lf < 0) {
        break;
      }
      if (lf == pos || (lf == pos + 1 && buf.getByte(pos) == CR)) {
        headEnd = lf + 1;
        break;
      }
      pos = lf + 1;
    }
    int length = (headEnd < 0 ? end : headEnd) - start;
    if (length > headLimit) {
      fail(buf, listener, "upstream sent too big header");
      return false;
    }
    if (headEnd < 0) {
      keepRest(buf);
      return false;
    }
    if (line.length < length) {
      line = new byte[Math.max(length, line.length * 2)];
    }
    buf.getBytes(start, line, 0, length);
    buf.readerIndex(headEnd);
    if (length == memoLength && headRequest == memoHeadRequest
        && Arrays.equals(line, 0, length, memoBytes, 0, length)) {
      deliver(memoHead, memoState, memoRemaining, listener);
      return true;
    }
    return parseHead(line, length, buf, listener);
  }

  /** Hands {@code head} to the listener with the decoder in the state the body needs. */
  private void deliver(Head head, State next, long bodyLength, Listener listener) {
    state = next;
    remaining = bodyLength;
    listener.head(head, next == State.IDLE);
  }

  private boolean parseHead(byte[] h, int length, ByteBuf buf, Listener listener) {
    int lf = indexOf(h, 0, length, LF);
    int lineEnd = lf > 0 && h[lf - 1] == CR ? lf - 1 : lf;
    // HTTP/x.y SP NNN [SP reason]
    if (lineEnd < 12 || h[0] != 'H' || h[1] != 'T' || h[2] != 'T' || h[3] != 'P' || h[4] != '/'
        || !digit(h[5]) || h[6] != '.' || !digit(h[7]) || h[8] != ' '
        || !digit(h[9]) || !digit(h[10]) || !digit(h[11]) || (lineEnd > 12 && h[12] != ' ')) {
      fail(buf, listener, "upstream sent no valid HTTP/1.0 header");
      return false;
    }
    boolean http11 = h[5] > '1' || (h[5] == '1' && h[7] >= '1');
    int status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
    if (status < 100) {
      fail(buf, listener, "upstream sent no valid HTTP/1.0 header");
      return false;
    }
    if (status < 200 && status != 101) {
      return true;   // 100 Continue, 103 Early Hints: nginx waits for the final response
    }
    String reason = lineEnd > 13 ? trimmed(h, 13, lineEnd) : "";   // slot 0 of previousHead
    HeadersMultiMap headers = HeadersMultiMap.caseInsensitive();
    long contentLength = -1;
    int lengths = 0;
    boolean chunked = false;
    boolean close = !http11;   // nginx keeps no HTTP/1.0 origin connection alive (ngx_http_proxy_process_status_line)
    boolean accelBufferingOff = false;
    int lines = 0;
    // One pass over each line. The head ends with the LF of its blank line, which no scan below passes over.
    for (int pos = lf + 1; pos < length; ) {
      if (h[pos] == LF || (h[pos] == CR && h[pos + 1] == LF)) {
        break;   // the blank line
      }
      int i = pos;
      while (IN_NAME[h[i] & 0xFF]) {
        i++;
      }
      int nameEnd = i;
      boolean colon = h[i] == ':';
      if (nameEnd == pos || !(colon || h[i] == LF || (h[i] == CR && h[i + 1] == LF))) {
        // a space or a tab before the colon too, and a folded line (it starts with one), as nginx 1.21.1+ refuses
        fail(buf, listener, "upstream sent invalid header");
        return false;
      }
      if (colon) {   // a line without a colon is a header with an empty value, as nginx takes it
        i++;
      }
      while (h[i] == ' ' || h[i] == '\t') {
        i++;
      }
      int valueStart = i;
      for (int c; (c = h[i] & 0xFF) != LF; i++) {
        if ((c < ' ' && c != '\t' && (c != CR || h[i + 1] != LF)) || c == 0x7F) {
          fail(buf, listener, "upstream sent invalid header");   // a control character, but a tab or the CRLF
          return false;
        }
      }
      int eol = i;
      int valueEnd = eol > valueStart && h[eol - 1] == CR ? eol - 1 : eol;
      while (valueEnd > valueStart && (h[valueEnd - 1] == ' ' || h[valueEnd - 1] == '\t')) {
        valueEnd--;
      }
      String name = latin1(h, pos, nameEnd, 1 + 2 * lines);
      String value = latin1(h, valueStart, valueEnd, 2 + 2 * lines);
      lines++;
      int nameLength = nameEnd - pos;
      if (nameLength == 14 && name.equalsIgnoreCase("Content-Length")) {
        // nginx 1.22 takes the last one, and a value that is not a number as no length (the body ends with the
        // connection); two that differ are refused here, as later nginx versions refuse them. The client gets one
        // length, or none when there is none.
        long declared = ConfigValues.parseNumber(value);
        if (lengths++ > 0 && declared != contentLength) {
          fail(buf, listener, "upstream sent duplicate header line: \"Content-Length: " + value + "\"");
          return false;
        }
        if (lengths == 1 && declared >= 0) {
          headers.add(name, value);
        }
        contentLength = declared;
      } else {
        headers.add(name, value);
        if (nameLength == 17 && name.equalsIgnoreCase("Transfer-Encoding")) {
          chunked |= containsIgnoreCase(value, "chunked");   // as nginx finds it; other codings are not undone
        } else if (nameLength == 10 && name.equalsIgnoreCase("Connection") && hasToken(value, "close")) {
          close = true;
        } else if (nameLength == 17 && name.equalsIgnoreCase("X-Accel-Buffering")) {
          accelBufferingOff = value.equalsIgnoreCase("no");   // the last one counts, as in nginx
        }
      }
      pos = eol + 1;
    }
    if (chunked && lengths > 0) {
      contentLength = -1;   // chunked, as nginx reads it; a response that says both leaves its connection unused
      close = true;
      headers.remove("Content-Length");
    }
    boolean bodyless = headRequest || status == 204 || status == 304 || status == 101;
    State next;
    boolean keepAlive;
    if (bodyless || contentLength == 0) {
      next = State.IDLE;
      keepAlive = !close && status != 101;
    } else if (chunked) {
      next = State.CHUNK_SIZE;
      keepAlive = !close;
    } else if (contentLength > 0) {
      next = State.FIXED;
      keepAlive = !close;
    } else {
      next = State.UNTIL_CLOSE;
      keepAlive = false;
    }
    Head head = new Head(status, reason, headers, keepAlive, new ClientHeadersMemo(), contentLength,
        accelBufferingOff);
    if (memoBytes.length < length) {
      memoBytes = new byte[Math.max(length, 2 * memoBytes.length)];
    }
    System.arraycopy(h, 0, memoBytes, 0, length);
    memoLength = length;
    memoHeadRequest = headRequest;
    memoHead = head;
    memoState = next;
    memoRemaining = contentLength;
    deliver(head, next, contentLength, listener);
    return true;
  }

  // ------------------------------------------------------------------ the body

  private void bodyPiece(ByteBuf buf, Listener listener) {
    int n = Math.min(buf.readableBytes(), maxPiece);
    if (state != State.UNTIL_CLOSE && remaining < n) {
      n = (int) remaining;
    }
    ByteBuf piece = buf.readRetainedSlice(n);
    if (state == State.UNTIL_CLOSE) {
      listener.body(piece);
      return;
    }
    remaining -= n;
    if (remaining > 0) {
      listener.body(piece);
    } else if (state == State.CHUNK_DATA) {
      state = State.CHUNK_DATA_END;
      listener.body(piece);
    } else {
      state = State.IDLE;
      listener.body(piece);
      listener.end();
    }
  }

  /**
   * The index of the LF ending the line at the reader index of a chunked body; -1 when the line is not complete
   * (its start is kept for the next read) or longer than {@code limit} (the response is invalid).
   */
  private int lineEnd(ByteBuf buf, Listener listener, int limit) {
    int lf = buf.indexOf(buf.readerIndex(), buf.writerIndex(), LF);
    if (lf < 0) {
      if (buf.readableBytes() > limit) {
        fail(buf, listener, "upstream sent invalid chunked response");
      } else {
        keepRest(buf);
      }
    }
    return lf;
  }

  /** {@code size [; extensions] CRLF}; false when more bytes are needed. */
  private boolean chunkSize(ByteBuf buf, Listener listener) {
    int start = buf.readerIndex();
    int lf = lineEnd(buf, listener, MAX_CHUNK_LINE);
    if (lf < 0) {
      return false;
    }
    long size = 0;
    int digits = 0;
    int i = start;
    for (; i < lf; i++) {
      int d = Character.digit(buf.getByte(i), 16);
      if (d < 0) {
        break;
      }
      if (++digits > 15) {
        fail(buf, listener, "upstream sent invalid chunked response");
        return false;
      }
      size = size * 16 + d;
    }
    byte after = i < lf ? buf.getByte(i) : LF;
    if (digits == 0 || !(after == ';' || after == ' ' || after == '\t' || after == CR || after == LF)
        || (after == CR && i != lf - 1)) {
      fail(buf, listener, "upstream sent invalid chunked response");
      return false;
    }
    buf.readerIndex(lf + 1);
    if (size == 0) {
      state = State.TRAILERS;
    } else {
      state = State.CHUNK_DATA;
      remaining = size;
    }
    return true;
  }

  private boolean chunkDataEnd(ByteBuf buf, Listener listener) {
    byte b = buf.getByte(buf.readerIndex());
    if (b == LF) {
      buf.skipBytes(1);
    } else if (b != CR) {
      fail(buf, listener, "upstream sent invalid chunked response");
      return false;
    } else if (buf.readableBytes() < 2) {
      keepRest(buf);
      return false;
    } else if (buf.getByte(buf.readerIndex() + 1) != LF) {
      fail(buf, listener, "upstream sent invalid chunked response");
      return false;
    } else {
      buf.skipBytes(2);
    }
    state = State.CHUNK_SIZE;
    return true;
  }

  /** The trailer lines after the last chunk, up to the blank line: dropped, as nginx does. */
  private boolean trailers(ByteBuf buf, Listener listener) {
    while (true) {
      int start = buf.readerIndex();
      int lf = lineEnd(buf, listener, MAX_TRAILER_LINE);
      if (lf < 0) {
        return false;
      }
      buf.readerIndex(lf + 1);
      if (lf == start || (lf == start + 1 && buf.getByte(start) == CR)) {
        state = State.IDLE;
        listener.end();
        return true;
      }
    }
  }

  // ------------------------------------------------------------------ bytes

  private static int indexOf(byte[] h, int from, int to, byte b) {
    for (int i = from; i < to; i++) {
      if (h[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static boolean digit(byte b) {
    return b >= '0' && b <= '9';
  }

  private String trimmed(byte[] h, int from, int to) {
    while (from < to && (h[from] == ' ' || h[from] == '\t')) {
      from++;
    }
    while (to > from && (h[to - 1] == ' ' || h[to - 1] == '\t')) {
      to--;
    }
    return latin1(h, from, to, 0);
  }

  /** The bytes {@code from..to} of {@code h} as a string: the previous head's at {@code slot} when they are equal. */
  private String latin1(byte[] h, int from, int to, int slot) {
    int n = to - from;
    if (slot >= previousHead.length) {
      return new String(h, from, n, StandardCharsets.ISO_8859_1);
    }
    String previous = previousHead[slot];
    if (previous != null && previous.length() == n) {
      int i = 0;
      while (i < n && previous.charAt(i) == (h[from + i] & 0xff)) {
        i++;
      }
      if (i == n) {
        return previous;
      }
    }
    String s = new String(h, from, n, StandardCharsets.ISO_8859_1);
    previousHead[slot] = s;
    return s;
  }

  /**
   * The bytes a header name may hold, as Vert.x checks a name the proxy sets on its client's response: visible
   * ASCII but the separators {@code "(),/:;<=>?@[\]{}}. A value may hold anything but control characters (a tab
   * is allowed), as Vert.x checks a value.
   */
  private static final boolean[] IN_NAME = new boolean[256];

  static {
    for (int c = '!'; c < 0x7F; c++) {
      IN_NAME[c] = "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }
  }

  /** Whether {@code value} holds {@code part} anywhere, in any case (nginx's {@code ngx_strlcasestrn}). */
  private static boolean containsIgnoreCase(String value, String part) {
    for (int i = 0; i + part.length() <= value.length(); i++) {
      if (value.regionMatches(true, i, part, 0, part.length())) {
        return true;
      }
    }
    return false;
  }

  /** Whether a comma-separated header value holds {@code token}, in any case. */
  static boolean hasToken(String value, String token) {
    int from = 0;
    int length = value.length();
    while (from <= length) {
      int comma = value.indexOf(',', from);
      int to = comma < 0 ? length : comma;
      int s = from;
      int e = to;
      while (s < e && (value.charAt(s) == ' ' || value.charAt(s) == '\t')) {
        s++;
      }
      while (e > s && (value.charAt(e - 1) == ' ' || value.charAt(e - 1) == '\t')) {
        e--;
      }
      if (e - s == token.length() && value.regionMatches(true, s, token, 0, token.length())) {
        return true;
      }
      if (comma < 0) {
        return false;
      }
      from = comma + 1;
    }
    return false;
  }
}
