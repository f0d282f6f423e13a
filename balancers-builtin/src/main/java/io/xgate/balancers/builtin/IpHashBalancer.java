package io.xgate.balancers.builtin;

import io.xgate.spi.Balancer;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.PeerSelection;
import io.xgate.spi.RequestView;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.Selection;
import java.util.concurrent.locks.ReentrantLock;

/**
 * nginx's {@code ip_hash;} ({@code ngx_http_upstream_ip_hash_module.c}): starting from 89, every address byte
 * folds in as {@code hash = (hash * 113 + byte) % 6271}; the bytes are the first three octets of an IPv4 client
 * (so a /24 sticks to one peer) or all sixteen of an IPv6 one. {@code hash % total_weight} picks the peer over the
 * weights ({@code down} peers keep their share, found through the guide table of {@link WeightSpace}, O(1)); a miss
 * folds the same bytes in again; after 20 misses, or for a one-peer group, the request uses round robin. The first
 * candidate is found before the group's lock is taken; the checks and the take happen under it, with the clock read
 * once per pick as nginx does.
 */
final class IpHashBalancer implements Balancer {

  private static final byte[] PSEUDO_ADDRESS = {0, 0, 0};

  private final RoundRobin rr;
  private final PeerGroup peers;
  private final Peer[] peerArray;
  private final WeightSpace space;

  IpHashBalancer(RoundRobin rr, PeerGroup peers) {
    this.rr = rr;
    this.peers = peers;
    this.peerArray = peers.peers().toArray(new Peer[0]);
    this.space = new WeightSpace(peers);
  }

  @Override
  public Selection select(RequestView request) {
    return new IpHashSelection(rr.select(request), addressBytes(request.remoteAddress()));
  }

  @Override
  public PeerGroup peers() {
    return peers;
  }

  /**
   * The bytes ip_hash folds in: three octets for IPv4, sixteen bytes for IPv6 (an IPv4-mapped IPv6 address is IPv6
   * to nginx too), three zero bytes for anything else (a unix socket client).
   */
  static byte[] addressBytes(String address) {
    if (address == null || address.isEmpty()) {
      return PSEUDO_ADDRESS;
    }
    if (address.indexOf(':') < 0) {
      byte[] v4 = parseIpv4(address);
      return v4 == null ? PSEUDO_ADDRESS : new byte[] {v4[0], v4[1], v4[2]};
    }
    byte[] v6 = parseIpv6(address);
    return v6 == null ? PSEUDO_ADDRESS : v6;
  }

  static byte[] parseIpv4(String s) {
    byte[] out = new byte[4];
    int part = 0;
    int value = -1;
    for (int i = 0; i <= s.length(); i++) {
      char c = i < s.length() ? s.charAt(i) : '.';
      if (c >= '0' && c <= '9') {
        value = (value < 0 ? 0 : value * 10) + (c - '0');
        if (value > 255) {
          return null;
        }
      } else if (c == '.' && value >= 0 && part < 4) {
        out[part++] = (byte) value;
        value = -1;
      } else {
        return null;
      }
    }
    return part == 4 ? out : null;
  }

  static byte[] parseIpv6(String s) {
    String text = s;
    if (text.startsWith("[") && text.endsWith("]")) {
      text = text.substring(1, text.length() - 1);
    }
    int zone = text.indexOf('%');
    if (zone >= 0) {
      text = text.substring(0, zone);
    }
    byte[] tail4 = null;
    int lastColon = text.lastIndexOf(':');
    if (text.indexOf('.', lastColon) > 0) {
      tail4 = parseIpv4(text.substring(lastColon + 1));
      if (tail4 == null) {
        return null;
      }
      text = text.substring(0, lastColon + 1) + "0:0";
    }
    String[] halves = text.split("::", -1);
    if (halves.length > 2) {
      return null;
    }
    int[] head = groups(halves[0]);
    int[] rest = halves.length == 2 ? groups(halves[1]) : new int[0];
    if (head == null || rest == null) {
      return null;
    }
    int missing = 8 - head.length - rest.length;
    if ((halves.length == 1 && missing != 0) || (halves.length == 2 && missing < 1)) {
      return null;
    }
    int[] all = new int[8];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(rest, 0, all, 8 - rest.length, rest.length);
    byte[] out = new byte[16];
    for (int i = 0; i < 8; i++) {
      out[2 * i] = (byte) (all[i] >>> 8);
      out[2 * i + 1] = (byte) all[i];
    }
    if (tail4 != null) {
      System.arraycopy(tail4, 0, out, 12, 4);
    }
    return out;
  }

  private static int[] groups(String s) {
    if (s.isEmpty()) {
      return new int[0];
    }
    String[] parts = s.split(":", -1);
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      if (parts[i].isEmpty() || parts[i].length() > 4) {
        return null;
      }
      try {
        out[i] = Integer.parseInt(parts[i], 16);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return out;
  }

  private final class IpHashSelection extends DecoratingSelection {
    private final byte[] address;
    private int hash = NginxHash.IP_HASH_START;
    private int misses;

    IpHashSelection(PeerSelection rr, byte[] address) {
      super(rr);
      this.address = address;
    }

    @Override
    public Peer next() {
      if (misses > MAX_MISSES || isSingle()) {
        return rr.nextRoundRobin();
      }
      long now = now();
      // the candidates depend on the address alone: the first one is found before the lock is taken
      int h = NginxHash.ipHashStep(hash, address);
      Peer peer = peerArray[space.owner(h % space.total())];
      ReentrantLock lock = rr.group().lock();
      lock.lock();
      try {
        while (true) {
          if (!rr.isTried(peer) && isUsable(peer, now)) {
            hash = h;
            return take(peer, now);
          }
          if (++misses > MAX_MISSES) {
            return rr.nextRoundRobin();
          }
          h = NginxHash.ipHashStep(h, address);
          peer = peerArray[space.owner(h % space.total())];
        }
      } finally {
        lock.unlock();
      }
    }
  }
}
