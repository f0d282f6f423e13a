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
import java.util.function.LongUnaryOperator;

/**
 * nginx's {@code random [two [least_conn]];} ({@code ngx_http_upstream_random_module.c}): a peer drawn with
 * probability proportional to its weight ({@code down} peers keep their share of the draw) through the guide table
 * of {@link WeightSpace}, O(1). A miss (tried, down, failed, at max_conns) draws again; after 20 misses, or for a
 * one-peer group, round robin. Draws do not depend on the peers' state, so the first ones are made before the
 * group's lock is taken; the checks and the take happen under it, with the clock read once per pick as nginx does.
 *
 * <p>With {@code two}: draws until it has two different usable peers and keeps the one with fewer connections
 * relative to weight; on a tie nginx keeps the second draw, which is why sequential traffic does not follow the
 * weights.
 */
final class RandomBalancer implements Balancer {

  private final RoundRobin rr;
  private final PeerGroup peers;
  private final Peer[] peerArray;
  private final WeightSpace space;
  private final boolean two;
  /** A uniform draw in {@code [0, bound)}. */
  private final LongUnaryOperator draws;

  RandomBalancer(RoundRobin rr, PeerGroup peers, boolean two) {
    this(rr, peers, two, bound -> ThreadLocalRandom.current().nextLong(bound));
  }

  /** With the draws given (tests replay a seeded sequence). */
  RandomBalancer(RoundRobin rr, PeerGroup peers, boolean two, LongUnaryOperator draws) {
    this.draws = draws;
    this.rr = rr;
    this.peers = peers;
    this.peerArray = peers.peers().toArray(new Peer[0]);
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
    return peerArray[space.owner(draws.applyAsLong(space.total()))];
  }

  private final class RandomSelection extends DecoratingSelection {
    private int misses;

    RandomSelection(PeerSelection rr) {
      super(rr);
    }

    @Override
    public Peer next() {
      if (misses > MAX_MISSES || peerArray.length < 2) {
        return rr.nextRoundRobin();
      }
      long now = now();
      // draws do not depend on the peers' state: the first ones are made before the lock is taken (the second only
      // when the loop is sure to use it, so that the draws are the loop's own)
      Peer first = draw();
      Peer second = two && misses < MAX_MISSES ? draw() : null;
      ReentrantLock lock = rr.group().lock();
      lock.lock();
      try {
        return two ? nextOfTwo(now, first, second) : nextOfOne(now, first);
      } finally {
        lock.unlock();
      }
    }

    private Peer nextOfOne(long now, Peer peer) {
      while (true) {
        if (!rr.isTried(peer) && isUsable(peer, now)) {
          return take(peer, now);
        }
        if (++misses > MAX_MISSES) {
          return rr.nextRoundRobin();
        }
        peer = draw();
      }
    }

    private Peer nextOfTwo(long now, Peer peer, Peer drawn) {
      Peer previous = null;
      while (true) {
        if (peer != previous && !rr.isTried(peer) && isUsable(peer, now)) {
          if (previous != null) {
            if ((long) peer.conns() * previous.weight() > (long) previous.conns() * peer.weight()) {
              peer = previous;
            }
            return take(peer, now);
          }
          previous = peer;
        }
        if (++misses > MAX_MISSES) {
          return rr.nextRoundRobin();
        }
        if (drawn != null) {
          peer = drawn;
          drawn = null;
        } else {
          peer = draw();
        }
      }
    }
  }
}
