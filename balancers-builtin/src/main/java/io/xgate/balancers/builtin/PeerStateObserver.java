package io.xgate.balancers.builtin;

import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;

/**
 * Told by the round-robin base about every change it makes to peers' balancing state, so that a decorator can keep
 * an index of the peers (least_conn's {@link LeastConnIndex}) instead of scanning them. Called under the group's
 * lock, from {@link RoundRobinSelection}; must be cheap and must not call back into the selection.
 */
interface PeerStateObserver {

  /**
   * {@code peer}'s {@code conns}, {@code fails}, {@code checked}, {@code accessed} or effective weight may have
   * changed (a take or a report).
   */
  void peerChanged(Peer peer);

  /**
   * The round-robin scan is about to read and change the current weights of {@code group}: whatever the observer
   * keeps of them must be written back to the peers now, and not trusted afterwards.
   */
  void beforeRoundRobinScan(PeerGroup group);
}
