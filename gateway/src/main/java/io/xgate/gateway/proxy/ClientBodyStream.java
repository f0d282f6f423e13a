package io.xgate.gateway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;
import io.xgate.gateway.http.EventTime;

/**
 * A client's request body as the proxy reads it, under nginx's {@code client_body_timeout}: while the proxy wants
 * bytes (the stream is not paused) and the client sends none for that long, {@code timedOut} runs, once. As in
 * nginx, a pause (a temp file being written, an origin not taking the body yet) stops the clock and the reading's
 * resumption starts it anew; each arriving piece starts it anew too.
 *
 * <p>The request is paused when this is made (the proxy holds a body until it is read or a peer takes it). One
 * timer, moved only when it fires, watches the time; {@link #stop} cancels it.
 */
final class ClientBodyStream implements ReadStream<Buffer> {

  private final Vertx vertx;
  private final HttpServerRequest request;
  private final long timeoutNanos;
  private final Runnable timedOut;
  private boolean paused = true;
  private boolean over;
  private long lastNanos;
  private long timerId = -1;
  /** {@code client_max_body_size} for a body that streams (0: none), the bytes so far, and who hears of the excess. */
  private long maxSize;
  private long length;
  private java.util.function.Consumer<RequestBody.TooLarge> tooLarge;

  /**
   * @param request the client's request, paused
   * @param timeoutMs {@code client_body_timeout}
   * @param timedOut what to do when the client is late (runs on the request's context)
   */
  ClientBodyStream(Vertx vertx, HttpServerRequest request, long timeoutMs, Runnable timedOut) {
    this.vertx = vertx;
    this.request = request;
    this.timeoutNanos = timeoutMs * 1_000_000;
    this.timedOut = timedOut;
  }

  @Override
  public ClientBodyStream handler(Handler<Buffer> handler) {
    request.handler(handler == null ? null : piece -> {
      lastNanos = EventTime.nanos();
      if (maxSize > 0 && (length += piece.length()) > maxSize) {
        java.util.function.Consumer<RequestBody.TooLarge> told = tooLarge;
        tooLarge = null;
        if (told != null) {   // the piece that goes over the limit is not passed on, nor anything after it
          stop();
          told.accept(new RequestBody.TooLarge(length - piece.length(), piece.length()));
        }
        return;
      }
      handler.handle(piece);
    });
    return this;
  }

  /**
   * Holds a body that streams to {@code client_max_body_size} (nginx checks it as the bytes come, buffered or not):
   * the piece that goes over it is not passed on and {@code tooLarge} hears of it, once.
   */
  ClientBodyStream limit(long maxSize, java.util.function.Consumer<RequestBody.TooLarge> tooLarge) {
    this.maxSize = maxSize;
    this.tooLarge = tooLarge;
    return this;
  }

  @Override
  public ClientBodyStream exceptionHandler(Handler<Throwable> handler) {
    request.exceptionHandler(handler);
    return this;
  }

  @Override
  public ClientBodyStream endHandler(Handler<Void> endHandler) {
    request.endHandler(v -> {
      stop();
      if (endHandler != null) {
        endHandler.handle(v);
      }
    });
    return this;
  }

  @Override
  public ClientBodyStream pause() {
    paused = true;
    request.pause();
    return this;
  }

  @Override
  public ClientBodyStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public ClientBodyStream fetch(long amount) {
    wanted();
    request.fetch(amount);
    return this;
  }

  /** The body is read, or no longer wanted: no more timing. Idempotent. */
  void stop() {
    over = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  private void wanted() {
    paused = false;
    lastNanos = EventTime.nanos();
    if (!over && timerId < 0) {
      arm(timeoutNanos);
    }
  }

  private void arm(long delayNanos) {
    timerId = vertx.setTimer(Math.max(1, (delayNanos + 999_999) / 1_000_000), id -> fired());
  }

  private void fired() {
    timerId = -1;
    if (over || paused) {
      return;   // paused: armed again when the reading resumes
    }
    long silent = System.nanoTime() - lastNanos;
    if (silent >= timeoutNanos) {
      stop();
      timedOut.run();
    } else {
      arm(timeoutNanos - silent);
    }
  }
}
