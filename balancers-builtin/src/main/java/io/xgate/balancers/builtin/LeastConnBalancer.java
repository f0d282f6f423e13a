package io.xgate.balancers.builtin;

import io.xgate.spi.Balancer;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.PeerSelection;
import io.xgate.spi.RequestView;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.Selection;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * nginx's {@code least_conn;} ({@code ngx_http_upstream_least_conn_module.c}): the usable, untried peer with the
 * fewest active connections relative to its weight ({@code a.conns * b.weight < b.conns * a.weight}, first in config
 * order on equality) wins; when several share that ratio, smooth weighted round robin among those peers only
 * decides. A one-peer group uses round robin; when no primary is usable, least_conn runs over the backup peers.
 *
 * <p>On the built-in round-robin base, picks use a {@link LeastConnIndex} per group, O(log N) instead of nginx's
 * scan of every peer and with the same outcome; the base tells the index about every change of peer state through
 * {@link PeerStateObserver}. While the index holds them, the peers' {@link Peer#currentWeight()} values are not kept
 * up to date ({@link #writeBack()} stores them). On any other base (or past {@link LeastConnIndex#MAX_PEERS} peers),
 * nginx's scan is used.
 *
 * <p>Thread-safe: one instance serves every event loop; picks and index updates run under the group's lock.
 */
final class LeastConnBalancer implements Balancer, PeerStateObserver {

  private final RoundRobin rr;
  private final PeerGroup peers;
  /** {@code null} when the base is not the built-in round robin. */
  private final LeastConnIndex primaryIndex;
  private final LeastConnIndex backupIndex;

  LeastConnBalancer(RoundRobin rr, PeerGroup peers) {
    this.rr = rr;
    this.peers = peers;
    PeerGroup backupGroup = peers.backup();
    if (rr instanceof RoundRobinBalancer base && peers.size() <= LeastConnIndex.MAX_PEERS
        && (backupGroup == null || backupGroup.size() <= LeastConnIndex.MAX_PEERS)) {
      primaryIndex = new LeastConnIndex(peers, base.weightsOf(peers), base.time());
      backupIndex = base.hasBackup()
          ? new LeastConnIndex(backupGroup, base.weightsOf(backupGroup), base.time()) : null;
      base.observe(this);
    } else {
      primaryIndex = null;
      backupIndex = null;
    }
  }

  @Override
  public Selection select(RequestView request) {
    PeerSelection base = rr.select(request);
    if (primaryIndex != null && base instanceof RoundRobinSelection selection) {
      return new IndexedSelection(selection);
    }
    return new ScanSelection(base);
  }

  @Override
  public PeerGroup peers() {
    return peers;
  }

  private LeastConnIndex indexOf(PeerGroup group) {
    return group == peers ? primaryIndex : backupIndex;
  }

  @Override
  public void peerChanged(Peer peer) {
    LeastConnIndex index = peer.isBackup() ? backupIndex : primaryIndex;
    if (index != null) {
      index.refresh(peer.index());
    }
  }

  @Override
  public void beforeRoundRobinScan(PeerGroup group) {
    LeastConnIndex index = indexOf(group);
    if (index != null) {
      index.invalidate();
    }
  }

  /** Stores the current weights the indexes hold into the peers (tests, status). Takes the group's lock. */
  void writeBack() {
    ReentrantLock lock = peers.lock();
    lock.lock();
    try {
      if (primaryIndex != null) {
        primaryIndex.writeBack();
      }
      if (backupIndex != null) {
        backupIndex.writeBack();
      }
    } finally {
      lock.unlock();
    }
  }

  /** least_conn through the groups' indexes. */
  private final class IndexedSelection extends DecoratingSelection {
    private final RoundRobinSelection base;

    IndexedSelection(RoundRobinSelection base) {
      super(base);
      this.base = base;
    }

    @Override
    public Peer next() {
      if (base.isSingle()) {
        return base.nextRoundRobin();
      }
      ReentrantLock lock = base.group().lock();
      lock.lock();
      try {
        while (true) {
          Peer peer = indexOf(base.group()).pick(base);
          if (peer != null) {
            return peer;
          }
          if (base.switchToBackup() == null) {
            return null;
          }
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /** least_conn as nginx scans it, for round-robin bases the index cannot observe. */
  private static final class ScanSelection extends DecoratingSelection {

    ScanSelection(PeerSelection rr) {
      super(rr);
    }

    @Override
    public Peer next() {
      if (isSingle()) {
        return rr.nextRoundRobin();
      }
      ReentrantLock lock = rr.group().lock();
      lock.lock();
      try {
        while (true) {
          Peer peer = pickInGroup(rr.group());
          if (peer != null) {
            return peer;
          }
          if (rr.switchToBackup() == null) {
            return null;
          }
        }
      } finally {
        lock.unlock();
      }
    }

    private Peer pickInGroup(PeerGroup group) {
      List<Peer> list = group.peers();
      Peer best = null;
      boolean many = false;
      int first = 0;
      for (int i = 0; i < list.size(); i++) {
        Peer peer = list.get(i);
        if (rr.isTried(peer) || !rr.isUsable(peer)) {
          continue;
        }
        if (best == null || (long) peer.conns() * best.weight() < (long) best.conns() * peer.weight()) {
          best = peer;
          many = false;
          first = i;
        } else if ((long) peer.conns() * best.weight() == (long) best.conns() * peer.weight()) {
          many = true;
        }
      }
      if (best == null) {
        return null;
      }
      if (many) {
        beforeWeightedScan();
        int total = 0;
        Peer leader = best;
        for (int i = first; i < list.size(); i++) {
          Peer peer = list.get(i);
          if (rr.isTried(peer) || !rr.isUsable(peer)
              || (long) peer.conns() * leader.weight() != (long) leader.conns() * peer.weight()) {
            continue;
          }
          total += consider(peer);
          if (peer.currentWeight() > best.currentWeight()) {
            best = peer;
          }
        }
        best.currentWeight(best.currentWeight() - total);
      }
      // nginx restarts the fail_timeout window of the chosen peer whether or not there was a tie
      return rr.take(best);
    }
  }
}
