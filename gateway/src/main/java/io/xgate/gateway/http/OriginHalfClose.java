package io.xgate.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.channels.ClosedChannelException;

/**
 * Keeps an origin's response intact when the origin closes its connection while xgate is not reading it (the client
 * is slower than the origin and the response is relayed with backpressure).
 *
 * <p>Why: on Linux's native transport Netty reads a paused connection to its end as soon as the peer closes it
 * ({@code EPOLLRDHUP}), and then closes the channel; Vert.x fails the paused response with "Connection was closed"
 * and drops what it had queued, so the client's response was cut short. With half-closure allowed the channel stays
 * open after the origin's FIN: the queued bytes are delivered when the relay resumes, and Vert.x closes the
 * connection after the response as usual. A half-closed connection must never carry another request (its answer
 * could not be read): such a write closes it instead, which fails that request like any stale keep-alive connection.
 */
final class OriginHalfClose extends ChannelDuplexHandler {

  private static final String NAME = "xgate-origin-half-close";

  private boolean inputShut;

  private OriginHalfClose() {
  }

  /** Installs the handler on a new origin connection (an {@code HttpClientBuilder} connect handler). */
  static void install(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) {
      return;   // another implementation: Vert.x's own behaviour stays
    }
    Channel ch = base.channel();
    // between the HTTP codec and Vert.x's handler, so that it sees requests before they are encoded
    String vertxHandler = base.channelHandlerContext().name();
    if (ch.pipeline().get(NAME) == null && ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true)) {
      ch.pipeline().addBefore(vertxHandler, NAME, new OriginHalfClose());
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ChannelInputShutdownEvent) {
      inputShut = true;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    if (inputShut && msg instanceof HttpRequest) {
      ReferenceCountUtil.release(msg);
      promise.tryFailure(new ClosedChannelException());
      ctx.close();
      return;
    }
    super.write(ctx, msg, promise);
  }
}
