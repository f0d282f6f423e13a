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
 * {@code down} peers keep theirs. Immutable.
 */
final class KetamaRing {

  static final int POINTS_PER_WEIGHT = 160;

  private final int[] hashes;        // sorted, as unsigned
  private final int[] serverOfPoint;  // index into peersOfServer
  private final int[][] peersOfServer;

  KetamaRing(PeerGroup group) {
    Map<String, List<Integer>> servers = new LinkedHashMap<>();
    for (Peer p : group.peers()) {
      servers.computeIfAbsent(p.server(), s -> new ArrayList<>()).add(p.index());
    }
    Map<String, Integer> serverIndex = new LinkedHashMap<>();
    peersOfServer = new int[servers.size()][];
    for (Map.Entry<String, List<Integer>> e : servers.entrySet()) {
      int s = serverIndex.size();
      serverIndex.put(e.getKey(), s);
      peersOfServer[s] = e.getValue().stream().mapToInt(Integer::intValue).toArray();
    }
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
      int[] points = points(p.server(), p.weight() * POINTS_PER_WEIGHT);
      for (int point : points) {
        keyed[n] = ((long) (point ^ Integer.MIN_VALUE) << 32) | n;
        serverOfSequence[n] = server;
        n++;
      }
    }
    Arrays.sort(keyed);
    int[] h = new int[total];
    int[] s = new int[total];
    int kept = 0;
    for (int i = 0; i < total; i++) {
      int hash = (int) (keyed[i] >>> 32) ^ Integer.MIN_VALUE;
      if (kept > 0 && h[kept - 1] == hash) {
        continue;
      }
      h[kept] = hash;
      s[kept] = serverOfSequence[(int) (keyed[i] & 0xffffffffL)];
      kept++;
    }
    hashes = Arrays.copyOf(h, kept);
    serverOfPoint = Arrays.copyOf(s, kept);
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
    return hashes.length;
  }

  /** nginx's find_chash_point: the first point whose hash is {@code >= hash} (may be {@link #size()}). */
  int find(long hash) {
    int i = 0;
    int j = hashes.length;
    while (i < j) {
      int k = (i + j) >>> 1;
      long point = hashes[k] & 0xffffffffL;
      if (hash > point) {
        i = k + 1;
      } else if (hash < point) {
        j = k;
      } else {
        return k;
      }
    }
    return i;
  }

  /** The point's hash, unsigned. */
  long hashAt(int point) {
    return hashes[point] & 0xffffffffL;
  }

  /** The indexes of the peers of the server line that owns {@code point}, in config order. */
  int[] peersAt(int point) {
    return peersOfServer[serverOfPoint[point]];
  }
}
