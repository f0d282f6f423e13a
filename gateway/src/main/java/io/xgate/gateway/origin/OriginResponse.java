package io.xgate.gateway.origin;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * An origin's response as the proxy reads it: the head, then the body as a stream that can be paused (backpressure
 * towards the origin) and ends once. The proxy's own origin client ({@link OriginExchange}) and Vert.x's client
 * (for connection upgrades, {@link VertxOriginResponse}) both give one.
 */
public interface OriginResponse extends ReadStream<Buffer> {

  int statusCode();

  /** The reason phrase of the status line, possibly empty. */
  String statusMessage();

  /** The response's headers, to be read only: a head an origin repeats shares them with its earlier responses. */
  MultiMap headers();

  /**
   * Where the proxy keeps the client's headers it made from this response's head, for the next response that
   * repeats the head; null when responses keep none.
   */
  default ClientHeadersMemo clientHeadersMemo() {
    return null;
  }

  /**
   * The body's length from {@code Content-Length}, or -1 without one (or with {@code Transfer-Encoding}, or an
   * invalid one).
   */
  default long contentLength() {
    String length = headers().get(HttpHeaders.CONTENT_LENGTH);
    if (length == null || headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      return -1;
    }
    try {
      return Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Whether the origin turned buffering off for this response ({@code X-Accel-Buffering: no}, as nginx). */
  default boolean accelBufferingOff() {
    return "no".equalsIgnoreCase(headers().get("X-Accel-Buffering"));
  }

  /** Drops the response: its connection is closed, never reused half-read. Nothing is called back after it. */
  void reset();
}
