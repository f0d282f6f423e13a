package io.xgate.gateway.http;

import io.netty.channel.Channel;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import java.lang.reflect.Field;

/**
 * Closes an {@link HttpServer}'s listening socket immediately from any thread, for the fast shutdown only.
 *
 * <p>Why: Vert.x shares one listening socket among a server's instances and closes it asynchronously once the last
 * instance is gone, and a process exit releases sockets only after the JVM's memory is torn down; both leave the
 * port accepting for tens of milliseconds after {@code SIGTERM}, where nginx releases it at once (tools that stop
 * one proxy and start the next on the same port depend on that). Vert.x has no public handle on the socket, so
 * this reaches it by reflection ({@code HttpServerImpl.tcpServer -> NetServerImpl.actualServer -> bindFuture}) and
 * falls back to {@link HttpServer#close()} when the internals differ.
 */
final class ListenerSockets {

  private ListenerSockets() {
  }

  /**
   * The listening channel of a bound {@code server}, or {@code null} when it cannot be found. Resolved once after
   * the bind, so that closing needs no reflection (whose first use costs tens of milliseconds).
   */
  static Channel channelOf(HttpServer server) {
    try {
      Object tcp = field(server, "tcpServer");
      Object actual = field(tcp, "actualServer");
      Object bind = field(actual != null ? actual : tcp, "bindFuture");
      if (bind instanceof Future<?> f && f.result() instanceof Channel ch) {
        return ch;
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // internals differ: the caller falls back to a regular close
    }
    return null;
  }

  /**
   * Closes {@code channel} (from {@link #channelOf}) on its event loop and waits up to {@code maxMillis} for the
   * socket to be released; closes {@code server} the regular way when the channel is unknown.
   */
  static void closeNow(HttpServer server, Channel channel, long maxMillis) {
    if (channel != null) {
      channel.close().awaitUninterruptibly(maxMillis);
    } else {
      server.close();
    }
  }

  /**
   * Runs the close path once on a throw-away listener, so the classes it needs are loaded before a
   * {@code SIGTERM} has to release the real ports within milliseconds.
   */
  static Future<Void> warmUp(io.vertx.core.Vertx vertx) {
    // one real exchange over loopback also loads the HTTP codecs and the client, so the first proxied requests
    // are not slowed by class loading (which would skew timing-sensitive balancing such as least_conn)
    return vertx.createHttpServer().requestHandler(r -> r.body().onComplete(b -> r.response().end("warm")))
        .listen(0, "127.0.0.1")
        .compose(server -> {
          io.vertx.core.http.HttpClient client = vertx.createHttpClient();
          return client.request(io.vertx.core.http.HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
              .compose(req -> req.send()).compose(resp -> resp.body())
              .eventually(client::close)
              .transform(x -> {
                Channel ch = channelOf(server);
                if (ch != null) {
                  ch.close().awaitUninterruptibly(1000);
                }
                return server.close();
              });
        }).recover(e -> Future.succeededFuture());
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
