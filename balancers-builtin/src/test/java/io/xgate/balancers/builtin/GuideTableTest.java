package io.xgate.balancers.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * The guide tables of {@link WeightSpace} and {@link KetamaRing} must answer exactly as the searches nginx does:
 * the walk over the peers' weights, and the binary search over the ring's points.
 */
class GuideTableTest {

  private static PeerGroup group(int[] weights, String[] servers) {
    List<Peer> peers = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      String server = servers == null ? "10.0." + (i / 250) + "." + (i % 250) + ":80" : servers[i];
      peers.add(new Peer(server, server.substring(0, server.lastIndexOf(':')), 80, weights[i], 1, 10, 0, false,
          false, Map.of()));
    }
    return new PeerGroup("u", peers, null);
  }

  /** nginx's walk: subtract weights until the value falls inside one. */
  private static int walk(int[] weights, long w) {
    int i = 0;
    while (w >= weights[i]) {
      w -= weights[i];
      i++;
    }
    return i;
  }

  @RepeatedTest(40)
  void weightSpaceOwnerIsNginxWalk(RepetitionInfo info) {
    Random rnd = new Random(info.getCurrentRepetition() * 31L);
    int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 3000);
    int[] weights = new int[n];
    int shape = rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      weights[i] = switch (shape) {
        case 0 -> 1;
        case 1 -> 1 + i % 3;
        case 2 -> 1 + rnd.nextInt(100);
        default -> rnd.nextInt(10) == 0 ? 1 + rnd.nextInt(1_000_000) : 1;   // wide cells: a binary search
      };
    }
    WeightSpace space = new WeightSpace(group(weights, null));
    long total = space.total();
    for (int k = 0; k < 5000; k++) {
      long w = k < 2000 && k < total ? k : Math.floorMod(rnd.nextLong(), total);
      assertThat(space.owner(w)).as("w=%d of %d", w, total).isEqualTo(walk(weights, w));
    }
    assertThat(space.owner(total - 1)).isEqualTo(walk(weights, total - 1));
  }

  /** nginx's find_chash_point over the ring's hashes. */
  private static int binarySearch(KetamaRing ring, long hash) {
    int i = 0;
    int j = ring.size();
    while (i < j) {
      int k = (i + j) >>> 1;
      if (hash > ring.hashAt(k)) {
        i = k + 1;
      } else {
        j = k;
      }
    }
    return i;
  }

  @RepeatedTest(10)
  void ketamaFindIsNginxBinarySearch(RepetitionInfo info) {
    Random rnd = new Random(info.getCurrentRepetition() * 131L);
    int n = 1 + rnd.nextInt(info.getCurrentRepetition() == 1 ? 2000 : 40);
    int[] weights = new int[n];
    for (int i = 0; i < n; i++) {
      weights[i] = 1 + rnd.nextInt(3);
    }
    KetamaRing ring = new KetamaRing(group(weights, null));
    for (int k = 0; k < 20_000; k++) {
      long hash = switch (k % 4) {
        case 0 -> ring.hashAt(rnd.nextInt(ring.size()));
        case 1 -> ring.hashAt(rnd.nextInt(ring.size())) + 1;
        case 2 -> ring.hashAt(rnd.nextInt(ring.size())) - 1;
        default -> rnd.nextLong() & 0xffffffffL;
      };
      hash = Math.max(0, Math.min(0xffffffffL, hash));
      assertThat(ring.find(hash)).as("hash %d", hash).isEqualTo(binarySearch(ring, hash));
    }
    for (long hash : new long[] {0, 1, 0x7fffffffL, 0x80000000L, 0xfffffffeL, 0xffffffffL}) {
      assertThat(ring.find(hash)).isEqualTo(binarySearch(ring, hash));
    }
  }

  @Test
  void ketamaServerLinesKeepTheirPeersInConfigOrder() {
    // two server lines resolved to several addresses each, interleaved with a single one
    PeerGroup g = group(new int[] {1, 2, 1, 1, 3},
        new String[] {"a.example:80", "b.example:80", "a.example:80", "c.example:80", "b.example:80"});
    KetamaRing ring = new KetamaRing(g);
    // a server line's points come from its text: a.example's two peers share 160, b.example's 320 are the first of
    // its 480; only the largest weight of a line counts
    assertThat(ring.size()).isEqualTo((1 + 3 + 1) * KetamaRing.POINTS_PER_WEIGHT);
    for (int point = 0; point < ring.size(); point++) {
      int[] peers = ring.peersAt(point);
      String server = g.get(peers[0]).server();
      int[] expected = g.peers().stream().filter(p -> p.server().equals(server)).mapToInt(Peer::index).toArray();
      assertThat(peers).containsExactly(expected);
    }
  }
}
