package io.xgate.balancers.builtin;

import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.TimeSource;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * least_conn's view of one peer group, kept so that a pick costs O(log N) instead of nginx's scan of every peer,
 * with exactly the scan's outcome and the scan's effect on every peer's state.
 *
 * <p>What nginx's scan ({@code ngx_http_upstream_get_least_conn_peer}) decides, over the usable, untried peers:
 * the minimum of {@code conns / weight}; if one peer has it, that peer, no current weight touched; if several tie,
 * one step of smooth weighted round robin among exactly those peers (each adds its effective weight to its current
 * weight, a reduced effective weight recovers by one, the first peer in config order with the largest current
 * weight wins and gives back the sum of the effective weights added).
 *
 * <p>How the index gets the same answer without the scan:
 * <ul>
 *   <li>Every usable peer sits in the <em>bucket</em> of its (weight, conns); a bucket belongs to the <em>ratio
 *       class</em> {@code conns / weight} (reduced), which collects the buckets of every weight with that ratio.
 *       Classes with members are kept in a min-heap by ratio: its top class is the tied set of the next pick.</li>
 *   <li>A tie-break step of a class adds each member's effective weight to its current weight. For a member whose
 *       effective weight equals its weight (a <em>clean</em> member), the index stores
 *       {@code offset = current_weight - weight * ticks(class)} and a step is {@code ticks++}: O(1) for all clean
 *       members at once. Members of one bucket share a weight, so steps never change their order by current
 *       weight: each bucket keeps its members ordered by offset, then config order, and the step's winner is the
 *       best of the bucket tops, compared by current weight and then config order, as the scan's strict {@code >}
 *       has it. A step's winner drops by the step's total and a peer coming back into a class has missed its steps,
 *       so most arrivals rank below every member of their bucket: they are appended to a sorted run, O(1); the
 *       others go to a heap beside it, O(log N).</li>
 *   <li>A member with a reduced effective weight (recovering after a failure) changes its increment on every
 *       step, so it is kept in its class's <em>recovering</em> list and stepped one by one, as nginx steps it,
 *       until it is clean again.</li>
 *   <li>Peers that are not usable are <em>parked</em>: {@code down}, held down by a health check
 *       ({@link PeerGroup#healthChanges()} tells when to look again), at {@code max_conns}, or disabled by
 *       {@code max_fails}, in which case they wait in a heap by the second their {@code fail_timeout} ends.
 *       The tried peers of the selection being served are taken out for the pick and put back after it.</li>
 *   <li>Every change of a peer's state (a take or a report) comes through {@link #refresh(int)}, which takes the
 *       peer out (writing its current weight back) and puts it where its new state belongs.</li>
 * </ul>
 *
 * <p>Cost of a pick or a report: O(1) when arrivals come in order (sequential traffic, and most concurrent
 * traffic), O(log N) at worst, plus the number of distinct weights in the tied class, plus its recovering peers,
 * plus O(t log N) for t peers already tried by the request. A change of health flags costs one O(N) pass; a clock
 * that goes backwards, or a round-robin scan of the group, makes the next pick rebuild the index in O(N log N).
 *
 * <p>While a peer is in a bucket its {@link Peer#currentWeight()} is not kept up to date: {@link #writeBack()} stores
 * it. Not thread-safe: every method runs under the group's lock.
 */
final class LeastConnIndex {

  /** Where a peer is. */
  private static final byte OUT = 0;
  private static final byte PARKED = 1;
  private static final byte CLEAN = 2;
  private static final byte RECOVERING = 3;

  /** The most peers a group may have for the index (a bucket key keeps the peer's index in its low bits). */
  static final int MAX_PEERS = 1 << 24;

  private final PeerGroup group;
  private final SmoothWeights weights;
  private final TimeSource time;
  private final Peer[] peers;
  /** Per distinct weight, the buckets by conns (created on first use). */
  private final Bucket[][] bucketsByWeight;
  private final int[] distinctWeights;
  private final Map<Long, RatioClass> classes = new HashMap<>();
  /**
   * Bucket keys are {@code offset << indexBits | (indexMask - index)}: one {@code long} comparison orders by current
   * weight and then config order.
   */
  private final int indexBits;
  private final long indexMask;
  /** Ticks after which a class folds them into its offsets, so that a key cannot overflow. */
  private final long rebaseTicks;

  /** The index's record of each peer, by index. */
  private final Entry[] entries;

  /** Classes with members, a min-heap by ratio. */
  private RatioClass[] classHeap = new RatioClass[8];
  private int classCount;

  /** Peers disabled by max_fails, a min-heap by the second they become usable again. */
  private final int[] expiryHeap;
  private int expiryCount;

  private long latestNow = Long.MIN_VALUE;
  private long seenHealthChanges;
  /** Whether the peers' state must be read afresh before the next pick; nothing is indexed meanwhile. */
  private boolean stale = true;
  /** Whether the clock was seen going back, which may make usable peers failed again without a state change. */
  private boolean clockWentBack;

  /**
   * @param group the peers (primary or backup group)
   * @param weights the round-robin state of the same group, for nginx's per-peer weighted step
   * @param time the clock the selections read
   */
  LeastConnIndex(PeerGroup group, SmoothWeights weights, TimeSource time) {
    this.group = group;
    this.weights = weights;
    this.time = time;
    int n = group.size();
    if (n > MAX_PEERS) {
      throw new IllegalArgumentException("more than " + MAX_PEERS + " peers");
    }
    indexBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(n));
    indexMask = (1L << indexBits) - 1;
    peers = group.peers().toArray(new Peer[0]);
    entries = new Entry[n];
    Map<Integer, Integer> positions = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Integer position = positions.get(peers[i].weight());
      if (position == null) {
        position = positions.size();
        positions.put(peers[i].weight(), position);
      }
      entries[i] = new Entry(position);
    }
    distinctWeights = new int[positions.size()];
    positions.forEach((weight, position) -> distinctWeights[position] = weight);
    int maxWeight = Arrays.stream(distinctWeights).max().orElse(1);
    // |offset| <= |current weight| + weight * ticks must stay below 2^(63 - indexBits)
    rebaseTicks = Math.max(1, ((1L << (62 - indexBits)) - (1L << 31)) / maxWeight);
    bucketsByWeight = new Bucket[distinctWeights.length][];
    Arrays.fill(bucketsByWeight, new Bucket[0]);
    expiryHeap = new int[n];
  }

  // ---- picks ----

  /**
   * nginx's least_conn pick in this group for {@code selection} (whose current group this is), without the backup
   * fallback: takes the chosen peer through the selection and returns it, or returns {@code null} when no peer of
   * the group is usable and untried.
   */
  Peer pick(RoundRobinSelection selection) {
    sync();
    int[] tried = selection.anyTried() ? selection.triedIndexes() : null;
    if (tried != null) {
      for (int p : tried) {
        detach(p);
      }
    }
    try {
      if (classCount == 0) {
        return null;
      }
      RatioClass tied = classHeap[0];
      int best = tied.members == 1 ? onlyMember(tied) : step(tied);
      // nginx restarts the fail_timeout window of the chosen peer whether or not there was a tie; the take comes
      // back through refresh()
      return selection.take(peers[best]);
    } finally {
      if (tried != null) {
        for (int p : tried) {
          if (entries[p].place == OUT) {
            attach(p);
          }
        }
      }
    }
  }

  private int onlyMember(RatioClass c) {
    for (int i = 0; i < c.bucketCount; i++) {
      Bucket b = c.buckets[i];
      if (b.size > 0) {
        return peerOf(top(b));
      }
    }
    return c.recovering[0];
  }

  /**
   * One smooth weighted round-robin step among the members of {@code c}: returns the winner, taken out of the index
   * with its current weight already reduced by the step's total.
   */
  private int step(RatioClass c) {
    if (c.ticks >= rebaseTicks) {
      rebase(c);
    }
    long ticks = ++c.ticks;
    long total = c.cleanWeight;
    int best = -1;
    long bestWeight = 0;
    for (int i = 0; i < c.bucketCount; i++) {
      Bucket b = c.buckets[i];
      if (b.size == 0) {
        continue;
      }
      long key = top(b);
      int top = peerOf(key);
      long current = (key >> indexBits) + b.weight * ticks;
      if (best < 0 || current > bestWeight || (current == bestWeight && top < best)) {
        best = top;
        bestWeight = current;
      }
    }
    // backwards, so that a peer leaving the list only moves one already stepped
    for (int i = c.recoveringCount - 1; i >= 0; i--) {
      int p = c.recovering[i];
      Peer peer = peers[p];
      total += weights.consider(peer);
      long current = peer.currentWeight();
      if (best < 0 || current > bestWeight || (current == bestWeight && p < best)) {
        best = p;
        bestWeight = current;
      }
      if (peer.effectiveWeight() >= peer.weight()) {
        removeRecovering(c, p);
        Bucket b = entries[p].bucket;
        entries[p].place = CLEAN;
        insert(b, p, current - b.weight * ticks);
        c.cleanWeight += b.weight;
      }
    }
    detach(best);
    Peer winner = peers[best];
    winner.currentWeight((int) (winner.currentWeight() - total));
    return best;
  }

  private void rebase(RatioClass c) {
    for (int i = 0; i < c.bucketCount; i++) {
      Bucket b = c.buckets[i];
      shift(b, b.weight * c.ticks << indexBits);
    }
    c.ticks = 0;
  }

  // ---- keeping up with the peers' state ----

  /** {@code peers[p]}'s state changed: take it out and put it where it belongs now. */
  void refresh(int p) {
    if (stale) {
      return;
    }
    detach(p);
    attach(p);
  }

  /**
   * Writes every current weight back into the peers and stops trusting the index until the next pick rebuilds it:
   * someone else is about to read and change current weights.
   */
  void invalidate() {
    if (stale) {
      return;
    }
    writeBack();
    stale = true;
  }

  /** Stores the current weight of every indexed peer into the peer, leaving the index as it is. */
  void writeBack() {
    if (stale) {
      return;
    }
    for (int p = 0; p < peers.length; p++) {
      if (entries[p].place == CLEAN) {
        Bucket b = entries[p].bucket;
        peers[p].currentWeight((int) ((keyOf(b, p) >> indexBits) + b.weight * b.ratioClass.ticks));
      }
    }
  }

  /** Brings the index up to date with the clock and the health flags before a pick. */
  private void sync() {
    long now = time.nowSeconds();
    if (clockWentBack || now < latestNow) {
      invalidate();
    }
    if (stale) {
      rebuild(now);
      return;
    }
    latestNow = now;
    long health = group.healthChanges();
    if (health != seenHealthChanges) {
      seenHealthChanges = health;
      for (int p = 0; p < peers.length; p++) {
        if (peers[p].healthDown() != entries[p].seenHealthDown) {
          refresh(p);
        }
      }
    }
    while (expiryCount > 0 && entries[expiryHeap[0]].usableAt <= now) {
      refresh(expiryHeap[0]);
    }
  }

  private void rebuild(long now) {
    weights.external();   // the round-robin cycle may hold current weights of this group
    for (RatioClass c : classes.values()) {
      c.ticks = 0;
      c.members = 0;
      c.cleanWeight = 0;
      c.recoveringCount = 0;
      c.heapSlot = -1;
      for (int i = 0; i < c.bucketCount; i++) {
        c.buckets[i].clear();
      }
    }
    Arrays.fill(classHeap, 0, classCount, null);
    classCount = 0;
    expiryCount = 0;
    for (Entry e : entries) {
      e.place = OUT;
    }
    latestNow = now;
    seenHealthChanges = group.healthChanges();
    stale = false;
    clockWentBack = false;
    for (int p = 0; p < peers.length; p++) {
      attach(p);
    }
  }

  private void attach(int p) {
    Peer peer = peers[p];
    Entry e = entries[p];
    boolean healthDown = peer.healthDown();
    e.seenHealthDown = healthDown;
    if (peer.isDown() || healthDown || peer.isAtMaxConns()) {
      e.place = PARKED;
      e.slot = -1;
      return;
    }
    if (peer.maxFails() != 0 && peer.fails() >= peer.maxFails()) {
      long now = time.nowSeconds();
      if (now < latestNow) {
        clockWentBack = true;   // the next pick re-reads everything
      } else {
        latestNow = now;
      }
      if (peer.isFailed(now)) {
        e.place = PARKED;
        e.usableAt = peer.checked() + peer.failTimeoutSeconds() + 1;
        expiryInsert(p);
        return;
      }
    }
    Bucket b = bucket(e.weightPosition, peer.conns());
    RatioClass c = b.ratioClass;
    e.bucket = b;
    if (peer.effectiveWeight() < peer.weight()) {
      e.place = RECOVERING;
      addRecovering(c, p);
    } else {
      e.place = CLEAN;
      insert(b, p, peer.currentWeight() - b.weight * c.ticks);
      c.cleanWeight += b.weight;
    }
    if (c.members++ == 0) {
      classInsert(c);
    }
  }

  private void detach(int p) {
    Entry e = entries[p];
    switch (e.place) {
      case PARKED -> {
        if (e.slot >= 0) {
          expiryRemove(p);
        }
      }
      case CLEAN -> {
        Bucket b = e.bucket;
        RatioClass c = b.ratioClass;
        peers[p].currentWeight((int) ((keyOf(b, p) >> indexBits) + b.weight * c.ticks));
        remove(b, p);
        c.cleanWeight -= b.weight;
        leave(c);
      }
      case RECOVERING -> {
        RatioClass c = e.bucket.ratioClass;
        removeRecovering(c, p);
        leave(c);
      }
      default -> {
        return;
      }
    }
    e.place = OUT;
  }

  private void leave(RatioClass c) {
    if (--c.members == 0) {
      classRemove(c);
    }
  }

  private Bucket bucket(int weightPosition, int conns) {
    Bucket[] list = bucketsByWeight[weightPosition];
    if (conns >= list.length) {
      list = Arrays.copyOf(list, Math.max(conns + 1, list.length * 2));
      bucketsByWeight[weightPosition] = list;
    }
    Bucket b = list[conns];
    if (b == null) {
      int weight = distinctWeights[weightPosition];
      long gcd = gcd(conns, weight);
      long key = (conns / gcd) << 32 | (weight / gcd);
      RatioClass c = classes.get(key);
      if (c == null) {
        c = new RatioClass(conns / gcd, weight / gcd);
        classes.put(key, c);
      }
      b = new Bucket(weight, c);
      c.addBucket(b);
      list[conns] = b;
    }
    return b;
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  // ---- a bucket: its keys, the highest current weight first, then the lowest index ----
  //
  // A peer that wins a step drops by the step's total, and a peer that comes back into a class has missed the
  // class's steps meanwhile, so most keys arrive below every key already in their bucket. Those are appended to the
  // bucket's run, a descending array taken from its head: O(1). The others go to the bucket's heap: O(log N).
  // A peer leaving from the middle of the run leaves a tombstone (a key with no peer: rank 0, which no index has);
  // the run is compacted when it fills up.

  private static final long TOMBSTONE = 0;

  private int peerOf(long key) {
    return (int) (indexMask - (key & indexMask));
  }

  private boolean isTombstone(long key) {
    return (key & indexMask) == 0;
  }

  /** The bucket's highest key; the bucket must have members. */
  private long top(Bucket b) {
    if (b.runLive > 0) {
      long[] run = b.run;
      int head = b.head;
      while (isTombstone(run[head])) {
        head++;
      }
      b.head = head;
      long first = run[head];
      return b.heapSize > 0 && b.heap[0] > first ? b.heap[0] : first;
    }
    return b.heap[0];
  }

  private long keyOf(Bucket b, int p) {
    Entry e = entries[p];
    return e.inRun ? b.run[e.slot] : b.heap[e.slot];
  }

  private void insert(Bucket b, int p, long offset) {
    Entry e = entries[p];
    long key = offset << indexBits | (indexMask - p);
    b.size++;
    if (b.runLive == 0) {
      b.head = 0;
      b.tail = 0;
    } else if (key > b.lastAppended) {
      e.inRun = false;
      if (b.heapSize == b.heap.length) {
        b.heap = Arrays.copyOf(b.heap, b.heap.length * 2);
      }
      siftUp(b.heap, b.heapSize++, key);
      return;
    }
    if (b.tail == b.run.length) {
      compact(b);
    }
    e.inRun = true;
    e.slot = b.tail;
    b.run[b.tail++] = key;
    b.runLive++;
    b.lastAppended = key;
  }

  private void remove(Bucket b, int p) {
    b.size--;
    Entry e = entries[p];
    if (e.inRun) {
      b.run[e.slot] = TOMBSTONE;
      if (--b.runLive == 0) {
        b.head = 0;
        b.tail = 0;
      }
      return;
    }
    heapRemove(b, p);
  }

  /** Drops the run's tombstones and taken head; grows the run when more than half of it is in use. */
  private void compact(Bucket b) {
    long[] from = b.run;
    long[] to = b.runLive * 2 + 4 > from.length ? new long[from.length * 2] : from;
    int j = 0;
    for (int i = b.head; i < b.tail; i++) {
      long key = from[i];
      if (!isTombstone(key)) {
        to[j] = key;
        entries[peerOf(key)].slot = j;
        j++;
      }
    }
    b.run = to;
    b.head = 0;
    b.tail = j;
  }

  /** Adds {@code delta} to every key of the bucket (a class's rebase); the order stays. */
  private void shift(Bucket b, long delta) {
    for (int i = b.head; i < b.tail; i++) {
      if (!isTombstone(b.run[i])) {
        b.run[i] += delta;
      }
    }
    b.lastAppended += delta;
    for (int i = 0; i < b.heapSize; i++) {
      b.heap[i] += delta;
    }
  }

  /** Floyd's removal: the hole goes down along the larger children to a leaf, then the last key rises into it. */
  private void heapRemove(Bucket b, int p) {
    long[] heap = b.heap;
    int i = entries[p].slot;
    int size = --b.heapSize;
    long last = heap[size];
    if (i == size) {
      return;
    }
    int child;
    while ((child = 2 * i + 1) < size) {
      long larger = heap[child];
      if (child + 1 < size) {
        long right = heap[child + 1];
        if (right > larger) {
          larger = right;
          child++;
        }
      }
      heap[i] = larger;
      entries[peerOf(larger)].slot = i;
      i = child;
    }
    siftUp(heap, i, last);
  }

  private void siftUp(long[] heap, int i, long key) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      long above = heap[parent];
      if (above > key) {
        break;
      }
      heap[i] = above;
      entries[peerOf(above)].slot = i;
      i = parent;
    }
    heap[i] = key;
    entries[peerOf(key)].slot = i;
  }

  // ---- a class's recovering list ----

  private void addRecovering(RatioClass c, int p) {
    if (c.recoveringCount == c.recovering.length) {
      c.recovering = Arrays.copyOf(c.recovering, c.recovering.length * 2);
    }
    entries[p].slot = c.recoveringCount;
    c.recovering[c.recoveringCount++] = p;
  }

  private void removeRecovering(RatioClass c, int p) {
    int i = entries[p].slot;
    int last = c.recovering[--c.recoveringCount];
    c.recovering[i] = last;
    entries[last].slot = i;
  }

  // ---- the classes with members: the lowest ratio first ----

  private static boolean lower(RatioClass a, RatioClass b) {
    return a.conns * b.weight < b.conns * a.weight;
  }

  private void classInsert(RatioClass c) {
    if (classCount == classHeap.length) {
      classHeap = Arrays.copyOf(classHeap, classCount * 2);
    }
    classSiftUp(classCount++, c);
  }

  private void classRemove(RatioClass c) {
    int i = c.heapSlot;
    c.heapSlot = -1;
    RatioClass last = classHeap[--classCount];
    classHeap[classCount] = null;
    if (i == classCount) {
      return;
    }
    if (i > 0 && lower(last, classHeap[(i - 1) >>> 1])) {
      classSiftUp(i, last);
    } else {
      classSiftDown(i, last);
    }
  }

  private void classSiftUp(int i, RatioClass c) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      RatioClass q = classHeap[parent];
      if (!lower(c, q)) {
        break;
      }
      classHeap[i] = q;
      q.heapSlot = i;
      i = parent;
    }
    classHeap[i] = c;
    c.heapSlot = i;
  }

  private void classSiftDown(int i, RatioClass c) {
    while (true) {
      int child = 2 * i + 1;
      if (child >= classCount) {
        break;
      }
      RatioClass q = classHeap[child];
      if (child + 1 < classCount && lower(classHeap[child + 1], q)) {
        child++;
        q = classHeap[child];
      }
      if (!lower(q, c)) {
        break;
      }
      classHeap[i] = q;
      q.heapSlot = i;
      i = child;
    }
    classHeap[i] = c;
    c.heapSlot = i;
  }

  // ---- peers disabled by max_fails: the earliest end of fail_timeout first ----

  private boolean sooner(int a, int b) {
    return entries[a].usableAt < entries[b].usableAt;
  }

  private void expiryInsert(int p) {
    int i = expiryCount++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      int q = expiryHeap[parent];
      if (!sooner(p, q)) {
        break;
      }
      expiryHeap[i] = q;
      entries[q].slot = i;
      i = parent;
    }
    expiryHeap[i] = p;
    entries[p].slot = i;
  }

  private void expiryRemove(int p) {
    int i = entries[p].slot;
    entries[p].slot = -1;
    int last = expiryHeap[--expiryCount];
    if (i == expiryCount) {
      return;
    }
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      int q = expiryHeap[parent];
      if (!sooner(last, q)) {
        break;
      }
      expiryHeap[i] = q;
      entries[q].slot = i;
      i = parent;
    }
    while (true) {
      int child = 2 * i + 1;
      if (child >= expiryCount) {
        break;
      }
      int q = expiryHeap[child];
      if (child + 1 < expiryCount && sooner(expiryHeap[child + 1], q)) {
        child++;
        q = expiryHeap[child];
      }
      if (!sooner(q, last)) {
        break;
      }
      expiryHeap[i] = q;
      entries[q].slot = i;
      i = child;
    }
    expiryHeap[i] = last;
    entries[last].slot = i;
  }

  /** The index's record of one peer: one small object, so that a peer's moves touch one cache line. */
  private static final class Entry {
    final int weightPosition;
    byte place;
    /** CLEAN: whether the peer's key is in its bucket's run (else in its heap). */
    boolean inRun;
    /** The health flag as last seen. */
    boolean seenHealthDown;
    /**
     * CLEAN: position in the bucket's run or heap; RECOVERING: in the class's list; PARKED: in the expiry heap or
     * -1.
     */
    int slot;
    /** CLEAN and RECOVERING: the peer's bucket. */
    Bucket bucket;
    /** PARKED by max_fails: the second the peer becomes usable again. */
    long usableAt;

    Entry(int weightPosition) {
      this.weightPosition = weightPosition;
    }
  }

  /** The clean peers of one weight with the same conns. */
  private static final class Bucket {
    final long weight;
    final RatioClass ratioClass;
    /** Clean members. */
    int size;
    /** Keys in descending order from {@code head} to {@code tail}, tombstones included. */
    long[] run = new long[4];
    int head;
    int tail;
    int runLive;
    long lastAppended;
    /** The keys that arrived above the run's last one: a max-heap. */
    long[] heap = new long[4];
    int heapSize;

    Bucket(int weight, RatioClass ratioClass) {
      this.weight = weight;
      this.ratioClass = ratioClass;
    }

    void clear() {
      size = 0;
      head = 0;
      tail = 0;
      runLive = 0;
      heapSize = 0;
    }
  }

  /** The buckets of one ratio {@code conns / weight}, reduced: the peers that tie with each other. */
  private static final class RatioClass {
    final long conns;
    final long weight;
    long ticks;
    Bucket[] buckets = new Bucket[2];
    int bucketCount;
    /** Clean and recovering peers in this class. */
    int members;
    /** Sum of the weights of the clean members: their share of a step's total. */
    long cleanWeight;
    int[] recovering = new int[2];
    int recoveringCount;
    int heapSlot = -1;

    RatioClass(long conns, long weight) {
      this.conns = conns;
      this.weight = weight;
    }

    void addBucket(Bucket b) {
      if (bucketCount == buckets.length) {
        buckets = Arrays.copyOf(buckets, bucketCount * 2);
      }
      buckets[bucketCount++] = b;
    }
  }
}
