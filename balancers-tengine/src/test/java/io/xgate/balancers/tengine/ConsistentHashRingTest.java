package io.xgate.balancers.tengine;

import static org.assertj.core.api.Assertions.assertThat;

import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsistentHashRingTest {

  private static Peer peer(int port, int weight, String id) {
    return new Peer("127.0.0.1:" + port, "127.0.0.1", port, weight, 1, 10, 0, false, false,
        id == null ? Map.of() : Map.of("id", id));
  }

  private static PeerGroup group(Peer... peers) {
    return new PeerGroup("u", List.of(peers), null);
  }

  @Test
  void eachServerGets160PointsPerWeightAtMost16384() {
    assertThat(ConsistentHashRing.pointCount(1)).isEqualTo(160);
    assertThat(ConsistentHashRing.pointCount(5)).isEqualTo(800);
    assertThat(ConsistentHashRing.pointCount(102)).isEqualTo(16320);
    assertThat(ConsistentHashRing.pointCount(103)).isEqualTo(16384);
    ConsistentHashRing ring = new ConsistentHashRing(group(peer(19101, 1, null), peer(19102, 2, null)));
    assertThat(ring.size()).isEqualTo(480);
    assertThat(ring.pointsOf(0)).hasSize(160);
    assertThat(ring.pointsOf(1)).hasSize(320);
  }

  @Test
  void theSeedIsANumericIdUpTo65535ElseTheAddressHash() {
    assertThat(ConsistentHashRing.seed(peer(19131, 1, "1001"))).isEqualTo(1001);
    assertThat(ConsistentHashRing.seed(peer(19131, 1, "0"))).isZero();
    assertThat(ConsistentHashRing.seed(peer(19131, 1, "65535"))).isEqualTo(65535);
    long addressHash = 2537851165L;   // murmur2("127.0.0.1:19101")
    assertThat(ConsistentHashRing.seed(peer(19101, 1, null))).isEqualTo(addressHash);
    assertThat(ConsistentHashRing.seed(peer(19101, 1, "65536"))).isEqualTo(addressHash);
    assertThat(ConsistentHashRing.seed(peer(19101, 1, "70000"))).isEqualTo(addressHash);
    assertThat(ConsistentHashRing.seed(peer(19101, 1, "abc"))).isEqualTo(addressHash);
    assertThat(ConsistentHashRing.seed(peer(19101, 1, "-1"))).isEqualTo(addressHash);
    assertThat(ConsistentHashRing.seed(peer(19101, 1, "+1"))).isEqualTo(addressHash);
  }

  @Test
  void pointJHashesTheLow32BitsOfSeedTimes4096PlusJ() {
    assertThat(ConsistentHashRing.pointHash(2537851165L, 0)).isEqualTo(693519279L);
    assertThat(ConsistentHashRing.pointHash(2537851165L, 1)).isEqualTo(386236050L);
    assertThat(ConsistentHashRing.pointHash(2537851165L, 2)).isEqualTo(1817712980L);
    assertThat(ConsistentHashRing.pointHash(1001, 0)).isEqualTo(3898917654L);
    assertThat(ConsistentHashRing.pointHash(1001, 1)).isEqualTo(3775814535L);
    assertThat(ConsistentHashRing.pointHash(1001, 2)).isEqualTo(1695856869L);
  }

  @Test
  void pointsAreSortedAndOwnedByTheServersThatGeneratedThem() {
    ConsistentHashRing ring = new ConsistentHashRing(group(peer(19101, 1, null), peer(19102, 2, "7")));
    for (int p = 1; p < ring.size(); p++) {
      assertThat(ring.hash(p)).isGreaterThanOrEqualTo(ring.hash(p - 1));
    }
    for (int owner = 0; owner < 2; owner++) {
      for (int point : ring.pointsOf(owner)) {
        assertThat(ring.owner(point)).isEqualTo(owner);
      }
    }
    long[] expected = new long[320];
    for (int j = 0; j < 320; j++) {
      expected[j] = ConsistentHashRing.pointHash(7, j);
    }
    long[] actual = new long[320];
    int i = 0;
    for (int point : ring.pointsOf(1)) {
      actual[i++] = ring.hash(point);
    }
    java.util.Arrays.sort(expected);
    assertThat(actual).containsExactly(expected);
  }

  @Test
  void aKeyGoesToTheFirstPointAtOrAboveItsHashAndWrapsToTheLowest() {
    ConsistentHashRing ring = new ConsistentHashRing(group(peer(19101, 1, null), peer(19102, 2, null)));
    int last = ring.size() - 1;
    assertThat(ring.find(0)).isZero();
    assertThat(ring.find(ring.hash(0))).isZero();
    assertThat(ring.find(ring.hash(0) + 1)).isEqualTo(1);
    assertThat(ring.find(ring.hash(17))).isEqualTo(17);
    assertThat(ring.find(ring.hash(17) - 1)).isEqualTo(ring.hash(16) == ring.hash(17) - 1 ? 16 : 17);
    assertThat(ring.find(ring.hash(last))).isEqualTo(last);
    assertThat(ring.find(ring.hash(last) + 1)).isZero();
    assertThat(ring.find(0xffffffffL)).isEqualTo(ring.hash(last) == 0xffffffffL ? last : 0);
  }
}
