package io.xgate.balancers.builtin;

import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.PeerSelection;
import io.xgate.spi.TimeSource;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One request's round-robin walk: nginx's {@code ngx_http_upstream_rr_peer_data_t} with its {@code get} and
 * {@code free}. Decorating balancers use it through {@link PeerSelection}.
 */
final class RoundRobinSelection implements PeerSelection {

  /**
   * Tried peers: the first in a field (most requests try one peer, and opening a selection allocates nothing for
   * it), then up to this many in a small array, then a bit set; so a selection costs the same at 2 or 2,000 peers.
   */
  private static final int SMALL_TRIED = 8;

  private final RoundRobinBalancer balancer;
  private final TimeSource time;
  private final ReentrantLock lock;
  private PeerGroup group;
  private SmoothWeights weights;
  private int firstTried;
  private int[] triedSmall;
  private int triedCount;
  private BitSet triedBits;
  private int tries;

  RoundRobinSelection(RoundRobinBalancer balancer) {
    this.balancer = balancer;
    this.time = balancer.time();
    this.group = balancer.peers();
    this.lock = group.lock();
    this.weights = balancer.weightsOf(group);
    this.tries = balancer.initialTries();
  }

  @Override
  public PeerGroup group() {
    return group;
  }

  @Override
  public boolean isTried(Peer peer) {
    int index = peer.index();
    if (triedBits != null) {
      return triedBits.get(index);
    }
    if (triedSmall == null) {
      return triedCount == 1 && firstTried == index;
    }
    for (int i = 0; i < triedCount; i++) {
      if (triedSmall[i] == index) {
        return true;
      }
    }
    return false;
  }

  /** Whether any peer of the current group was returned in this selection. */
  boolean anyTried() {
    return triedCount > 0 || triedBits != null;
  }

  /** The indexes of the tried peers of the current group, in no particular order. */
  int[] triedIndexes() {
    if (triedBits != null) {
      return triedBits.stream().toArray();
    }
    if (triedSmall == null) {
      return triedCount == 0 ? new int[0] : new int[] {firstTried};
    }
    return Arrays.copyOf(triedSmall, triedCount);
  }

  private void markTried(Peer peer) {
    int index = peer.index();
    if (triedBits != null) {
      triedBits.set(index);
    } else if (triedCount == 0) {
      firstTried = index;
      triedCount = 1;
    } else if (triedCount < SMALL_TRIED) {
      if (triedSmall == null) {
        triedSmall = new int[SMALL_TRIED];
        triedSmall[0] = firstTried;
      }
      triedSmall[triedCount++] = index;
    } else {
      triedBits = new BitSet(group.size());
      for (int i = 0; i < triedCount; i++) {
        triedBits.set(triedSmall[i]);
      }
      triedBits.set(index);
    }
  }

  private void clearTried() {
    triedCount = 0;
    triedSmall = null;
    triedBits = null;
  }

  @Override
  public boolean isUsable(Peer peer) {
    return isUsable(peer, time.nowSeconds());
  }

  /** {@link #isUsable(Peer)} at {@code now}, read once per pick as nginx reads {@code ngx_time()}. */
  boolean isUsable(Peer peer, long now) {
    return !peer.isDown() && !peer.healthDown() && !peer.isFailed(now) && !peer.isAtMaxConns();
  }

  @Override
  public Peer take(Peer peer) {
    return take(peer, time.nowSeconds());
  }

  /** {@link #take(Peer)} at {@code now}. */
  Peer take(Peer peer, long now) {
    if (now - peer.checked() > peer.failTimeoutSeconds()) {
      peer.checked(now);
    }
    return takeWithoutCheck(peer);
  }

  @Override
  public Peer takeWithoutCheck(Peer peer) {
    markTried(peer);
    addConn(peer);
    return peer;
  }

  private void addConn(Peer peer) {
    int before = peer.conns();
    peer.conns(before + 1);
    balancer.weightsOf(peer).connsChanged(peer, before);
    changed(peer);
  }

  private void changed(Peer peer) {
    balancer.changed(peer);
  }

  @Override
  public PeerGroup switchToBackup() {
    PeerGroup backup = group.backup();
    if (backup == null || backup == group || backup.size() == 0) {
      return null;
    }
    group = backup;
    weights = balancer.weightsOf(backup);
    clearTried();
    return backup;
  }

  @Override
  public long nowSeconds() {
    return time.nowSeconds();
  }

  @Override
  public int tries() {
    return tries;
  }

  /** Whether the current group is nginx's "single" group. */
  boolean isSingle() {
    return balancer.isSingle(group);
  }

  /** The smooth-weight state of the current group, for decorators that run weighted scans of their own. */
  SmoothWeights weights() {
    return weights;
  }

  /** The smooth-weight state of the group of {@code peer}. */
  SmoothWeights weightsOf(Peer peer) {
    return balancer.weightsOf(peer);
  }

  @Override
  public Peer next() {
    return nextRoundRobin();
  }

  @Override
  public Peer nextRoundRobin() {
    lock.lock();
    try {
      while (true) {
        Peer peer = pickInGroup();
        if (peer != null) {
          addConn(peer);
          return peer;
        }
        if (switchToBackup() == null) {
          return null;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** nginx's get_round_robin_peer for the current group, without the backup fallback. */
  private Peer pickInGroup() {
    if (isSingle()) {
      Peer peer = group.get(0);
      // a one-peer group ignores max_fails and the tried set, as nginx does
      if (peer.isDown() || peer.healthDown() || peer.isAtMaxConns()) {
        return null;
      }
      return peer;
    }
    PeerStateObserver observer = balancer.observer();
    if (observer != null) {
      observer.beforeRoundRobinScan(group);
    }
    if (!anyTried() && weights.fastReady()) {
      Peer peer = weights.fastPick();
      if (peer != null) {
        markTried(peer);
        long now = time.nowSeconds();
        if (now - peer.checked() > peer.failTimeoutSeconds()) {
          peer.checked(now);
        }
        return peer;
      }
    }
    return smoothWeightedPick();
  }

  /** nginx's ngx_http_upstream_get_peer: smooth weighted round robin over the usable, untried peers. */
  private Peer smoothWeightedPick() {
    weights.beforeScan();
    long now = time.nowSeconds();
    Peer best = null;
    int total = 0;
    int eligible = 0;
    boolean clean = true;
    for (Peer peer : group.peers()) {
      if (peer.isDown()) {
        continue;
      }
      if (isTried(peer) || peer.healthDown() || peer.isFailed(now) || peer.isAtMaxConns()) {
        continue;
      }
      eligible++;
      if (peer.effectiveWeight() < peer.weight()) {
        clean = false;
      }
      total += weights.consider(peer);
      if (best == null || peer.currentWeight() > best.currentWeight()) {
        best = peer;
      }
    }
    if (best == null) {
      return null;
    }
    markTried(best);
    best.currentWeight(best.currentWeight() - total);
    if (now - best.checked() > best.failTimeoutSeconds()) {
      best.checked(now);
    }
    weights.scanned(best, clean && eligible == weights.activeCount());
    return best;
  }

  @Override
  public void report(Peer peer, Outcome outcome) {
    boolean single = isSingle();
    lock.lock();
    try {
      release(peer, outcome, single);
    } finally {
      lock.unlock();
    }
    if (single) {
      tries = 0;
    } else if (tries > 0) {
      tries--;
    }
    if (!single) {
      balancer.share(peer, outcome);
    }
  }

  /** nginx's free_round_robin_peer on the group's state: the outcome accounted, the connection given back. */
  private void release(Peer peer, Outcome outcome, boolean single) {
    int conns = peer.conns();
    if (!single) {
      balancer.account(peer, outcome);
    }
    peer.conns(conns - 1);
    balancer.weightsOf(peer).connsChanged(peer, conns);
    changed(peer);
  }

}
