package io.xgate.balancers.tengine;

import io.vertx.core.MultiMap;
import io.xgate.spi.Balancer;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.PeerSelection;
import io.xgate.spi.RequestView;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.Selection;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntUnaryOperator;

/**
 * Tengine's {@code vnswrr [max_init=N];} ({@code ngx_http_upstream_vnswrr_module.c}): smooth weighted round robin
 * precomputed into a virtual-node table ({@link VirtualNodeTable}) and walked one slot per pick, so a pick is O(1)
 * instead of nginx's O(N) scan. The primary and the backup group have a table each; when no primary slot is
 * eligible the request moves to the backup group, as nginx's round robin does. A failed attempt is retried on the
 * next eligible slot of the same request; failure accounting, tries and {@code conns} are the round-robin base's.
 * A group of one peer (no backup) is the round-robin base's single-peer case.
 */
final class VnswrrBalancer implements Balancer {

  private final Balancer base;
  private final RoundRobin rr;
  private final PeerGroup peers;
  private final ReentrantLock lock;
  private final VirtualNodeTable primary;
  private final VirtualNodeTable backup;

  /**
   * @param base the chain built before this balancer, closed with it (picks build on {@code rr})
   * @param start the walk's {@code init} for a group of that many peers (Tengine: {@code random() % n})
   */
  VnswrrBalancer(Balancer base, RoundRobin rr, PeerGroup peers, int maxInit, IntUnaryOperator start) {
    this.base = base;
    this.rr = rr;
    this.peers = peers;
    this.lock = peers.lock();
    lock.lock();   // the tables' first slots are built from the peers' current weights
    try {
      this.primary = new VirtualNodeTable(peers, maxInit, start.applyAsInt(peers.size()));
      PeerGroup b = peers.backup();
      this.backup = b == null || b.size() == 0 ? null : new VirtualNodeTable(b, maxInit, start.applyAsInt(b.size()));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Selection select(RequestView request) {
    return new VnswrrSelection(rr.select(request));
  }

  @Override
  public PeerGroup peers() {
    return peers;
  }

  @Override
  public void close() {
    if (base != null) {
      base.close();
    }
  }

  private VirtualNodeTable tableOf(PeerGroup group) {
    return group == peers ? primary : backup;
  }

  private final class VnswrrSelection implements Selection {
    private final PeerSelection base;

    VnswrrSelection(PeerSelection base) {
      this.base = base;
    }

    @Override
    public Peer next() {
      if (base.group().isSingle()) {
        return base.nextRoundRobin();
      }
      lock.lock();
      try {
        while (true) {
          VirtualNodeTable table = tableOf(base.group());
          Peer peer = table == null ? null : table.pick(p -> !base.isTried(p) && base.isUsable(p));
          if (peer != null) {
            return base.take(peer);
          }
          if (base.switchToBackup() == null) {
            return null;
          }
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void report(Peer peer, Outcome outcome) {
      base.report(peer, outcome);
    }

    @Override
    public int tries() {
      return base.tries();
    }

    @Override
    public void onResponseHeaders(Peer peer, int status, MultiMap headers) {
      base.onResponseHeaders(peer, status, headers);
    }
  }
}
