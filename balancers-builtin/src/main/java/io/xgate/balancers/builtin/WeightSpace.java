package io.xgate.balancers.builtin;

import io.xgate.spi.PeerGroup;

/**
 * The weight space nginx's hash and ip_hash map a value into: peer {@code i} owns
 * {@code [sum(weight[0..i-1]), sum(weight[0..i]))} of {@code [0, total_weight)}, {@code down} peers included.
 * nginx walks the peers to find the owner; a binary search over the running sums gives the same peer in O(log N).
 */
final class WeightSpace {

  private final long[] ends;   // ends[i] = sum of weights of peers 0..i
  private final long total;

  WeightSpace(PeerGroup group) {
    ends = new long[group.size()];
    long sum = 0;
    for (int i = 0; i < ends.length; i++) {
      sum += group.get(i).weight();
      ends[i] = sum;
    }
    total = sum;
  }

  long total() {
    return total;
  }

  /** The index of the peer owning {@code w}, {@code 0 <= w < total}. */
  int owner(long w) {
    int lo = 0;
    int hi = ends.length - 1;
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
