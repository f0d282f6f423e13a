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

  DecoratingSelection(PeerSelection rr) {
    this.rr = rr;
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

  /** nginx's {@code peers->single}: a one-peer group without backup ignores the algorithm. */
  boolean isSingle() {
    if (rr instanceof RoundRobinSelection) {
      return ((RoundRobinSelection) rr).isSingle();
    }
    PeerGroup g = rr.group();
    return g.size() == 1 && (g.backup() == null || g.backup().size() == 0);
  }

  /**
   * Prepares the peers' current weights to be read and changed outside the round-robin scan (the weighted
   * tie-breaks of least_conn and hash consistent).
   */
  void beforeWeightedScan() {
    if (rr instanceof RoundRobinSelection) {
      ((RoundRobinSelection) rr).weights().external();
    }
  }

  /** One peer's step of a weighted scan; returns the effective weight to add to the scan's total. */
  int consider(Peer peer) {
    if (rr instanceof RoundRobinSelection) {
      return ((RoundRobinSelection) rr).weightsOf(peer).consider(peer);
    }
    int effective = peer.effectiveWeight();
    peer.currentWeight(peer.currentWeight() + effective);
    if (effective < peer.weight()) {
      peer.effectiveWeight(effective + 1);
    }
    return effective;
  }
}
