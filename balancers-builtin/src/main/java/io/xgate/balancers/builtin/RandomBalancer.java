package io.xgate.balancers.builtin;

import io.xgate.spi.Balancer;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.PeerSelection;
import io.xgate.spi.RequestView;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.Selection;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * nginx's {@code random [two [least_conn]];} ({@code ngx_http_upstream_random_module.c}): a peer drawn with
 * probability proportional to its weight ({@code down} peers keep their share of the draw) through a table of
 * running weight sums and a binary search, O(log N). A miss (tried, down, failed, at max_conns) draws again; after
 * 20 misses, or for a one-peer group, round robin.
 *
 * <p>With {@code two}: draws until it has two different usable peers and keeps the one with fewer connections
 * relative to weight; on a tie nginx keeps the second draw, which is why sequential traffic does not follow the
 * weights.
 */
final class RandomBalancer implements Balancer {

  private final RoundRobin rr;
  private final PeerGroup peers;
  private final WeightSpace space;
  private final boolean two;

  RandomBalancer(RoundRobin rr, PeerGroup peers, boolean two) {
    this.rr = rr;
    this.peers = peers;
    this.space = new WeightSpace(peers);
    this.two = two;
  }

  @Override
  public Selection select(RequestView request) {
    return new RandomSelection(rr.select(request));
  }

  @Override
  public PeerGroup peers() {
    return peers;
  }

  private Peer draw() {
    return peers.get(space.owner(ThreadLocalRandom.current().nextLong(space.total())));
  }

  private final class RandomSelection extends DecoratingSelection {
    private int misses;

    RandomSelection(PeerSelection rr) {
      super(rr);
    }

    @Override
    public Peer next() {
      if (misses > MAX_MISSES || peers.size() < 2) {
        return rr.nextRoundRobin();
      }
      ReentrantLock lock = rr.group().lock();
      lock.lock();
      try {
        return two ? nextOfTwo() : nextOfOne();
      } finally {
        lock.unlock();
      }
    }

    private Peer nextOfOne() {
      while (true) {
        Peer peer = draw();
        if (!rr.isTried(peer) && rr.isUsable(peer)) {
          return rr.take(peer);
        }
        if (++misses > MAX_MISSES) {
          return rr.nextRoundRobin();
        }
      }
    }

    private Peer nextOfTwo() {
      Peer previous = null;
      while (true) {
        Peer peer = draw();
        if (peer != previous && !rr.isTried(peer) && rr.isUsable(peer)) {
          if (previous != null) {
            if ((long) peer.conns() * previous.weight() > (long) previous.conns() * peer.weight()) {
              peer = previous;
            }
            return rr.take(peer);
          }
          previous = peer;
        }
        if (++misses > MAX_MISSES) {
          return rr.nextRoundRobin();
        }
      }
    }
  }
}
