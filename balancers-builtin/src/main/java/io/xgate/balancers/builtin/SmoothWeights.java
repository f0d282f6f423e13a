package io.xgate.balancers.builtin;

import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import java.util.Arrays;

/**
 * The smooth weighted round-robin state of one peer group, with an O(1) path that reproduces nginx's O(N) scan.
 *
 * <p>While every peer not marked {@code down} is eligible and every effective weight equals its weight (a "clean"
 * step), nginx's scan is a deterministic function of the current weights, and from any state it falls into a cycle
 * of length {@code L = total / gcd(weights)} (the weights' sum divided by their gcd). Once the state is on such a
 * cycle, the cycle's order of picks is replayed from an array. The cycle is not precomputed: the exact scan records
 * its clean picks, and when the current weights after {@code L} clean picks equal the ones at the start of the
 * recording, the recorded picks are that cycle. Any other step (a peer tried, failed, at {@code max_conns}, held
 * down, or an effective weight recovering) materializes the current weights of the equivalent state into the peers
 * and goes back to the exact scan, which starts a new recording.
 *
 * <p>While the fast path runs, {@link Peer#currentWeight()} is not kept up to date; {@link #external()} writes it
 * back before code outside the round-robin scan reads or changes it. Guarded by the group's lock.
 */
final class SmoothWeights {

  /** Longest recording kept; a group whose cycle is longer keeps nginx's scan. */
  static final int MAX_CYCLE = 1 << 20;

  private final Peer[] active;
  private final int[] activePosition;   // group index -> position in active, or -1 for down peers
  private final long total;
  private final int cycleLength;        // L; 0 when the fast path is off for this group

  /** Active peers whose effective weight is below their weight. */
  private int degraded;
  /** Active peers with max_fails reached (they may or may not be inside fail_timeout). */
  private int suspended;
  /** Active peers at max_conns. */
  private int saturated;

  private boolean fast;
  private int[] cycle;
  private long[] base;
  private int position;

  private boolean recording;
  private long[] snapshot;
  private int[] recorded;
  private int recordedLength;

  SmoothWeights(PeerGroup group) {
    int n = group.size();
    activePosition = new int[n];
    int count = 0;
    long sum = 0;
    long gcd = 0;
    for (Peer p : group.peers()) {
      if (!p.isDown()) {
        count++;
        sum += p.weight();
        gcd = gcd(gcd, p.weight());
      }
    }
    active = new Peer[count];
    int a = 0;
    for (Peer p : group.peers()) {
      if (p.isDown()) {
        activePosition[p.index()] = -1;
      } else {
        activePosition[p.index()] = a;
        active[a++] = p;
        if (p.effectiveWeight() < p.weight()) {
          degraded++;
        }
        if (p.maxFails() != 0 && p.fails() >= p.maxFails()) {
          suspended++;
        }
        if (p.isAtMaxConns()) {
          saturated++;
        }
      }
    }
    total = sum;
    long length = gcd == 0 ? 0 : sum / gcd;
    cycleLength = length > 0 && length <= MAX_CYCLE ? (int) length : 0;
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  int activeCount() {
    return active.length;
  }

  /** Whether the next first pick of a request (nothing tried yet) can come from the cycle. */
  boolean fastReady() {
    return fast && degraded == 0 && suspended == 0 && saturated == 0;
  }

  /** The next pick of the cycle, or {@code null} when the scan must decide (a peer held down by a health check). */
  Peer fastPick() {
    Peer peer = active[cycle[position]];
    if (peer.healthDown()) {
      return null;
    }
    if (++position == cycle.length) {
      position = 0;
    }
    return peer;
  }

  /**
   * Writes the current weights of the cycle position back into the peers and leaves the fast path; forgets the
   * recording, because someone else is about to change current weights. Call before touching current weights outside
   * {@link #scanned}.
   */
  void external() {
    materialize();
    recording = false;
  }

  /** Call before nginx's scan reads current weights. */
  void beforeScan() {
    materialize();
  }

  private void materialize() {
    if (!fast) {
      return;
    }
    fast = false;
    long[] counts = new long[active.length];
    for (int i = 0; i < position; i++) {
      counts[cycle[i]]++;
    }
    for (int i = 0; i < active.length; i++) {
      Peer p = active[i];
      p.currentWeight((int) (base[i] + (long) position * p.weight() - total * counts[i]));
    }
    recording = false;
  }

  /**
   * Call after every nginx scan of this group that changed current weights.
   *
   * @param best the peer the scan chose
   * @param clean whether every active peer was eligible and none had a reduced effective weight
   */
  void scanned(Peer best, boolean clean) {
    if (cycleLength == 0) {
      return;
    }
    if (!clean) {
      recording = false;
      return;
    }
    if (!recording) {
      startRecording();   // from the state after this pick
      return;
    }
    recorded[recordedLength++] = activePosition[best.index()];
    if (recordedLength < cycleLength) {
      return;
    }
    if (sameAsSnapshot()) {
      // the state is back where the recording started: the recorded picks are its cycle
      cycle = Arrays.copyOf(recorded, recordedLength);
      base = snapshot.clone();
      position = 0;
      fast = true;
      recording = false;
    } else {
      // not on a cycle yet: restart from here, which is closer to one
      startRecording();
    }
  }

  private void startRecording() {
    if (snapshot == null) {
      snapshot = new long[active.length];
      recorded = new int[cycleLength];
    }
    for (int i = 0; i < active.length; i++) {
      snapshot[i] = active[i].currentWeight();
    }
    recordedLength = 0;
    recording = true;
  }

  private boolean sameAsSnapshot() {
    for (int i = 0; i < active.length; i++) {
      if (active[i].currentWeight() != snapshot[i]) {
        return false;
      }
    }
    return true;
  }

  // ---- bookkeeping of the conditions of a clean step; callers pass the values before the change ----

  /** The effective weight of {@code peer} changed from {@code before}. */
  void effectiveWeightChanged(Peer peer, int before) {
    boolean was = before < peer.weight();
    boolean is = peer.effectiveWeight() < peer.weight();
    if (was != is && activePosition[peer.index()] >= 0) {
      degraded += is ? 1 : -1;
    }
  }

  /** The failure count of {@code peer} changed from {@code before}. */
  void failsChanged(Peer peer, int before) {
    if (peer.maxFails() == 0) {
      return;
    }
    boolean was = before >= peer.maxFails();
    boolean is = peer.fails() >= peer.maxFails();
    if (was != is && activePosition[peer.index()] >= 0) {
      suspended += is ? 1 : -1;
    }
  }

  /** The connection count of {@code peer} changed from {@code before}. */
  void connsChanged(Peer peer, int before) {
    if (peer.maxConns() == 0) {
      return;
    }
    boolean was = before >= peer.maxConns();
    boolean is = peer.isAtMaxConns();
    if (was != is && activePosition[peer.index()] >= 0) {
      saturated += is ? 1 : -1;
    }
  }

  /**
   * nginx's per-peer step of a weighted scan: adds the effective weight to the current weight and lets a reduced
   * effective weight recover by one. Returns the effective weight added (for the scan's total).
   */
  int consider(Peer peer) {
    int effective = peer.effectiveWeight();
    peer.currentWeight(peer.currentWeight() + effective);
    if (effective < peer.weight()) {
      peer.effectiveWeight(effective + 1);
      effectiveWeightChanged(peer, effective);
    }
    return effective;
  }

  /** Whether the cycle is in use (tests and benchmarks). */
  boolean isFast() {
    return fast;
  }
}
