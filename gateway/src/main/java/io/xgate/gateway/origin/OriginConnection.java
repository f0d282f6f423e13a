package io.xgate.gateway.origin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.internal.ContextInternal;
import io.xgate.gateway.http.EventTime;
import java.util.concurrent.TimeUnit;

/**
 * One connection to an origin peer: the one handler of its Netty pipeline, carrying one {@link OriginExchange} at a
 * time and idle in its {@link OriginPool} in between. The exchange writes its request as bytes; the responses are
 * read by the connection's {@link OriginResponseDecoder}.
 *
 * <p>One timer per connection serves both waits nginx times: while an exchange runs, the exchange's timeout without
 * a read or a write ({@code proxy_read_timeout}); while idle, {@code keepalive_timeout}. It is re-armed only when it
 * fires (a deadline moved later costs nothing per request), or when a shorter wait begins.
 */
public final class OriginConnection extends ChannelInboundHandlerAdapter {

  private final OriginPool pool;
  private final String host;
  private final int port;
  private final OriginResponseDecoder decoder = new OriginResponseDecoder(OriginPool.BODY_PIECE);
  private Channel channel;
  private OriginExchange exchange;
  private long requests;
  private boolean idle;
  private long idleSinceNanos;
  private long keepaliveTimeoutNanos;
  private long lastActivityNanos;
  private ScheduledFuture<?> timer;
  private long timerDeadlineNanos;

  OriginConnection(OriginPool pool, String host, int port) {
    this.pool = pool;
    this.host = host;
    this.port = port;
  }

  String host() {
    return host;
  }

  int port() {
    return port;
  }

  long requests() {
    return requests;
  }

  boolean isOpen() {
    return channel != null && channel.isActive();
  }

  /**
   * Starts this connection's next exchange: a request whose head the caller fills ({@link OriginExchange#headers})
   * and sends.
   *
   * @param context where the exchange's callbacks run (the request's context)
   * @param timeoutMs how long the exchange may go without a read or a write before it fails with a timeout
   * @param headLimit the largest response head accepted, in bytes ({@code proxy_buffer_size}); a larger one is
   *     invalid ("upstream sent too big header")
   */
  public OriginExchange exchange(ContextInternal context, HttpMethod method, String uri, HttpVersion version,
      long timeoutMs, int headLimit) {
    idle = false;
    requests++;
    lastActivityNanos = EventTime.nanos();
    exchange = new OriginExchange(this, context, method, uri, version);
    decoder.expect(method == HttpMethod.HEAD, headLimit);
    if (timeoutMs > 0) {
      long timeoutNanos = timeoutMs * 1_000_000;
      exchange.timeoutNanos = timeoutNanos;
      deadline(lastActivityNanos + timeoutNanos);
    }
    return exchange;
  }

  // ------------------------------------------------------------------ used by the exchange

  void write(Object msg, boolean flush) {
    lastActivityNanos = EventTime.nanos();
    if (flush) {
      channel.writeAndFlush(msg, channel.voidPromise());
    } else {
      channel.write(msg, channel.voidPromise());
    }
  }

  ByteBufAllocator alloc() {
    return channel.alloc();
  }

  boolean writable() {
    return channel.isWritable();
  }

  void autoRead(boolean on) {
    channel.config().setAutoRead(on);
  }

  /**
   * The exchange read its response in full: the connection goes back to the pool if it may carry another.
   */
  void exchangeEnded(OriginExchange ended, boolean reusable) {
    if (exchange != ended) {
      return;
    }
    exchange = null;
    if (reusable) {
      autoRead(true);   // an idle connection reads, so that the origin's close is seen at once
      pool.release(this);
    } else {
      close();
    }
  }

  /** The exchange is abandoned (failed, reset, timed out): the connection is closed, never reused. */
  void exchangeAborted(OriginExchange aborted) {
    if (exchange == aborted) {
      exchange = null;
      decoder.release();
      close();
    }
  }

  void close() {
    idle = false;
    if (channel != null) {
      channel.close();
    }
  }

  // ------------------------------------------------------------------ used by the pool

  void idle(long keepaliveTimeoutNanos) {
    idle = true;
    this.keepaliveTimeoutNanos = keepaliveTimeoutNanos;
    idleSinceNanos = EventTime.nanos();
    if (keepaliveTimeoutNanos > 0) {
      deadline(idleSinceNanos + keepaliveTimeoutNanos);
    }
  }

  // ------------------------------------------------------------------ the timer

  private void deadline(long atNanos) {
    if (timer != null && timerDeadlineNanos <= atNanos) {
      return;   // fires earlier and re-arms for the rest
    }
    if (timer != null) {
      timer.cancel(false);
    }
    timerDeadlineNanos = atNanos;
    timer = channel.eventLoop().schedule(this::timerFired, Math.max(0, atNanos - System.nanoTime()),
        TimeUnit.NANOSECONDS);
  }

  private void timerFired() {
    timer = null;
    long now = System.nanoTime();
    if (exchange != null && exchange.timeoutNanos > 0) {
      long due = lastActivityNanos + exchange.timeoutNanos;
      if (now - due >= 0) {
        exchange.timedOut();
      } else {
        deadline(due);
      }
    } else if (idle && keepaliveTimeoutNanos > 0) {
      long due = idleSinceNanos + keepaliveTimeoutNanos;
      if (now - due >= 0) {
        close();
      } else {
        deadline(due);
      }
    }
  }

  // ------------------------------------------------------------------ Netty

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    EventTime event = EventTime.begin();   // the response's handling, up to the client's write, takes this time
    try {
      lastActivityNanos = EventTime.nanos();
      OriginExchange current = exchange;
      if (current == null || !(msg instanceof ByteBuf bytes)) {
        // bytes nobody asked for (on an idle connection): the connection can no longer be trusted
        ReferenceCountUtil.release(msg);
        close();
        return;
      }
      if (!current.decoded(decoder, bytes)) {
        close();
      }
    } finally {
      event.end();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null && channel.isWritable()) {
      exchange.writable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    idle = false;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    pool.closed(this);
    OriginExchange current = exchange;
    if (current != null) {
      current.connectionClosed(decoder);   // a body that runs up to the close ends here
    }
    exchange = null;
    decoder.release();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    OriginExchange current = exchange;
    if (current != null) {
      current.failed(cause);
    }
    close();
  }
}
