package io.xgate.balancers.tengine;

import io.xgate.spi.ConfigValues;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The ring of Tengine's {@code consistent_hash} ({@code ngx_http_upstream_init_chash}): each peer, in config order,
 * gets {@code weight * 160} points (at most 16384), point {@code j} hashing to
 * {@code murmur2(le32(sid * 4096 + j))}, where the seed {@code sid} is the server's {@code id=} when that is a
 * decimal integer in 0..65535, else {@code murmur2("ip:port")}. The points are sorted by hash (equal hashes keep
 * their generation order) and numbered from 0 here (Tengine numbers them from 1). Immutable.
 */
final class ConsistentHashRing {

  /** Points per unit of weight. */
  static final int POINTS_PER_WEIGHT = 160;
  /** Most points one server gets (Tengine warns and cuts a larger weight down to this). */
  static final int MAX_POINTS_PER_SERVER = 1 << 14;

  /** Point hashes, unsigned, ascending. */
  private final long[] hashes;
  /** The index in the group of the peer that owns each point. */
  private final int[] owners;
  /** The points of each peer, by the peer's index in the group. */
  private final int[][] pointsOf;

  ConsistentHashRing(PeerGroup group) {
    int peerCount = group.size();
    int total = 0;
    int[] counts = new int[peerCount];
    for (Peer p : group.peers()) {
      counts[p.index()] = pointCount(p.weight());
      total += counts[p.index()];
    }
    // (hash with its sign bit flipped, so that signed order is unsigned order) << 32 | generation sequence
    long[] keyed = new long[total];
    int[] ownerOfSequence = new int[total];
    int n = 0;
    for (Peer p : group.peers()) {
      long sid = seed(p);
      for (int j = 0; j < counts[p.index()]; j++) {
        int hash = (int) pointHash(sid, j);
        keyed[n] = ((long) (hash ^ Integer.MIN_VALUE) << 32) | n;
        ownerOfSequence[n] = p.index();
        n++;
      }
    }
    Arrays.sort(keyed);
    hashes = new long[total];
    owners = new int[total];
    int[] filled = new int[peerCount];
    pointsOf = new int[peerCount][];
    for (int i = 0; i < peerCount; i++) {
      pointsOf[i] = new int[counts[i]];
    }
    for (int point = 0; point < total; point++) {
      hashes[point] = ((keyed[point] >> 32) ^ Integer.MIN_VALUE) & 0xffffffffL;
      int owner = ownerOfSequence[(int) keyed[point]];
      owners[point] = owner;
      pointsOf[owner][filled[owner]++] = point;
    }
  }

  /** {@code weight * 160}, at most {@link #MAX_POINTS_PER_SERVER}. */
  static int pointCount(int weight) {
    long points = (long) weight * POINTS_PER_WEIGHT;
    return (int) Math.min(points, MAX_POINTS_PER_SERVER);
  }

  /**
   * The ring seed of {@code peer}: its {@code id=} when that is a decimal integer in 0..65535 (nginx's
   * {@code ngx_atoi}: digits only, no sign), else {@code murmur2} of its address text {@code ip:port}.
   */
  static long seed(Peer peer) {
    long id = parseId(peer.parameter("id"));
    if (id >= 0) {
      return id;
    }
    return MurmurHash2.hash(peer.name().getBytes(StandardCharsets.US_ASCII));
  }

  /** The value of an {@code id=} parameter usable as a seed, or -1. */
  static long parseId(String id) {
    long value = id == null ? -1 : ConfigValues.parseNumber(id);
    return value <= 65535 ? value : -1;
  }

  /** The hash of point {@code j} of a server with seed {@code sid}: the low 32 bits of {@code sid*4096+j}, hashed. */
  static long pointHash(long sid, int j) {
    return MurmurHash2.hashLe32((int) (sid * 4096 + j));
  }

  int size() {
    return hashes.length;
  }

  /** The hash of {@code point}, unsigned. */
  long hash(int point) {
    return hashes[point];
  }

  /** The index in the group of the peer that owns {@code point}. */
  int owner(int point) {
    return owners[point];
  }

  /** The points of the peer with index {@code peer}, ascending. */
  int[] pointsOf(int peer) {
    return pointsOf[peer];
  }

  /**
   * Tengine's lookup ({@code ngx_http_upstream_chash_get_server_index}): a binary search that answers the first
   * point whose hash is at least {@code keyHash} (or, among equal hashes, the one the search meets first), and
   * point 0 when {@code keyHash} is above every point.
   */
  int find(long keyHash) {
    int low = 0;
    int high = hashes.length - 1;
    while (low < high) {
      int mid = (low + high) >>> 1;
      long h = hashes[mid];
      if (h == keyHash) {
        return mid;
      } else if (h < keyHash) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    if (low == hashes.length - 1 && hashes[low] < keyHash) {
      return 0;
    }
    return low;
  }
}
