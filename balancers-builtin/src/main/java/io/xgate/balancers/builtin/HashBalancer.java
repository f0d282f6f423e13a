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
 * rehashes; after 20 misses, or for an empty key or a one-peer group, the request uses round robin. nginx's weight
 * walk is the guide table of {@link WeightSpace}, O(1).
 *
 * <p>Consistent: the key's {@code crc32} finds the first ring point at or after it ({@link KetamaRing}, O(1) through
 * its guide table); the point's server line is used (smooth weighted round robin among its usable peers); a miss
 * steps to the next point; after 20 steps, or for an empty key or a one-peer group, round robin. Each step is O(k)
 * for the k peers of one server line.
 *
 * <p>The candidates depend on the key alone, so the first one is found before the group's lock is taken; the checks
 * and the take happen under it, with the clock read once per pick as nginx does.
 */
final class HashBalancer implements Balancer {

  private final RoundRobin rr;
  private final PeerGroup peers;
  private final Peer[] peerArray;
  private final ComplexValue key;
  private final WeightSpace space;
  private final KetamaRing ring;

  HashBalancer(RoundRobin rr, PeerGroup peers, ComplexValue key, boolean consistent) {
    this.rr = rr;
    this.peers = peers;
    this.peerArray = peers.peers().toArray(new Peer[0]);
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
      long now = now();
      // the candidates depend on the key alone: the first one is found before the lock is taken
      long candidate = (hash + NginxHash.memcachedStep(key, rehash)) & 0xffffffffL;   // nginx keeps a uint32_t
      Peer peer = peerArray[space.owner(candidate % space.total())];
      ReentrantLock lock = rr.group().lock();
      lock.lock();
      try {
        while (true) {
          hash = candidate;
          rehash++;
          if (!rr.isTried(peer) && isUsable(peer, now)) {
            return take(peer, now);
          }
          if (++misses > MAX_MISSES) {
            return rr.nextRoundRobin();
          }
          candidate = (hash + NginxHash.memcachedStep(key, rehash)) & 0xffffffffL;
          peer = peerArray[space.owner(candidate % space.total())];
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
      long now = now();
      // the ring is immutable: the first point's server line is found before the lock is taken
      int server = ring.serverAt((int) (point % ring.size()));
      ReentrantLock lock = rr.group().lock();
      lock.lock();
      try {
        beforeWeightedScan();
        while (true) {
          int end = ring.firstSlot(server + 1);
          Peer best = null;
          int total = 0;
          for (int slot = ring.firstSlot(server); slot < end; slot++) {
            Peer peer = peerArray[ring.peerOfSlot(slot)];
            if (rr.isTried(peer) || !isUsable(peer, now)) {
              continue;
            }
            total += consider(peer);
            if (best == null || peer.currentWeight() > best.currentWeight()) {
              best = peer;
            }
          }
          if (best != null) {
            best.currentWeight(best.currentWeight() - total);
            return take(best, now);
          }
          point++;
          if (++misses > MAX_MISSES) {
            return rr.nextRoundRobin();
          }
          server = ring.serverAt((int) (point % ring.size()));
        }
      } finally {
        lock.unlock();
      }
    }
  }
}
