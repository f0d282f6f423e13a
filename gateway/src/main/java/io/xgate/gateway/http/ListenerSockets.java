package io.xgate.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.lang.reflect.Field;

/**
 * Closes an {@link HttpServer}'s listening socket immediately from any thread, for the fast shutdown only.
 *
 * <p>Why: Vert.x shares one listening socket among a server's instances and closes it asynchronously once the last
 * instance is gone, and a process exit releases sockets only after the JVM's memory is torn down; both leave the
 * port accepting for tens of milliseconds after {@code SIGTERM}, where nginx releases it at once (tools that stop
 * one proxy and start the next on the same port depend on that). Vert.x has no public handle on the socket, so
 * this reaches it by reflection ({@code HttpServerImpl.tcpServer -> NetServerImpl.actualServer -> bindFuture}) and
 * falls back to {@link HttpServer#close()} when the internals differ. {@link NativeListenerShutdown} uses the same
 * channels to shut the sockets down even before the Java signal handler runs.
 */
final class ListenerSockets {

  private ListenerSockets() {
  }

  /**
   * The listening channel of a bound {@code server}, or {@code null} when it cannot be found. Resolved once after
   * the bind, so that closing needs no reflection (whose first use costs tens of milliseconds); the channel closes
   * itself from then on once its socket is shut down ({@link CloseWhenShutDown}).
   */
  static Channel channelOf(HttpServer server) {
    try {
      Object tcp = field(server, "tcpServer");
      Object actual = field(tcp, "actualServer");
      Object bind = field(actual != null ? actual : tcp, "bindFuture");
      if (bind instanceof Future<?> f && f.result() instanceof Channel ch) {
        closeWhenShutDown(ch);
        return ch;
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // internals differ: the caller falls back to a regular close
    }
    return null;
  }

  /**
   * Adds {@link CloseWhenShutDown} to the listening channel, and waits until it is in effect: added from another
   * thread, a handler only takes events once the channel's event loop has run its {@code handlerAdded}, and a
   * shutdown right after (as the warm-up's listener has) would otherwise fail accepts before it.
   */
  private static void closeWhenShutDown(Channel ch) {
    Runnable add = () -> {
      if (ch.pipeline().get(CloseWhenShutDown.class) == null) {
        ch.pipeline().addFirst(CloseWhenShutDown.INSTANCE);
      }
    };
    if (ch.eventLoop().inEventLoop()) {
      add.run();
    } else {
      // the acceptor loop runs nothing but accepts: this waits microseconds, once per listener
      ch.eventLoop().submit(add).awaitUninterruptibly(1000);
    }
  }

  /**
   * Stops {@code channel} (from {@link #channelOf}) from accepting, from the calling thread: on the native transport
   * a {@code shutdown(2)} of the listening socket, which refuses new connections at once without waiting for the
   * event loop; otherwise a close on the event loop, waiting up to {@code maxMillis}. Closes {@code server} the
   * regular way when the channel is unknown.
   */
  static void closeNow(HttpServer server, Channel channel, long maxMillis) {
    if (channel instanceof UnixChannel unix && unix.fd() instanceof Socket socket) {
      try {
        socket.shutdown(true, true);
      } catch (IOException | RuntimeException e) {
        // already shut down (NativeListenerShutdown does it first) or closed
      }
      return;
    }
    if (channel != null) {
      channel.close().awaitUninterruptibly(maxMillis);
    } else {
      server.close();
    }
  }

  /**
   * Closes a listening channel whose socket was shut down ({@link #closeNow}, {@link NativeListenerShutdown}): on
   * io_uring every accept then fails at once with {@code EINVAL} ("not listening"), and Netty would submit the next
   * one and report the failure again, in a loop, until the channel is closed.
   */
  @ChannelHandler.Sharable
  private static final class CloseWhenShutDown extends ChannelInboundHandlerAdapter {
    static final CloseWhenShutDown INSTANCE = new CloseWhenShutDown();
    private static final int EINVAL = 22;

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof Errors.NativeIoException e && Math.abs(e.expectedErr()) == EINVAL) {
        ctx.close();
      } else {
        ctx.fireExceptionCaught(cause);
      }
    }
  }

  private static Object field(Object target, String name) throws ReflectiveOperationException {
    for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
      } catch (NoSuchFieldException e) {
        // look in the superclass
      }
    }
    throw new NoSuchFieldException(name);
  }
}
