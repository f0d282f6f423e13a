package io.xgate.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
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
 * open after the origin's FIN when the origin's answer is complete and the exchange ends the connection anyway
 * ({@code Connection: close} either way, HTTP/1.0): the bytes Vert.x holds are delivered when the relay resumes, and
 * Vert.x then closes the connection itself. In every other case (an answer cut short, a keep-alive connection the
 * origin closed, idle in the pool or not) the FIN closes the channel at once, as without this handler; so a
 * keep-alive origin that closes while a paused response is still queued can still cut it short. A half-closed
 * connection never carries another request: such a write closes it instead.
 */
final class OriginHalfClose extends ChannelDuplexHandler {

  private static final String NAME = "xgate-origin-half-close";

  private boolean inputShut;
  /** A request was written and the end of its response has not been decoded yet. */
  private boolean awaitingResponse;
  /** The current exchange ends the connection ({@code Connection: close} either way, or HTTP/1.0). */
  private boolean lastExchange;

  private OriginHalfClose() {
  }

  /** Installs the handler on a new origin connection (an {@code HttpClientBuilder} connect handler). */
  static void install(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) {
      return;   // another implementation: Vert.x's own behaviour stays
    }
    Channel ch = base.channel();
    // between the HTTP codec and Vert.x's handler, so that it sees requests and responses as HTTP messages
    String vertxHandler = base.channelHandlerContext().name();
    if (ch.pipeline().get(NAME) == null && ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true)) {
      ch.pipeline().addBefore(vertxHandler, NAME, new OriginHalfClose());
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof HttpResponse response && response.status().code() >= 200 && !HttpUtil.isKeepAlive(response)) {
      lastExchange = true;
    }
    if (msg instanceof LastHttpContent) {
      awaitingResponse = false;
    }
    super.channelRead(ctx, msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ChannelInputShutdownEvent && !inputShut) {
      inputShut = true;
      if (awaitingResponse || !lastExchange) {
        // the origin stopped before its answer was complete, or closed a connection that would otherwise go back
        // to the pool: close as Vert.x expects (a paused response loses nothing it could have completed)
        ctx.close();
      }
      // else the complete answer may still wait in Vert.x's queue: Vert.x closes the connection once it is read
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    if (msg instanceof HttpRequest request) {
      if (inputShut) {
        ReferenceCountUtil.release(msg);
        promise.tryFailure(new ClosedChannelException());
        ctx.close();
        return;
      }
      awaitingResponse = true;
      lastExchange = !HttpUtil.isKeepAlive(request);
    }
    super.write(ctx, msg, promise);
  }
}
