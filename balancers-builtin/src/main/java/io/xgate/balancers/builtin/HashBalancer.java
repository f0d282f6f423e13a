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

/**
 * nginx's {@code hash KEY;} and {@code hash KEY consistent;} ({@code ngx_http_upstream_hash_module.c}).
 *
 * <p>Plain: {@code (crc32([REHASH] KEY) >> 16) & 0x7fff} summed over the attempts, modulo the total weight, mapped
 * onto the peers' weights ({@code down} peers keep their share); a miss (tried, down, failed, at max_conns)
 * rehashes; after 20 misses, or for an empty key or a one-peer group, the request uses round robin. The weight walk
 * is a binary search, O(log N).
 *
 * <p>Consistent: the key's {@code crc32} finds the first ring point at or after it ({@link KetamaRing}); the point's
 * server line is used (smooth weighted round robin among its usable peers); a miss steps to the next point; after
 * 20 steps, or for an empty key or a one-peer group, round robin. Each step is O(log N) to find and O(k) for the k
 * peers of one server line.
 */
final class HashBalancer implements Balancer {

  private final RoundRobin rr;
  private final PeerGroup peers;
  private final ComplexValue key;
  private final WeightSpace space;
  private final KetamaRing ring;

  HashBalancer(RoundRobin rr, PeerGroup peers, ComplexValue key, boolean consistent) {
    this.rr = rr;
    this.peers = peers;
    this.key = key;
    this.space = new WeightSpace(peers);
    this.ring = consistent ? new KetamaRing(peers) : null;
  }

  @Override
  public Selection select(RequestView request) {
    PeerSelection base = rr.select(request);
    byte[] k = NginxHash.keyBytes(key.evaluate(request));
    if (ring == null) {
      return new PlainSelection(base, k);
    }
    // nginx finds the start point when the request is set up (init_chash_peer)
    int start = k.length == 0 ? 0 : ring.find(NginxHash.crc32(k));
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
          hash = (hash + NginxHash.memcachedStep(key, rehash)) & 0xffffffffL;   // nginx keeps a uint32_t
          rehash++;
          Peer peer = peers.get(space.owner(hash % space.total()));
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
          int server = ring.serverAt((int) (point % ring.size()));
          int end = ring.firstSlot(server + 1);
          Peer best = null;
          int total = 0;
          for (int slot = ring.firstSlot(server); slot < end; slot++) {
            Peer peer = peers.get(ring.peerOfSlot(slot));
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
