package io.xgate.balancers.builtin;

import io.vertx.core.MultiMap;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.PeerSelection;
import io.xgate.spi.Selection;

/**
 * A selection that picks its own way but leaves failure accounting, tries and response headers to the round-robin
 * selection underneath, as nginx's balancers reuse {@code ngx_http_upstream_free_round_robin_peer}.
 */
abstract class DecoratingSelection implements Selection {

  /** nginx's hash, ip_hash and random give up on their own choice after this many misses. */
  static final int MAX_MISSES = 20;

  final PeerSelection rr;
  /** {@link #rr} when it is the built-in round robin, else {@code null}. */
  private final RoundRobinSelection builtin;

  DecoratingSelection(PeerSelection rr) {
    this.rr = rr;
    this.builtin = rr instanceof RoundRobinSelection s ? s : null;
  }

  /**
   * The clock for one pick, read before taking the lock: nginx reads {@code ngx_time()} once per pick, and the
   * clock is not read inside the critical section.
   */
  final long now() {
    return rr.nowSeconds();
  }

  /** {@link PeerSelection#isUsable} at {@code now}. Call under the lock. */
  final boolean isUsable(Peer peer, long now) {
    return builtin != null ? builtin.isUsable(peer, now) : rr.isUsable(peer);
  }

  /** {@link PeerSelection#take} at {@code now}. Call under the lock. */
  final Peer take(Peer peer, long now) {
    return builtin != null ? builtin.take(peer, now) : rr.take(peer);
  }

  @Override
  public void report(Peer peer, Outcome outcome) {
    rr.report(peer, outcome);
  }

  @Override
  public int tries() {
    return rr.tries();
  }

  @Override
  public void onResponseHeaders(Peer peer, int status, MultiMap headers) {
    rr.onResponseHeaders(peer, status, headers);
  }

  @Override
  public void onRequestHeaders(Peer peer, MultiMap headers) {
    rr.onRequestHeaders(peer, headers);
  }

  /** nginx's {@code peers->single}: a one-peer group without backup ignores the algorithm. */
  boolean isSingle() {
    if (builtin != null) {
      return builtin.isSingle();
    }
    PeerGroup g = rr.group();
    return g.size() == 1 && (g.backup() == null || g.backup().size() == 0);
  }

  /**
   * Prepares the peers' current weights to be read and changed outside the round-robin scan (the weighted
   * tie-breaks of least_conn and hash consistent).
   */
  void beforeWeightedScan() {
    if (builtin != null) {
      builtin.weights().external();
    }
  }

  /** One peer's step of a weighted scan; returns the effective weight to add to the scan's total. */
  int consider(Peer peer) {
    if (builtin != null) {
      return builtin.weightsOf(peer).consider(peer);
    }
    int effective = peer.effectiveWeight();
    peer.currentWeight(peer.currentWeight() + effective);
    if (effective < peer.weight()) {
      peer.effectiveWeight(effective + 1);
    }
    return effective;
  }
}
