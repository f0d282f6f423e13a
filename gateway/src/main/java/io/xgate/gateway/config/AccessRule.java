package io.xgate.gateway.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * One {@code allow} or {@code deny} line of nginx's access module: an address, a network ({@code 10.0.0.0/8},
 * {@code 2001:db8::/32}), {@code all}, or {@code unix:} (clients of unix-domain listeners, which xgate has none
 * of: it never matches). The rules of a location are tried in order; the first that matches the client's address
 * decides, and with none matching the request is allowed ({@code ngx_http_access_handler}).
 *
 * @param allow whether a match allows (else denies)
 * @param network the network's address bytes (4 or 16), with its host bits cleared; null for {@code all} and
 *     {@code unix:}
 * @param prefix how many leading bits of {@code network} a client's address must share
 * @param unix whether the rule is {@code unix:}
 * @param hostBitsCleared whether the network as written had host bits set (nginx: "low address bits of ... are
 *     meaningless")
 */
public record AccessRule(boolean allow, byte[] network, int prefix, boolean unix, boolean hostBitsCleared) {

  /** The decision of {@code rules} for a client at {@code address} (4 or 16 bytes): whether it may go on. */
  public static boolean allows(List<AccessRule> rules, byte[] address) {
    if (rules == null) {
      return true;
    }
    byte[] client = unmapped(address);
    for (int i = 0; i < rules.size(); i++) {
      AccessRule r = rules.get(i);
      if (r.matches(client)) {
        return r.allow;
      }
    }
    return true;
  }

  private boolean matches(byte[] client) {
    if (unix) {
      return false;
    }
    if (network == null) {
      return true;   // all
    }
    if (client.length != network.length) {
      return false;   // nginx keeps IPv4 and IPv6 rules apart
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (client[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    return rest == 0 || ((client[full] ^ network[full]) & (0xff << (8 - rest)) & 0xff) == 0;
  }

  /** An IPv4 client seen through an IPv6 socket ({@code ::ffff:a.b.c.d}) is matched as IPv4, as nginx does. */
  private static byte[] unmapped(byte[] address) {
    if (address.length != 16) {
      return address;
    }
    for (int i = 0; i < 10; i++) {
      if (address[i] != 0) {
        return address;
      }
    }
    if ((address[10] & 0xff) != 0xff || (address[11] & 0xff) != 0xff) {
      return address;
    }
    return new byte[] {address[12], address[13], address[14], address[15]};
  }

  /** The bytes of a dotted IPv4 address of four decimal parts, as nginx's {@code ngx_inet_addr} reads it; or null. */
  private static byte[] ipv4(String address) {
    String[] parts = address.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      int v = Integer.parseInt(p);
      if (v > 255) {
        return null;
      }
      bytes[i] = (byte) v;
    }
    return bytes;
  }

  /** The bytes of an IPv6 literal (Java parses a string with a colon as a literal only, never looking it up). */
  private static byte[] ipv6(String address) {
    try {
      byte[] bytes = InetAddress.getByName(address).getAddress();
      return bytes.length == 16 ? bytes : unmapped16(bytes);
    } catch (UnknownHostException | SecurityException e) {
      return null;
    }
  }

  /** Java gives {@code ::ffff:a.b.c.d} as its IPv4 address; nginx keeps such a rule an IPv6 one. */
  private static byte[] unmapped16(byte[] v4) {
    byte[] bytes = new byte[16];
    bytes[10] = (byte) 0xff;
    bytes[11] = (byte) 0xff;
    System.arraycopy(v4, 0, bytes, 12, 4);
    return bytes;
  }

  /**
   * The rule {@code allow VALUE} or {@code deny VALUE} writes; null if {@code value} is neither {@code all},
   * {@code unix:}, an address nor a network (nginx: {@code invalid parameter}). Host bits of a network are cleared
   * (nginx clears them too, with a warning that they are meaningless).
   */
  public static AccessRule parse(boolean allow, String value) {
    if (value.equals("all")) {
      return new AccessRule(allow, null, 0, false, false);
    }
    if (value.equals("unix:")) {
      return new AccessRule(allow, null, 0, true, false);
    }
    int slash = value.indexOf('/');
    String address = slash < 0 ? value : value.substring(0, slash);
    byte[] bytes = address.indexOf(':') >= 0 ? ipv6(address) : ipv4(address);
    if (bytes == null) {
      return null;
    }
    int bits = bytes.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String p = value.substring(slash + 1);
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      prefix = Integer.parseInt(p);
      if (prefix > bits) {
        return null;
      }
    }
    boolean cleared = false;
    for (int i = 0; i < bytes.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      byte masked = (byte) (bytes[i] & (0xff << (8 - keep)));
      cleared |= masked != bytes[i];
      bytes[i] = masked;
    }
    return new AccessRule(allow, bytes, prefix, false, cleared);
  }
}
