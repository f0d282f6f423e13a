package io.xgate.balancers.builtin;

import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.PeerSelection;
import io.xgate.spi.RequestView;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.SharedHealth;
import io.xgate.spi.TimeSource;

/**
 * nginx 1.22's weighted round robin ({@code ngx_http_upstream_round_robin.c}): the root of every balancer chain.
 * Smooth weighted selection over the primary peers, failover to the backup peers when no primary is usable,
 * {@code max_fails}/{@code fail_timeout} accounting with effective-weight decay and recovery, {@code max_conns},
 * and nginx's special rules for a one-peer group.
 *
 * <p>One instance per upstream, shared by every event loop; all state changes happen under the group's lock, so
 * sequential requests see exactly nginx's sequence whatever the number of event loops. Picks are O(1) while the
 * group is healthy (see {@link SmoothWeights}) and nginx's O(N) scan otherwise.
 */
final class RoundRobinBalancer implements RoundRobin {

  private final PeerGroup peers;
  private final TimeSource time;
  private final SharedHealth sharedHealth;
  private final SmoothWeights primaryWeights;
  private final SmoothWeights backupWeights;
  private final boolean single;
  private final int tries;
  /** Written and read under the group's lock. */
  private PeerStateObserver observer;

  RoundRobinBalancer(PeerGroup peers, TimeSource time) {
    this(peers, time, SharedHealth.NONE);
  }

  RoundRobinBalancer(PeerGroup peers, TimeSource time, SharedHealth sharedHealth) {
    this.peers = peers;
    this.time = time;
    this.sharedHealth = sharedHealth;
    PeerGroup backup = peers.backup();
    boolean hasBackup = backup != null && backup.size() > 0;
    this.primaryWeights = new SmoothWeights(peers);
    this.backupWeights = hasBackup ? new SmoothWeights(backup) : null;
    this.single = peers.isSingle();
    this.tries = peers.usableCount() + (hasBackup ? backup.usableCount() : 0);
  }

  @Override
  public PeerSelection select(RequestView request) {
    return new RoundRobinSelection(this);
  }

  @Override
  public PeerGroup peers() {
    return peers;
  }

  TimeSource time() {
    return time;
  }

  /** The smooth-weight state of the group {@code peer} belongs to. */
  SmoothWeights weightsOf(Peer peer) {
    return peer.isBackup() && backupWeights != null ? backupWeights : primaryWeights;
  }

  SmoothWeights weightsOf(PeerGroup group) {
    return group == peers ? primaryWeights : backupWeights;
  }

  /** Whether {@code group} is nginx's "single" group: max_fails ignored, never retried. */
  boolean isSingle(PeerGroup group) {
    return single && group == peers;
  }

  int initialTries() {
    return tries;
  }

  /** Whether the group has backup peers. */
  boolean hasBackup() {
    return backupWeights != null;
  }

  /**
   * Makes {@code observer} the one told about every change of peer state this base makes from now on (least_conn's
   * index). One observer per base, as nginx allows one balancing method per upstream.
   */
  void observe(PeerStateObserver observer) {
    peers.lock().lock();
    try {
      if (this.observer != null && this.observer != observer) {
        throw new IllegalStateException("the round-robin base of " + peers.name() + " is already observed");
      }
      this.observer = observer;
    } finally {
      peers.lock().unlock();
    }
  }

  @Override
  public void observed(Peer peer, Outcome outcome) {
    if (peer.group() == null || (peer.group() != peers && peer.group() != peers.backup())) {
      throw new IllegalArgumentException(peer + " is not a peer of upstream " + peers.name());
    }
    if (isSingle(peer.group())) {
      return;   // nginx ignores max_fails for a one-peer upstream
    }
    peers.lock().lock();
    try {
      account(peer, outcome);
      changed(peer);
    } finally {
      peers.lock().unlock();
    }
  }

  /**
   * nginx's passive-health accounting of one ended attempt ({@code ngx_http_upstream_free_round_robin_peer} without
   * the {@code conns} and tries parts): a failure counts against {@code max_fails}, restarts {@code fail_timeout}
   * and lowers the effective weight; anything else, after a trial pick past {@code fail_timeout}, clears the
   * failures. Call under the group's lock, then tell the observer with {@link #changed(Peer)}.
   */
  void account(Peer peer, Outcome outcome) {
    SmoothWeights peerWeights = weightsOf(peer);
    int fails = peer.fails();
    if (outcome == Outcome.FAILURE) {
      long now = time.nowSeconds();
      int effective = peer.effectiveWeight();
      peer.fails(fails + 1);
      peer.accessed(now);
      peer.checked(now);
      if (peer.maxFails() != 0) {
        peer.effectiveWeight(Math.max(0, effective - peer.weight() / peer.maxFails()));
      }
      peerWeights.effectiveWeightChanged(peer, effective);
    } else if (peer.accessed() < peer.checked()) {
      peer.fails(0);   // the peer worked after its fail_timeout window: it is live again
    }
    peerWeights.failsChanged(peer, fails);
  }

  /** Tells the observer that {@code peer}'s state changed; under the group's lock. */
  void changed(Peer peer) {
    if (observer != null) {
      observer.peerChanged(peer);
    }
  }

  /** Hands an accounted outcome to the upstreams sharing {@code peer}'s address; outside the lock. */
  void share(Peer peer, Outcome outcome) {
    sharedHealth.accounted(this, peer, outcome);
  }

  /** The observer, or {@code null}; read under the group's lock. */
  PeerStateObserver observer() {
    return observer;
  }
}
