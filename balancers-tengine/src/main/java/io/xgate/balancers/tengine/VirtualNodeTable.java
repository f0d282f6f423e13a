package io.xgate.balancers.tengine;

import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;

/**
 * The virtual-node table of Tengine's vnswrr for one peer group (primary or backup), and the walk over it.
 *
 * <p>A weighted group (some weight is not 1) gets a table of {@code total_weight / gcd(weights)} slots, each the
 * pick of one step of smooth weighted round robin over all peers of the group in config order (add each peer's
 * effective weight to its current weight, choose the first strictly largest, subtract the sum from it): weights
 * 5,1,1 give {@code a a b a c a a}. The table is built lazily, {@code max_init} slots at a time, as Tengine does:
 * {@code max_init} at start, {@code max_init} more when the walk reaches the end of what is built, and
 * {@code max_init} more at every slot the walk looks at while the table is incomplete. A failure lowers a peer's
 * effective weight (nginx's accounting), which shows only in slots built after it. An unweighted group's table is
 * the peers in config order.
 *
 * <p>The walk starts at slot {@code init + 1} with {@code init} drawn in {@code [0, number of peers)} (the number
 * of peers, not the table length), then moves one slot per pick from the slot last used, skipping slots whose peer
 * the request already tried or that is unusable. A pick is O(1) while the slot's peer is usable, plus the lazy
 * build (O(max_init * peers) per look while the table is incomplete, O(table * peers) in all).
 *
 * <p>Guarded by the group's lock.
 */
final class VirtualNodeTable {

  /** The walk has not started: Tengine's {@code NGX_CONF_UNSET_UINT}. */
  private static final int UNSET = -1;

  private final Peer[] peers;
  private final boolean weighted;
  private final int length;
  private final int maxInit;
  private final int init;
  /** Peer index of each slot; {@link #built} of them are filled. */
  private final int[] slots;
  private int built;
  private int last = UNSET;

  /**
   * @param group the group
   * @param maxInit slots built at a time; 0 for the default, the number of peers
   * @param init the start ({@code init + 1} is the first slot), in {@code [0, number of peers)}
   */
  VirtualNodeTable(PeerGroup group, int maxInit, int init) {
    this.peers = group.peers().toArray(new Peer[0]);
    this.weighted = group.isWeighted();
    this.init = init;
    if (!weighted) {
      length = peers.length;
      this.maxInit = peers.length;
      slots = new int[length];
      for (int i = 0; i < length; i++) {
        slots[i] = i;
      }
      built = length;
      return;
    }
    int gcd = 0;
    for (Peer p : peers) {
      gcd = gcd(gcd, p.weight());
    }
    length = group.totalWeight() / gcd;
    // Tengine caps max_init at the total weight, which can exceed the table (total / gcd) and overrun it; the table
    // length is the real bound
    this.maxInit = maxInit <= 0 ? peers.length : Math.min(maxInit, length);
    slots = new int[length];
    build(Math.min(this.maxInit, length));
  }

  static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /** Tengine's {@code ngx_http_upstream_get_rr_peer}: one smooth weighted step over every peer of the group. */
  private int swrrStep() {
    int total = 0;
    int best = -1;
    for (int i = 0; i < peers.length; i++) {
      Peer p = peers[i];
      p.currentWeight(p.currentWeight() + p.effectiveWeight());
      total += p.effectiveWeight();
      if (best < 0 || p.currentWeight() > peers[best].currentWeight()) {
        best = i;
      }
    }
    peers[best].currentWeight(peers[best].currentWeight() - total);
    return best;
  }

  private void build(int count) {
    int end = Math.min(built + count, length);
    while (built < end) {
      slots[built++] = swrrStep();
    }
  }

  /** Builds {@code max_init} more slots while the table is incomplete (Tengine does so at every slot it looks at). */
  private void grow() {
    if (built < length) {
      build(maxInit);
    }
  }

  /** The slot the next walk starts from. */
  int startSlot() {
    if (last == UNSET) {
      last = init;
    }
    if (weighted && built != length && last + 1 == built) {
      grow();
    }
    return (last + 1) % built;
  }

  /** A usability test for one peer (tried set, down, failures, max_conns, health check). */
  interface Eligibility {
    boolean test(Peer peer);
  }

  /**
   * One pick: the peer of the first eligible slot from {@link #startSlot()} on, once around the table; it becomes
   * the slot the next walk continues from. {@code null} when no slot is eligible.
   */
  Peer pick(Eligibility eligible) {
    int begin = startSlot();
    int i = begin;
    boolean first = true;
    while (i != begin || first) {
      first = false;
      if (weighted) {
        grow();
      }
      Peer peer = peers[slots[i]];
      if (eligible.test(peer)) {
        last = i;
        return peer;
      }
      i = (i + 1) % built;
    }
    return null;
  }

  /** The table length: {@code total / gcd} for a weighted group, else the number of peers. */
  int length() {
    return length;
  }

  /** Slots built so far. */
  int built() {
    return built;
  }

  /** The peer index of {@code slot} (a built one). */
  int slot(int slot) {
    return slots[slot];
  }
}
