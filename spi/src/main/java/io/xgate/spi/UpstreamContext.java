package io.xgate.spi;

import io.vertx.core.Vertx;

/**
 * What a provider is given to build its balancer on.
 */
public interface UpstreamContext {

  /** The upstream's name. */
  String name();

  /** The primary peer group, linking to the backup group. */
  PeerGroup peers();

  /** The chain built so far: the round-robin base, or the decorators already applied to it. */
  Balancer base();

  /** The round-robin base of this chain. Unavailable to the round-robin provider itself. */
  RoundRobin roundRobin();

  /** The clock to read. */
  TimeSource time();

  /**
   * The Vert.x instance, for balancers that run timers or probes (off the event loops' hot path); {@code null}
   * where a balancer is built outside a running gateway (unit tests, {@code -t}).
   */
  Vertx vertx();

  /**
   * Where the round-robin base reports every attempt it accounted, so that upstreams listing the same address share
   * its passive health; {@link SharedHealth#NONE} when this upstream keeps its own ({@code shared_health off}).
   */
  default SharedHealth sharedHealth() {
    return SharedHealth.NONE;
  }
}
