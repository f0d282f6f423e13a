package io.xgate.gateway.origin;

import io.vertx.core.MultiMap;
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

  MultiMap headers();

  /** Drops the response: its connection is closed, never reused half-read. Nothing is called back after it. */
  void reset();
}
