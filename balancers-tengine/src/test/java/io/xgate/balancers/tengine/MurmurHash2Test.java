package io.xgate.balancers.tengine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MurmurHash2Test {

  private static long murmur2(String s) {
    return MurmurHash2.hash(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theEmptyKeyHashesToZero() {
    assertThat(murmur2("")).isZero();
  }

  @Test
  void tailBytesAndWholeBlocksHashAsNginxDoes() {
    assertThat(murmur2("a")).isEqualTo(2456313694L);
    assertThat(murmur2("ab")).isEqualTo(446775395L);
    assertThat(murmur2("abc")).isEqualTo(324500635L);
    assertThat(murmur2("abcd")).isEqualTo(646393889L);
    assertThat(murmur2("/")).isEqualTo(2810847099L);
    assertThat(murmur2("127.12.5.200")).isEqualTo(2526848041L);
    assertThat(murmur2("127.0.0.1:19101")).isEqualTo(2537851165L);
  }

  @Test
  void aWordHashesAsItsFourLittleEndianBytes() {
    for (int v : new int[] {0, 1, 4096, 0x12345678, -1, Integer.MIN_VALUE}) {
      byte[] le = {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
      assertThat(MurmurHash2.hashLe32(v)).as("%08x", v).isEqualTo(MurmurHash2.hash(le));
    }
  }
}
