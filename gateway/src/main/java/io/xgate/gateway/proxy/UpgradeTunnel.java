package io.xgate.gateway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetSocket;
import io.xgate.gateway.config.HeaderValue;
import io.xgate.spi.RequestView;
import java.util.List;

/**
 * The connection after an origin's {@code 101 Switching Protocols}: nginx's {@code ngx_http_upstream_upgrade} and
 * {@code ngx_http_upstream_process_upgraded}. Bytes are relayed both ways as they come, each direction paused while
 * the other side's write queue is full; when either side closes (or fails), what was read is written and both are
 * closed; a tunnel in which nothing moved either way for {@code proxy_read_timeout} is closed (nginx re-arms that
 * timer on every event of the tunnel). Runs on the request's event loop.
 */
final class UpgradeTunnel {

  private final Vertx vertx;
  private final NetSocket client;
  private final NetSocket origin;
  private final long idleTimeoutMs;
  private final Handler<Void> ended;
  private long lastActivityNanos = System.nanoTime();
  private long timer = -1;
  private boolean closed;

  private UpgradeTunnel(Vertx vertx, NetSocket client, NetSocket origin, long idleTimeoutMs, Handler<Void> ended) {
    this.vertx = vertx;
    this.client = client;
    this.origin = origin;
    this.idleTimeoutMs = idleTimeoutMs;
    this.ended = ended;
  }

  /**
   * Whether the request asks for an upgrade that the origin may grant: the client sent {@code Upgrade} and the
   * location passes it on ({@code proxy_set_header Upgrade $http_upgrade} and {@code Connection} naming
   * {@code upgrade}, as nginx users configure it). Otherwise the request is plain HTTP: {@code Upgrade} and
   * {@code Connection} are hop-by-hop and not passed, as in nginx.
   */
  static boolean requested(HttpServerRequest request, List<HeaderValue> proxySetHeaders, RequestView vars) {
    if (request.method() != HttpMethod.GET || !request.headers().contains(HttpHeaders.UPGRADE)) {
      return false;
    }
    boolean upgrade = false;
    boolean connection = false;
    for (HeaderValue h : proxySetHeaders) {
      if (h.name().equalsIgnoreCase("upgrade")) {
        upgrade = !h.value().evaluate(vars).isEmpty();
      } else if (h.name().equalsIgnoreCase("connection")) {
        connection = mentionsUpgrade(h.value().evaluate(vars));
      }
    }
    return upgrade && connection;
  }

  private static boolean mentionsUpgrade(String connection) {
    for (String token : connection.split(",")) {
      if (token.trim().equalsIgnoreCase("upgrade")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Relays between {@code client} and {@code origin} until one closes or the tunnel is idle for
   * {@code idleTimeoutMs}; then both are closed and {@code ended} is called, once.
   */
  static void open(Vertx vertx, NetSocket client, NetSocket origin, long idleTimeoutMs, Handler<Void> ended) {
    UpgradeTunnel t = new UpgradeTunnel(vertx, client, origin, idleTimeoutMs, ended);
    t.relay(client, origin);
    t.relay(origin, client);
    t.armIdleTimer(idleTimeoutMs);
    client.resume();
    origin.resume();
  }

  private void relay(NetSocket from, NetSocket to) {
    from.handler(buf -> {
      lastActivityNanos = System.nanoTime();
      to.write(buf);
      if (to.writeQueueFull()) {
        from.pause();
        to.drainHandler(v -> from.resume());
      }
    });
    from.endHandler(v -> close());
    from.closeHandler(v -> close());
    from.exceptionHandler(e -> close());
  }

  private void armIdleTimer(long delayMs) {
    if (idleTimeoutMs <= 0) {
      return;
    }
    timer = vertx.setTimer(Math.max(1, delayMs), id -> {
      long idleMs = (System.nanoTime() - lastActivityNanos) / 1_000_000;
      if (idleMs >= idleTimeoutMs) {
        close();
      } else {
        armIdleTimer(idleTimeoutMs - idleMs);
      }
    });
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    // a close is queued behind the writes already made, so what was relayed still arrives
    client.close();
    origin.close();
    ended.handle(null);
  }
}
