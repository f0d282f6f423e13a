package io.xgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.xgate.gateway.config.EventMethod;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A listening socket shut down from outside the event loop (the fast shutdown's {@code shutdown(2)}, also done by
 * the native {@code SIGTERM} handler) refuses connections at once, and its channel then closes itself, on every
 * event method: on io_uring each accept fails with {@code EINVAL} after the shutdown, which would otherwise be
 * retried and reported in a loop.
 */
class ListenerSocketsTest {

  private Vertx vertx;

  @AfterEach
  void close() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest
  @EnumSource(value = EventMethod.class, names = {"IO_URING", "EPOLL"})
  void aListenerShutDownRefusesConnectionsAndItsChannelCloses(EventMethod method) throws Exception {
    assumeTrue(method.available(), () -> method + " is not available here: " + method.unavailabilityCause());
    vertx = Vertx.builder().with(new VertxOptions().setEventLoopPoolSize(1)).withTransport(method.transport())
        .build();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.response().end("x"))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    Channel channel = ListenerSockets.channelOf(server);
    assertThat(channel).isInstanceOf(UnixChannel.class);
    AtomicInteger failuresPassedOn = new AtomicInteger();   // what would reach the pipeline's end (and its log)
    channel.eventLoop().submit(() -> channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failuresPassedOn.incrementAndGet();
      }
    })).get(5, TimeUnit.SECONDS);
    int port = server.actualPort();
    try (java.net.Socket before = new java.net.Socket("127.0.0.1", port)) {
      assertThat(before.isConnected()).isTrue();
    }

    ((Socket) ((UnixChannel) channel).fd()).shutdown(true, true);   // what NativeListenerShutdown does

    assertThat(connectionRefused(port)).isTrue();
    if (method == EventMethod.IO_URING) {
      // the failed accept reported the shut-down socket; epoll reports nothing for it, and the channel stays
      // open there until the server is closed, refusing connections all the same
      assertThat(channel.closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
    }
    ListenerSockets.closeNow(server, channel, 1000);   // the Java handler's turn: nothing left to do, no error
    assertThat(connectionRefused(port)).isTrue();
    assertThat(failuresPassedOn).hasValue(0);
  }

  private static boolean connectionRefused(int port) throws Exception {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      return false;
    } catch (ConnectException e) {
      return true;
    }
  }
}
