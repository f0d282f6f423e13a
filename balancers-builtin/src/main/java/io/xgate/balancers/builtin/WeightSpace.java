package io.xgate.balancers.builtin;

import io.xgate.spi.PeerGroup;

/**
 * The weight space nginx's hash, ip_hash and random map a value into: peer {@code i} owns
 * {@code [sum(weight[0..i-1]), sum(weight[0..i]))} of {@code [0, total_weight)}, {@code down} peers included.
 * nginx walks the peers (random: a binary search) to find the owner; here a guide table gives it in O(1).
 *
 * <p>The guide cuts the space into cells of {@code 2^shift} units, at most {@code max(4 N, 4096)} of them, and
 * names the owner of each cell's first unit. When a cell is one unit wide (total weight within that bound, the
 * usual case) that is the answer; otherwise the owner lies between the guides of the cell and of the next one, found
 * by a binary search over the few peers that start inside the cell (O(log w) for cells w units wide at worst).
 * Immutable.
 */
final class WeightSpace {

  private final long[] ends;   // ends[i] = sum of weights of peers 0..i
  private final long total;
  private final int shift;
  /** guide[k] = owner of k << shift; one entry more, the last peer. */
  private final int[] guide;

  WeightSpace(PeerGroup group) {
    int n = group.size();
    ends = new long[n];
    long sum = 0;
    for (int i = 0; i < n; i++) {
      sum += group.get(i).weight();
      ends[i] = sum;
    }
    total = sum;
    long maxCells = Math.max(4L * n, 4096);
    int s = 0;
    while (total > 0 && ((total - 1) >>> s) + 1 > maxCells) {
      s++;
    }
    shift = s;
    int cells = total == 0 ? 0 : (int) (((total - 1) >>> s) + 1);
    guide = new int[cells + 1];
    int owner = 0;
    for (int k = 0; k < cells; k++) {
      long w = (long) k << s;
      while (w >= ends[owner]) {
        owner++;
      }
      guide[k] = owner;
    }
    guide[cells] = Math.max(0, n - 1);
  }

  long total() {
    return total;
  }

  /** The index of the peer owning {@code w}, {@code 0 <= w < total}. */
  int owner(long w) {
    int cell = (int) (w >>> shift);
    int lo = guide[cell];
    if (shift == 0) {
      return lo;
    }
    int hi = guide[cell + 1];
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (w < ends[mid]) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }
}
