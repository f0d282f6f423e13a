package io.xgate.balancers.builtin;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/** nginx's hash arithmetic, kept apart so tests can pin each step. */
final class NginxHash {

  private NginxHash() {
  }

  /** nginx's {@code ngx_crc32_long}: the IEEE CRC-32 that zlib and Java compute. */
  static long crc32(byte[] data) {
    CRC32 crc = new CRC32();
    crc.update(data);
    return crc.getValue();
  }

  /**
   * The bytes nginx hashes for a key: the key is a byte string (one char per byte, as the gateway holds the request's
   * and the config's bytes), so these are the bytes the request and the config held.
   */
  static byte[] keyBytes(String key) {
    return key.getBytes(StandardCharsets.ISO_8859_1);
  }

  /**
   * One step of {@code hash KEY;} (Cache::Memcached compatible): {@code (crc32([REHASH] KEY) >> 16) & 0x7fff}, with
   * the decimal rehash number prefixed from the second step on.
   */
  static int memcachedStep(byte[] key, int rehash) {
    CRC32 crc = new CRC32();
    if (rehash > 0) {
      crc.update(Integer.toString(rehash).getBytes(StandardCharsets.US_ASCII));
    }
    crc.update(key);
    return (int) ((crc.getValue() >>> 16) & 0x7fff);
  }

  /** One step of {@code ip_hash}: {@code hash = (hash * 113 + byte) % 6271} over the address bytes. */
  static int ipHashStep(int hash, byte[] address) {
    for (byte b : address) {
      hash = (hash * 113 + (b & 0xff)) % 6271;
    }
    return hash;
  }

  /** The initial value of ip_hash. */
  static final int IP_HASH_START = 89;
}
