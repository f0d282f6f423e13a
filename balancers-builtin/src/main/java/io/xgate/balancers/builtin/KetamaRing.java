package io.xgate.balancers.builtin;

import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The ring of {@code hash KEY consistent;} (nginx's {@code ngx_http_upstream_init_chash}, Cache::Memcached::Fast
 * compatible): 160 points per unit of weight for every server line, the first point {@code crc32(HOST \0 PORT
 * <0 as 4 bytes>)} and each next one {@code crc32(HOST \0 PORT <previous point, little endian>)}; sorted, equal
 * hashes kept once. Points name the server text, so all peers a server line resolved to share its points, and
 * {@code down} peers keep their points. Immutable.
 *
 * <p>Layout, for a lookup that touches few cache lines even with 640,000 points: each point is one {@code long},
 * its hash in the high half (sign bit flipped, so that signed order is unsigned order) and its server line in the
 * low half; a guide table indexed by the top bits of a hash names the first point of each slice of the hash space,
 * so nginx's binary search ({@code ngx_http_upstream_find_chash_point}) becomes a search among the one or two
 * points of a slice. A server line's peers are a run of one flat array.
 */
final class KetamaRing {

  static final int POINTS_PER_WEIGHT = 160;

  /** Sorted: (hash ^ 0x80000000) << 32 | server line. */
  private final long[] points;
  /** Bits of a hash that index {@link #guide}. */
  private final int guideBits;
  /** guide[c] = the first point whose hash's top {@code guideBits} bits are at least c; one entry more, size. */
  private final int[] guide;
  /** The peers of server line s are peerOfSlot[firstSlot[s] .. firstSlot[s + 1]), in config order. */
  private final int[] firstSlot;
  private final int[] peerOfSlot;

  KetamaRing(PeerGroup group) {
    Map<String, List<Integer>> servers = new LinkedHashMap<>();
    for (Peer p : group.peers()) {
      servers.computeIfAbsent(p.server(), s -> new ArrayList<>()).add(p.index());
    }
    Map<String, Integer> serverIndex = new LinkedHashMap<>();
    firstSlot = new int[servers.size() + 1];
    peerOfSlot = new int[group.size()];
    int slot = 0;
    for (Map.Entry<String, List<Integer>> e : servers.entrySet()) {
      int s = serverIndex.size();
      serverIndex.put(e.getKey(), s);
      firstSlot[s] = slot;
      for (int index : e.getValue()) {
        peerOfSlot[slot++] = index;
      }
    }
    firstSlot[servers.size()] = slot;
    int total = 0;
    for (Peer p : group.peers()) {
      total += p.weight() * POINTS_PER_WEIGHT;
    }
    // (hash << 32 | sequence), the hash's sign bit flipped so that signed order is unsigned order: sorting keeps
    // generation order among equal hashes, as glibc's stable qsort does
    long[] keyed = new long[total];
    int[] serverOfSequence = new int[total];
    int n = 0;
    for (Peer p : group.peers()) {
      int server = serverIndex.get(p.server());
      int[] generated = points(p.server(), p.weight() * POINTS_PER_WEIGHT);
      for (int point : generated) {
        keyed[n] = ((long) (point ^ Integer.MIN_VALUE) << 32) | n;
        serverOfSequence[n] = server;
        n++;
      }
    }
    Arrays.sort(keyed);
    long[] kept = new long[total];
    int size = 0;
    for (int i = 0; i < total; i++) {
      long hashBits = keyed[i] & 0xffffffff00000000L;
      if (size > 0 && (kept[size - 1] & 0xffffffff00000000L) == hashBits) {
        continue;
      }
      kept[size++] = hashBits | serverOfSequence[(int) (keyed[i] & 0xffffffffL)];
    }
    points = Arrays.copyOf(kept, size);
    // about one point per slice, at most 2^22 slices
    guideBits = Math.max(1, Math.min(22, 31 - Integer.numberOfLeadingZeros(Math.max(1, size))));
    int slices = 1 << guideBits;
    guide = new int[slices + 1];
    int point = 0;
    for (int c = 0; c < slices; c++) {
      long sliceStart = (long) c << (32 - guideBits);
      while (point < size && hashAt(point) < sliceStart) {
        point++;
      }
      guide[c] = point;
    }
    guide[slices] = size;
  }

  /** The points of one server line, in generation order. */
  static int[] points(String server, int count) {
    String host;
    String port;
    if (server.length() >= 5 && server.regionMatches(true, 0, "unix:", 0, 5)) {
      host = server.substring(5);
      port = "";
    } else {
      int colon = -1;
      for (int j = server.length() - 1; j >= 0; j--) {
        char c = server.charAt(j);
        if (c == ':') {
          colon = j;
          break;
        }
        if (c < '0' || c > '9') {
          break;
        }
      }
      host = colon < 0 ? server : server.substring(0, colon);
      port = colon < 0 ? "" : server.substring(colon + 1);
    }
    byte[] hostBytes = host.getBytes(StandardCharsets.UTF_8);
    byte[] portBytes = port.getBytes(StandardCharsets.UTF_8);
    byte[] data = new byte[hostBytes.length + 1 + portBytes.length + 4];
    System.arraycopy(hostBytes, 0, data, 0, hostBytes.length);
    System.arraycopy(portBytes, 0, data, hostBytes.length + 1, portBytes.length);
    int tail = data.length - 4;
    int[] out = new int[count];
    int prev = 0;
    CRC32 crc = new CRC32();
    for (int j = 0; j < count; j++) {
      data[tail] = (byte) prev;
      data[tail + 1] = (byte) (prev >>> 8);
      data[tail + 2] = (byte) (prev >>> 16);
      data[tail + 3] = (byte) (prev >>> 24);
      crc.reset();
      crc.update(data);
      prev = (int) crc.getValue();
      out[j] = prev;
    }
    return out;
  }

  int size() {
    return points.length;
  }

  /** nginx's find_chash_point: the first point whose hash is {@code >= hash} (may be {@link #size()}). */
  int find(long hash) {
    int slice = (int) (hash >>> (32 - guideBits));
    int i = guide[slice];
    int j = guide[slice + 1];
    long key = (hash ^ 0x80000000L) << 32;
    while (i < j) {
      int k = (i + j) >>> 1;
      if (points[k] < key) {
        i = k + 1;
      } else {
        j = k;
      }
    }
    return i;
  }

  /** The point's hash, unsigned. */
  long hashAt(int point) {
    return (points[point] >>> 32) ^ 0x80000000L;
  }

  /** The server line that owns {@code point}. */
  int serverAt(int point) {
    return (int) points[point];
  }

  /** The first slot of the peers of {@code server}; its last slot is {@code firstSlot(server + 1) - 1}. */
  int firstSlot(int server) {
    return firstSlot[server];
  }

  /** The peer index in {@code slot}. */
  int peerOfSlot(int slot) {
    return peerOfSlot[slot];
  }

  /** The indexes of the peers of the server line that owns {@code point}, in config order (tests). */
  int[] peersAt(int point) {
    int server = serverAt(point);
    return Arrays.copyOfRange(peerOfSlot, firstSlot[server], firstSlot[server + 1]);
  }
}
