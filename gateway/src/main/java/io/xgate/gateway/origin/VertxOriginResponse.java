package io.xgate.gateway.origin;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/**
 * A response of Vert.x's HTTP client as an {@link OriginResponse}: the answer to an upgrade request that the origin
 * refused (the upgrades still go through Vert.x's client, whose 101 gives the tunnel a {@code NetSocket}). Such a
 * connection is never reused: its request was sent as a head only, so it is closed when the response ends.
 */
public final class VertxOriginResponse implements OriginResponse {

  private final HttpClientResponse response;

  public VertxOriginResponse(HttpClientResponse response) {
    this.response = response;
  }

  @Override
  public int statusCode() {
    return response.statusCode();
  }

  @Override
  public String statusMessage() {
    return response.statusMessage() == null ? "" : response.statusMessage();
  }

  @Override
  public MultiMap headers() {
    return response.headers();
  }

  @Override
  public void reset() {
    response.exceptionHandler(e -> { });
    response.request().reset();
  }

  @Override
  public VertxOriginResponse exceptionHandler(Handler<Throwable> handler) {
    response.exceptionHandler(handler);
    return this;
  }

  @Override
  public VertxOriginResponse handler(Handler<Buffer> handler) {
    response.handler(handler);
    return this;
  }

  @Override
  public VertxOriginResponse pause() {
    response.pause();
    return this;
  }

  @Override
  public VertxOriginResponse resume() {
    response.resume();
    return this;
  }

  @Override
  public VertxOriginResponse fetch(long amount) {
    response.fetch(amount);
    return this;
  }

  @Override
  public VertxOriginResponse endHandler(Handler<Void> endHandler) {
    response.endHandler(endHandler == null ? null : v -> {
      response.request().connection().close();
      endHandler.handle(v);
    });
    return this;
  }
}
