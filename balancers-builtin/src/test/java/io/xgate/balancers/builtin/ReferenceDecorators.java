package io.xgate.balancers.builtin;

import io.xgate.spi.Balancer;
import io.xgate.spi.ComplexValue;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.PeerSelection;
import io.xgate.spi.RequestView;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.Selection;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongUnaryOperator;

/**
 * The references of {@link DecoratorEquivalenceTest}: hash, hash consistent, ip_hash and random as xgate implemented
 * them before the guide tables and the work moved out of the lock, kept as they were, except that the weight space
 * is nginx's walk over the peers, the ring point is found by nginx's binary search, and random's draws are given.
 */
final class ReferenceDecorators {

  private ReferenceDecorators() {
  }

  /** nginx's walk over the weights: the peer owning {@code w}, down peers included. */
  static int walk(PeerGroup group, long w) {
    int i = 0;
    while (w >= group.get(i).weight()) {
      w -= group.get(i).weight();
      i++;
    }
    return i;
  }

  /** nginx's find_chash_point: the first point whose hash is {@code >= hash}. */
  static int findPoint(KetamaRing ring, long hash) {
    int i = 0;
    int j = ring.size();
    while (i < j) {
      int k = (i + j) >>> 1;
      if (hash > ring.hashAt(k)) {
        i = k + 1;
      } else if (hash < ring.hashAt(k)) {
        j = k;
      } else {
        return k;
      }
    }
    return i;
  }

  /** {@code hash KEY [consistent];} as before. */
  static final class Hash implements Balancer {
    private final RoundRobin rr;
    private final PeerGroup peers;
    private final ComplexValue key;
    private final KetamaRing ring;

    Hash(RoundRobin rr, PeerGroup peers, ComplexValue key, boolean consistent) {
      this.rr = rr;
      this.peers = peers;
      this.key = key;
      this.ring = consistent ? new KetamaRing(peers) : null;
    }

    @Override
    public Selection select(RequestView request) {
      PeerSelection base = rr.select(request);
      byte[] k = NginxHash.keyBytes(key.evaluate(request));
      if (ring == null) {
        return new PlainSelection(base, k);
      }
      int start = k.length == 0 ? 0 : findPoint(ring, NginxHash.crc32(k));
      return new ConsistentSelection(base, k, start);
    }

    @Override
    public PeerGroup peers() {
      return peers;
    }

    private final class PlainSelection extends DecoratingSelection {
      private final byte[] key;
      private int misses;
      private int rehash;
      private long hash;

      PlainSelection(PeerSelection rr, byte[] key) {
        super(rr);
        this.key = key;
      }

      @Override
      public Peer next() {
        if (misses > MAX_MISSES || key.length == 0 || isSingle()) {
          return rr.nextRoundRobin();
        }
        ReentrantLock lock = rr.group().lock();
        lock.lock();
        try {
          while (true) {
            hash = (hash + NginxHash.memcachedStep(key, rehash)) & 0xffffffffL;
            rehash++;
            Peer peer = peers.get(walk(peers, hash % peers.totalWeight()));
            if (!rr.isTried(peer) && rr.isUsable(peer)) {
              return rr.take(peer);
            }
            if (++misses > MAX_MISSES) {
              return rr.nextRoundRobin();
            }
          }
        } finally {
          lock.unlock();
        }
      }
    }

    private final class ConsistentSelection extends DecoratingSelection {
      private final byte[] key;
      private int misses;
      private long point;

      ConsistentSelection(PeerSelection rr, byte[] key, int start) {
        super(rr);
        this.key = key;
        this.point = start;
      }

      @Override
      public Peer next() {
        if (misses > MAX_MISSES || key.length == 0 || isSingle()) {
          return rr.nextRoundRobin();
        }
        ReentrantLock lock = rr.group().lock();
        lock.lock();
        try {
          beforeWeightedScan();
          while (true) {
            int[] candidates = ring.peersAt((int) (point % ring.size()));
            Peer best = null;
            int total = 0;
            for (int index : candidates) {
              Peer peer = peers.get(index);
              if (rr.isTried(peer) || !rr.isUsable(peer)) {
                continue;
              }
              total += consider(peer);
              if (best == null || peer.currentWeight() > best.currentWeight()) {
                best = peer;
              }
            }
            if (best != null) {
              best.currentWeight(best.currentWeight() - total);
              return rr.take(best);
            }
            point++;
            if (++misses > MAX_MISSES) {
              return rr.nextRoundRobin();
            }
          }
        } finally {
          lock.unlock();
        }
      }
    }
  }

  /** {@code ip_hash;} as before. */
  static final class IpHash implements Balancer {
    private final RoundRobin rr;
    private final PeerGroup peers;

    IpHash(RoundRobin rr, PeerGroup peers) {
      this.rr = rr;
      this.peers = peers;
    }

    @Override
    public Selection select(RequestView request) {
      return new IpHashSelection(rr.select(request), IpHashBalancer.addressBytes(request.remoteAddress()));
    }

    @Override
    public PeerGroup peers() {
      return peers;
    }

    private final class IpHashSelection extends DecoratingSelection {
      private final byte[] address;
      private int hash = NginxHash.IP_HASH_START;
      private int misses;

      IpHashSelection(PeerSelection rr, byte[] address) {
        super(rr);
        this.address = address;
      }

      @Override
      public Peer next() {
        if (misses > MAX_MISSES || isSingle()) {
          return rr.nextRoundRobin();
        }
        ReentrantLock lock = rr.group().lock();
        lock.lock();
        try {
          int h = hash;
          while (true) {
            h = NginxHash.ipHashStep(h, address);
            Peer peer = peers.get(walk(peers, h % peers.totalWeight()));
            if (!rr.isTried(peer) && rr.isUsable(peer)) {
              hash = h;
              return rr.take(peer);
            }
            if (++misses > MAX_MISSES) {
              return rr.nextRoundRobin();
            }
          }
        } finally {
          lock.unlock();
        }
      }
    }
  }

  /** {@code random [two];} as before, with the draws given. */
  static final class Random implements Balancer {
    private final RoundRobin rr;
    private final PeerGroup peers;
    private final boolean two;
    private final LongUnaryOperator draws;

    Random(RoundRobin rr, PeerGroup peers, boolean two, LongUnaryOperator draws) {
      this.rr = rr;
      this.peers = peers;
      this.two = two;
      this.draws = draws;
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
      return peers.get(walk(peers, draws.applyAsLong(peers.totalWeight())));
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
}
