package io.xgate.spi;

/**
 * Passive health shared per peer address across upstreams. nginx keeps {@code max_fails} state per upstream, so
 * when two upstreams list the same server, one keeps sending to a peer the other already found dead. The gateway
 * gives every round-robin base one of these: the base tells it the outcome of every attempt it accounted, and the
 * gateway replays that outcome, through {@link RoundRobin#observed}, on the peers of the same address in the other
 * upstreams that share health ({@code shared_health on}, the default).
 */
@FunctionalInterface
public interface SharedHealth {

  /**
   * {@code from} accounted an attempt on {@code peer} that ended with {@code outcome}. Called after the attempt was
   * accounted, outside any group's lock; must not block.
   */
  void accounted(RoundRobin from, Peer peer, Outcome outcome);

  /** Health kept per upstream, as nginx keeps it. */
  SharedHealth NONE = (from, peer, outcome) -> {
  };
}
