package io.xgate.balancers.builtin;

import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.PeerSelection;
import io.xgate.spi.TimeSource;
import java.util.BitSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One request's round-robin walk: nginx's {@code ngx_http_upstream_rr_peer_data_t} with its {@code get} and
 * {@code free}. Decorating balancers use it through {@link PeerSelection}.
 */
final class RoundRobinSelection implements PeerSelection {

  private final TimeSource time;
  private final ReentrantLock lock;
  private PeerGroup group;
  private final BitSet tried = new BitSet();
  private int tries;

  RoundRobinSelection(PeerGroup primary, TimeSource time) {
    this.group = primary;
    this.time = time;
    this.lock = primary.lock();
    PeerGroup backup = primary.backup();
    this.tries = primary.usableCount() + (backup != null ? backup.usableCount() : 0);
  }

  @Override
  public PeerGroup group() {
    return group;
  }

  @Override
  public boolean isTried(Peer peer) {
    return tried.get(peer.index());
  }

  @Override
  public boolean isUsable(Peer peer) {
    return !peer.isDown() && !peer.healthDown() && !peer.isFailed(time.nowSeconds()) && !peer.isAtMaxConns();
  }

  @Override
  public Peer take(Peer peer) {
    long now = time.nowSeconds();
    if (now - peer.checked() > peer.failTimeoutSeconds()) {
      peer.checked(now);
    }
    return takeWithoutCheck(peer);
  }

  @Override
  public Peer takeWithoutCheck(Peer peer) {
    tried.set(peer.index());
    peer.conns(peer.conns() + 1);
    return peer;
  }

  @Override
  public PeerGroup switchToBackup() {
    PeerGroup backup = group.backup();
    if (backup == null) {
      return null;
    }
    group = backup;
    tried.clear();
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
          peer.conns(peer.conns() + 1);
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
    if (group.isSingle()) {
      Peer peer = group.get(0);
      // a one-peer group ignores max_fails and the tried set, as nginx does
      if (peer.isDown() || peer.healthDown() || peer.isAtMaxConns()) {
        return null;
      }
      return peer;
    }
    return smoothWeightedPick();
  }

  /** nginx's ngx_http_upstream_get_peer: smooth weighted round robin over the usable, untried peers. */
  private Peer smoothWeightedPick() {
    long now = time.nowSeconds();
    Peer best = null;
    int total = 0;
    for (Peer peer : group.peers()) {
      if (tried.get(peer.index()) || peer.isDown() || peer.healthDown() || peer.isFailed(now)
          || peer.isAtMaxConns()) {
        continue;
      }
      peer.currentWeight(peer.currentWeight() + peer.effectiveWeight());
      total += peer.effectiveWeight();
      if (peer.effectiveWeight() < peer.weight()) {
        peer.effectiveWeight(peer.effectiveWeight() + 1);
      }
      if (best == null || peer.currentWeight() > best.currentWeight()) {
        best = peer;
      }
    }
    if (best == null) {
      return null;
    }
    tried.set(best.index());
    best.currentWeight(best.currentWeight() - total);
    if (now - best.checked() > best.failTimeoutSeconds()) {
      best.checked(now);
    }
    return best;
  }

  @Override
  public void report(Peer peer, Outcome outcome) {
    lock.lock();
    try {
      if (group.isSingle()) {
        peer.conns(peer.conns() - 1);
        tries = 0;
        return;
      }
      if (outcome == Outcome.FAILURE) {
        long now = time.nowSeconds();
        peer.fails(peer.fails() + 1);
        peer.accessed(now);
        peer.checked(now);
        if (peer.maxFails() != 0) {
          peer.effectiveWeight(peer.effectiveWeight() - peer.weight() / peer.maxFails());
        }
        if (peer.effectiveWeight() < 0) {
          peer.effectiveWeight(0);
        }
      } else if (peer.accessed() < peer.checked()) {
        peer.fails(0);   // the peer worked after its fail_timeout window: it is live again
      }
      peer.conns(peer.conns() - 1);
    } finally {
      lock.unlock();
    }
    if (tries > 0) {
      tries--;
    }
  }
}
