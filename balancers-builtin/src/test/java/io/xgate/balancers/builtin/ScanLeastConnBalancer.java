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
 * The reference of {@link LeastConnEquivalenceTest}: least_conn as xgate implemented it before the index, a scan of
 * every peer as nginx's {@code ngx_http_upstream_get_least_conn_peer} does, kept verbatim.
 *
 * <p>nginx's {@code least_conn;} ({@code ngx_http_upstream_least_conn_module.c}): the usable, untried peer with the
 * fewest active connections relative to its weight ({@code a.conns * b.weight < b.conns * a.weight}, first in config
 * order on equality) wins; when several share that ratio, smooth weighted round robin among those peers only
 * decides. A one-peer group uses round robin; when no primary is usable, least_conn runs over the backup peers.
 */
final class ScanLeastConnBalancer implements Balancer {

  private final RoundRobin rr;
  private final PeerGroup peers;

  ScanLeastConnBalancer(RoundRobin rr, PeerGroup peers) {
    this.rr = rr;
    this.peers = peers;
  }

  @Override
  public Selection select(RequestView request) {
    return new LeastConnSelection(rr.select(request));
  }

  @Override
  public PeerGroup peers() {
    return peers;
  }

  private static final class LeastConnSelection extends DecoratingSelection {

    LeastConnSelection(PeerSelection rr) {
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
