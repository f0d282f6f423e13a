package io.xgate.balancers.tengine;

import io.xgate.spi.Balancer;
import io.xgate.spi.ComplexValue;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.RequestView;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.Selection;
import io.xgate.spi.SharedHealth;
import io.xgate.spi.TimeSource;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Tengine 3.2's {@code consistent_hash KEY;} ({@code ngx_http_upstream_consistent_hash_module.c}), with the
 * behaviour its recordings show, quirks included.
 *
 * <ul>
 *   <li>The request goes to the owner of the first ring point whose hash is at least {@code murmur2(KEY)}, wrapping
 *       to the lowest point ({@link ConsistentHashRing}).</li>
 *   <li>A peer is unavailable when an active health check holds it down, when it is {@code down}, or when its
 *       {@code fails} exceed {@code max_fails} (strictly: with the default {@code max_fails=1} two failures are
 *       needed). {@code fails} counts failed attempts; successes never reset it.</li>
 *   <li>When the point's owner is unavailable, all its points leave the ring and two candidates are compared: the
 *       <em>lowest-numbered</em> live point below the position and the nearest live point above it; the one whose
 *       hash is nearer the key's (plain 32-bit distance, the lower one on a tie) wins, a missing side loses. An
 *       unavailable winner leaves the ring too and the comparison repeats from its position.</li>
 *   <li>A removed peer's points return on the first request at or after (the whole second of its removal) +
 *       {@code fail_timeout} on which the health check does not hold it down; that resets {@code fails} to 0 and
 *       clears the configured {@code down} flag, so a {@code down} server starts taking traffic
 *       {@code fail_timeout} after it was first hit.</li>
 *   <li>One attempt per request: a failure answers 502 at once. A request whose point is removed while its owner
 *       counts as available again (the health check let it up before the deadline) gets 502 without any attempt,
 *       and with an empty {@code $upstream_addr}; so does one that finds no live point at all.</li>
 * </ul>
 *
 * <p>Outcomes are handed to {@link SharedHealth} like the round-robin base's, so upstreams listing the same address
 * learn of its failures; failures they share arrive through the base's {@link RoundRobin#observed} and count in
 * {@code fails} here too.
 *
 * <p>Costs: the ring is immutable and the key's point is found before the lock is taken (O(log P) for P points);
 * under the group's lock a request pays O(R) for the R removed peers (their restoration check) and, only when the
 * point's owner is unavailable, O(points of that peer + P/64) per fallback step.
 */
final class ConsistentHashBalancer implements Balancer {

  private final Balancer base;
  private final RoundRobin rr;
  private final SharedHealth sharedHealth;
  private final PeerGroup peers;
  private final Peer[] peerArray;
  private final ComplexValue key;
  private final TimeSource time;
  private final ConsistentHashRing ring;
  private final ReentrantLock lock;

  // guarded by lock
  private final BitSet live;
  private final boolean[] removed;
  private final long[] restoreAt;
  private final boolean[] downCleared;
  private int removedCount;

  /**
   * @param base the chain built before this balancer: not used for picking (Tengine's module does not build on
   *     round robin), only closed with this one, so that what it started (a health check's probes) stops
   * @param rr the chain's round-robin base, in whose name outcomes are shared
   * @param sharedHealth where the outcome of every attempt goes, for the upstreams listing the same address
   */
  ConsistentHashBalancer(Balancer base, RoundRobin rr, SharedHealth sharedHealth, PeerGroup peers, ComplexValue key,
      TimeSource time) {
    this.base = base;
    this.rr = rr;
    this.sharedHealth = sharedHealth;
    this.peers = peers;
    this.peerArray = peers.peers().toArray(new Peer[0]);
    this.key = key;
    this.time = time;
    this.ring = new ConsistentHashRing(peers);
    this.lock = peers.lock();
    this.live = new BitSet(ring.size());
    this.live.set(0, ring.size());
    this.removed = new boolean[peerArray.length];
    this.restoreAt = new long[peerArray.length];
    this.downCleared = new boolean[peerArray.length];
  }

  @Override
  public Selection select(RequestView request) {
    return select(MurmurHash2.hash(key.evaluate(request).getBytes(StandardCharsets.ISO_8859_1)));
  }

  /** The selection of a request whose key hashes to {@code keyHash}. */
  Selection select(long keyHash) {
    return new ConsistentHashSelection(keyHash, ring.find(keyHash));
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

  /** The ring (tests). */
  ConsistentHashRing ring() {
    return ring;
  }

  /** The peer's points return when due and the health check does not hold it down. Under the lock. */
  private void restoreDue(long now) {
    if (removedCount == 0) {
      return;
    }
    for (int i = 0; i < peerArray.length; i++) {
      if (removed[i] && now >= restoreAt[i] && !peerArray[i].healthDown()) {
        removed[i] = false;
        removedCount--;
        peerArray[i].fails(0);
        downCleared[i] = true;
        for (int point : ring.pointsOf(i)) {
          live.set(point);
        }
      }
    }
  }

  /** Under the lock. */
  private boolean isUnavailable(int index) {
    Peer p = peerArray[index];
    return p.healthDown() || p.fails() > p.maxFails() || (p.isDown() && !downCleared[index]);
  }

  /** Takes all points of the peer off the ring until {@code now + fail_timeout}; once only. Under the lock. */
  private void remove(int index, long now) {
    if (removed[index]) {
      return;
    }
    removed[index] = true;
    removedCount++;
    restoreAt[index] = now + peerArray[index].failTimeoutSeconds();
    for (int point : ring.pointsOf(index)) {
      live.clear(point);
    }
  }

  /**
   * The point the request is served from, starting at {@code point}: itself while its owner is available, else
   * Tengine's two-candidate fallback; -1 when no point is live or the point is removed while its owner is
   * available. Under the lock.
   */
  private int choose(int point, long keyHash, long now) {
    restoreDue(now);
    int index = point;
    int owner = ring.owner(index);
    if (isUnavailable(owner)) {
      remove(owner, now);
      while (true) {
        int lowest = live.nextSetBit(0);
        int below = lowest >= 0 && lowest < index ? lowest : -1;
        int above = live.nextSetBit(index + 1);
        int chosen;
        if (below < 0 && above < 0) {
          return -1;
        } else if (below < 0) {
          chosen = above;
        } else if (above < 0) {
          chosen = below;
        } else {
          chosen = Math.abs(ring.hash(below) - keyHash) <= Math.abs(ring.hash(above) - keyHash) ? below : above;
        }
        index = chosen;
        owner = ring.owner(index);
        if (!isUnavailable(owner)) {
          break;
        }
        remove(owner, now);
      }
    }
    return live.get(index) ? index : -1;
  }

  private final class ConsistentHashSelection implements Selection {
    private final long keyHash;
    private final int point;
    private boolean picked;
    private boolean reported;

    ConsistentHashSelection(long keyHash, int point) {
      this.keyHash = keyHash;
      this.point = point;
    }

    @Override
    public Peer next() {
      if (picked) {
        return null;   // one attempt per request
      }
      picked = true;
      long now = time.nowSeconds();
      lock.lock();
      try {
        int chosen = choose(point, keyHash, now);
        return chosen < 0 ? null : peerArray[ring.owner(chosen)];
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void report(Peer peer, Outcome outcome) {
      if (reported) {
        return;
      }
      reported = true;
      if (outcome == Outcome.FAILURE) {
        lock.lock();
        try {
          peer.fails(peer.fails() + 1);
        } finally {
          lock.unlock();
        }
      }
      sharedHealth.accounted(rr, peer, outcome);
    }

    @Override
    public int tries() {
      return reported ? 0 : 1;
    }

    @Override
    public String noPeerName(String upstream) {
      return "";
    }
  }
}
