package io.xgate.balancers.tengine;

/**
 * nginx's {@code ngx_murmur_hash2}: 32-bit MurmurHash2 with seed 0 (the initial state is the length), 4-byte
 * little-endian blocks, and the tail bytes mixed in as {@code data[2] << 16}, {@code data[1] << 8},
 * {@code data[0]}. Tengine's consistent_hash hashes both its ring points and the request keys with it.
 */
final class MurmurHash2 {

  private static final int M = 0x5bd1e995;

  private MurmurHash2() {
  }

  /** The hash of {@code data}, as an unsigned 32-bit value. */
  static long hash(byte[] data) {
    int len = data.length;
    int h = len;
    int i = 0;
    while (len - i >= 4) {
      int k = (data[i] & 0xff) | (data[i + 1] & 0xff) << 8 | (data[i + 2] & 0xff) << 16 | (data[i + 3] & 0xff) << 24;
      h = mixBlock(h, k);
      i += 4;
    }
    switch (len - i) {
      case 3:
        h ^= (data[i + 2] & 0xff) << 16;
        // fall through
      case 2:
        h ^= (data[i + 1] & 0xff) << 8;
        // fall through
      case 1:
        h ^= data[i] & 0xff;
        h *= M;
        break;
      default:
        break;
    }
    return finish(h);
  }

  /** The hash of the four little-endian bytes of {@code value} (Tengine hashes {@code &id} with length 4). */
  static long hashLe32(int value) {
    return finish(mixBlock(4, value));
  }

  private static int mixBlock(int h, int k) {
    k *= M;
    k ^= k >>> 24;
    k *= M;
    h *= M;
    return h ^ k;
  }

  private static long finish(int h) {
    h ^= h >>> 13;
    h *= M;
    h ^= h >>> 15;
    return h & 0xffffffffL;
  }
}
