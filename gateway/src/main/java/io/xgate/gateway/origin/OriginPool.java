package io.xgate.gateway.origin;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.vertx.core.Completable;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.xgate.gateway.http.ReusedBuffers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The origin connections of one upstream on one event loop: nginx's upstream keep-alive cache
 * ({@code ngx_http_upstream_keepalive_module}) and the connector for new connections.
 *
 * <p>As in nginx, {@code keepalive N} bounds the <em>idle</em> connections kept, for all peers of the upstream
 * together: a connection whose response was read in full goes to the front of the cache, the least recently used
 * one is closed when the cache is full, and a request takes the most recently used idle connection to its peer, or
 * opens a new one (there is no bound on connections in use: {@code max_conns} is the balancer's). An idle
 * connection is closed after {@code keepalive_timeout}, after {@code keepalive_requests} requests, or when the
 * origin closes it. With {@code keepalive} 0 (nginx's default) nothing is kept: every request gets its own
 * connection, closed after the response.
 *
 * <p>Connections live on this pool's event loop (the worker's), requests leave as bytes and responses are read by
 * {@link OriginResponseDecoder}: they reach the proxy without the copies and the per-request bookkeeping of Vert.x's
 * client pool, and without Netty's HTTP objects.
 * Not thread safe: everything runs on the event loop.
 */
public final class OriginPool {

  /**
   * The largest piece of an origin's response body handed to the proxy at once. Each piece is a write and a promise
   * to the client; at 64 KiB one socket read is one piece (Netty's default, 8 KiB, cut it into eight, which halved
   * the 64 KiB proxy benchmark: BENCHMARKS.md). Memory per response stays bounded by {@code proxy_buffers} and the
   * pause of the origin.
   */
  static final int BODY_PIECE = 64 * 1024;

  private final EventLoop loop;
  private final VertxInternal vertx;
  private final int keepalive;
  private final long keepaliveTimeoutNanos;
  private final long keepaliveRequests;
  /** Idle connections, most recently used first. */
  private final ArrayDeque<OriginConnection> idle = new ArrayDeque<>();
  private final ByteBufAllocator allocator;
  private boolean retired;

  /**
   * @param context the worker's context: its event loop runs every connection of this pool
   * @param keepalive {@code keepalive N}: idle connections kept at most; 0 = none
   * @param keepaliveTimeoutMs {@code keepalive_timeout} of the upstream
   * @param keepaliveRequests {@code keepalive_requests} of the upstream
   */
  public OriginPool(ContextInternal context, int keepalive, long keepaliveTimeoutMs, long keepaliveRequests) {
    this(context, keepalive, keepaliveTimeoutMs, keepaliveRequests, ReusedBuffers.DEFAULT);
  }

  /** As {@link #OriginPool(ContextInternal, int, long, long)}, reading into {@code allocator}'s memory. */
  OriginPool(ContextInternal context, int keepalive, long keepaliveTimeoutMs, long keepaliveRequests,
      ByteBufAllocator allocator) {
    this.allocator = allocator;
    this.loop = context.nettyEventLoop();
    this.vertx = context.owner();
    this.keepalive = keepalive;
    this.keepaliveTimeoutNanos = keepaliveTimeoutMs * 1_000_000;
    this.keepaliveRequests = keepaliveRequests;
  }

  /**
   * A connection to {@code host:port} for one exchange: the most recently used idle one, else a new one. Calls
   * {@code done} on {@code context} (at once for an idle connection). The connection goes back to the pool, or is
   * closed, when its exchange is over; one that is not used must be given back with {@link #giveBack}.
   *
   * @param host the peer's IP address text
   */
  public void acquire(String host, int port, int connectTimeoutMs, ContextInternal context,
      Completable<OriginConnection> done) {
    for (Iterator<OriginConnection> it = idle.iterator(); it.hasNext(); ) {
      OriginConnection c = it.next();
      if (c.port() == port && c.host().equals(host)) {
        it.remove();
        done.succeed(c);
        return;
      }
    }
    InetSocketAddress address;
    try {
      address = new InetSocketAddress(InetAddress.getByName(host), port);   // an IP literal: nothing is looked up
    } catch (UnknownHostException e) {
      done.fail(e);
      return;
    }
    OriginConnection connection = new OriginConnection(this, host, port);
    Bootstrap bootstrap = new Bootstrap().group(loop)
        .channelFactory(vertx.transport().channelFactory(false))
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.ALLOCATOR, allocator)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.max(1, connectTimeoutMs))
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast("origin", connection);
          }
        });
    bootstrap.connect(address).addListener((ChannelFuture f) -> context.dispatch(v -> {
      if (f.isSuccess()) {
        done.succeed(connection);
      } else {
        done.fail(f.cause());
      }
    }));
  }

  /** A connection from {@link #acquire} that carried no exchange goes back as it came. */
  public void giveBack(OriginConnection connection) {
    release(connection);
  }

  /** After an exchange whose connection may carry another one (the response was read in full). */
  void release(OriginConnection connection) {
    if (retired || keepalive == 0 || connection.requests() >= keepaliveRequests || !connection.isOpen()) {
      connection.close();
      return;
    }
    if (idle.size() >= keepalive) {
      idle.pollLast().close();   // nginx closes the least recently used idle connection
    }
    idle.addFirst(connection);
    connection.idle(keepaliveTimeoutNanos);
  }

  /** A connection closed (by either side): it leaves the cache if it was idle. */
  void closed(OriginConnection connection) {
    idle.remove(connection);
  }

  /** How many idle connections are kept now. */
  public int idleCount() {
    return idle.size();
  }

  /**
   * The upstream was replaced by a reload: idle connections are closed now, and connections in use are closed when
   * their exchange ends; requests still running may open new ones (a retry to the next peer). Idempotent.
   */
  public void retire() {
    retired = true;
    while (!idle.isEmpty()) {
      idle.pollFirst().close();
    }
  }
}
