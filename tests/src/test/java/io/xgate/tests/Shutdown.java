package io.xgate.tests;

import io.vertx.core.Vertx;
import io.xgate.gateway.Gateway;
import java.util.concurrent.TimeUnit;

/** What a test started, stopped after it: the gateway first, then the Vert.x instances of its origins. */
final class Shutdown {

  private Shutdown() {
  }

  /** Stops {@code gateway}, then closes each of {@code vertxes}; any of them may be null (never started). */
  static void stop(Gateway gateway, Vertx... vertxes) throws Exception {
    if (gateway != null) {
      gateway.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    for (Vertx vertx : vertxes) {
      if (vertx != null) {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }
}
