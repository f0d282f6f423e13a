package io.xgate.gateway.origin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
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
 * <p>One timer per connection serves the waits nginx times, each in its phase of an exchange:
 * <ul>
 *   <li>sending the request: {@code proxy_send_timeout}, and only while bytes of the request wait for the origin to
 *       take them (not while the proxy waits for the client's body), from the last write or the last progress;</li>
 *   <li>reading the response: {@code proxy_read_timeout}, from the moment the request's last byte was taken, then
 *       from each read; not while the exchange stopped reading because its client does not take the answer yet
 *       (nginx stops reading the origin then too; its own {@code send_timeout} guards the client);</li>
 *   <li>idle in the pool: {@code keepalive_timeout}.</li>
 * </ul>
 * The timer is re-armed only when it fires (a deadline moved later costs nothing per request), or when a shorter
 * wait begins. Netty reports no partial write, so while request bytes wait the connection looks at its outbound
 * buffer every half {@code proxy_send_timeout}: an origin that takes nothing fails the exchange 1 to 1.5 times
 * that after the last progress (nginx: exactly).
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
  /** The running exchange's {@code proxy_send_timeout} and {@code proxy_read_timeout}; 0: none. */
  private long sendTimeoutNanos;
  private long readTimeoutNanos;
  /** The running exchange's request was taken by the origin to its last byte: reading is timed from then. */
  private boolean requestTaken;
  /** The running exchange stopped reading (its client lags): the origin is not timed meanwhile. */
  private boolean readingStopped;
  /** Request bytes waiting in the outbound buffer at the timer's last look (progress is their decrease). */
  private long pendingAtLastLook;
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
   * @param readTimeoutMs {@code proxy_read_timeout}: how long the response may go without a read once the request
   *     was sent (0: no limit)
   * @param sendTimeoutMs {@code proxy_send_timeout}: how long the origin may take none of the request's bytes that
   *     wait for it (0: no limit)
   * @param headLimit the largest response head accepted, in bytes ({@code proxy_buffer_size}); a larger one is
   *     invalid ("upstream sent too big header")
   */
  public OriginExchange exchange(ContextInternal context, HttpMethod method, String uri, HttpVersion version,
      long readTimeoutMs, long sendTimeoutMs, int headLimit) {
    idle = false;
    requests++;
    lastActivityNanos = EventTime.nanos();
    readTimeoutNanos = Math.max(0, readTimeoutMs) * 1_000_000;
    sendTimeoutNanos = Math.max(0, sendTimeoutMs) * 1_000_000;
    requestTaken = false;
    readingStopped = false;
    pendingAtLastLook = 0;
    exchange = new OriginExchange(this, context, method, uri, version);
    decoder.expect(method == HttpMethod.HEAD, headLimit);
    return exchange;   // the request's writes arm the send timer, its last one the read timer
  }

  // ------------------------------------------------------------------ used by the exchange

  void write(Object msg, boolean flush) {
    lastActivityNanos = EventTime.nanos();
    if (flush) {
      channel.writeAndFlush(msg, channel.voidPromise());
    } else {
      channel.write(msg, channel.voidPromise());
    }
    if (!requestTaken && sendTimeoutNanos > 0) {
      deadline(lastActivityNanos + sendTimeoutNanos);
    }
  }

  /**
   * The exchange wrote its request's last byte: once the origin has taken it all, the response is awaited and
   * {@code proxy_read_timeout} runs. Mostly the socket took everything at once; otherwise an empty write queued
   * behind the request says when it has.
   */
  void requestWritten(OriginExchange written) {
    if (pendingBytes() == 0) {
      requestTaken(written);
    } else {
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
        if (f.isSuccess()) {
          requestTaken(written);
        }
      });
    }
  }

  private void requestTaken(OriginExchange written) {
    if (exchange != written || requestTaken) {
      return;
    }
    requestTaken = true;
    lastActivityNanos = EventTime.nanos();
    if (readTimeoutNanos > 0 && !readingStopped) {
      deadline(lastActivityNanos + readTimeoutNanos);
    }
  }

  private long pendingBytes() {
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    return out == null ? 0 : out.totalPendingWriteBytes();
  }

  ByteBufAllocator alloc() {
    return channel.alloc();
  }

  boolean writable() {
    return channel.isWritable();
  }

  /**
   * The exchange stops reading (its client lags: what was read waits) or reads on. While stopped, the origin is not
   * timed; reading on starts {@code proxy_read_timeout} afresh.
   */
  void reading(boolean on) {
    channel.config().setAutoRead(on);
    if (on == !readingStopped) {
      return;
    }
    readingStopped = !on;
    if (on) {
      lastActivityNanos = EventTime.nanos();
      if (requestTaken && readTimeoutNanos > 0) {
        deadline(lastActivityNanos + readTimeoutNanos);
      }
    }
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
      channel.config().setAutoRead(true);   // an idle connection reads, so that the origin's close is seen at once
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
    OriginExchange current = exchange;
    if (current != null) {
      if (!requestTaken) {
        lookAtSending(current, now);
      } else if (readTimeoutNanos > 0 && !readingStopped) {
        long due = lastActivityNanos + readTimeoutNanos;
        if (now - due >= 0) {
          current.timedOut(false);
        } else {
          deadline(due);
        }
      }   // else: reading on re-arms
    } else if (idle && keepaliveTimeoutNanos > 0) {
      long due = idleSinceNanos + keepaliveTimeoutNanos;
      if (now - due >= 0) {
        close();
      } else {
        deadline(due);
      }
    }
  }

  /** While the request is being sent: has the origin taken any of its waiting bytes lately? */
  private void lookAtSending(OriginExchange current, long now) {
    if (sendTimeoutNanos <= 0) {
      return;
    }
    long pending = pendingBytes();
    long before = pendingAtLastLook;
    pendingAtLastLook = pending;
    if (pending == 0) {
      return;   // nothing waits for the origin (the proxy waits for the client's body): the next write re-arms
    }
    if (pending < before) {
      lastActivityNanos = now;   // the origin took some since the last look
    }
    long due = lastActivityNanos + sendTimeoutNanos;
    if (now - due >= 0) {
      current.timedOut(true);
    } else {
      deadline(Math.min(due, now + sendTimeoutNanos / 2));
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
