package io.xgate.gateway.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * nginx's {@code $uri}: the request path percent-decoded, with {@code //} merged and {@code .}/{@code ..} segments
 * resolved. Returns {@code null} for a path nginx rejects with 400 (not starting with {@code /}, climbing above the
 * root, a bad escape, a NUL byte). Path and result are byte strings, one char per byte (ISO-8859-1), as Netty
 * decodes a request line: {@code /caf%C3%A9} and {@code /caf\u00c3\u00a9} (the raw bytes) both give the two bytes
 * nginx's {@code $uri} holds, whatever their encoding ({@code /caf%E9} gives one).
 */
public final class UriNormalizer {

  private UriNormalizer() {
  }

  public static String normalize(String path) {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      return null;
    }
    if (plain(path)) {
      return path;   // most paths: nothing to decode or merge, no copy
    }
    ByteArrayOutputStream decoded = new ByteArrayOutputStream(path.length());
    boolean plain = true;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '%') {
        if (i + 2 >= path.length()) {
          return null;
        }
        int hi = Character.digit(path.charAt(i + 1), 16);
        int lo = Character.digit(path.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        int b = (hi << 4) | lo;
        if (b == 0) {
          return null;
        }
        decoded.write(b);
        i += 2;
        plain = false;
      } else if (c > 0x7f) {
        decoded.write(c);   // a byte of the request line, as it came
        plain = false;
      } else {
        if (c == '.' || (c == '/' && i > 0 && path.charAt(i - 1) == '/')) {
          plain = false;
        }
        decoded.write(c);
      }
    }
    String s = plain ? path : decoded.toString(StandardCharsets.ISO_8859_1);
    if (plain) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    String[] segments = s.split("/", -1);
    int[] starts = new int[segments.length + 1];
    int depth = 0;
    for (int i = 1; i < segments.length; i++) {
      String seg = segments[i];
      boolean last = i == segments.length - 1;
      if (seg.isEmpty() && !last) {
        continue;   // merge_slashes
      }
      if (seg.equals(".")) {
        if (last) {
          out.append('/');
        }
        continue;
      }
      if (seg.equals("..")) {
        if (depth == 0) {
          return null;
        }
        depth--;
        out.setLength(starts[depth]);
        if (last) {
          out.append('/');
        }
        continue;
      }
      starts[depth++] = out.length();
      out.append('/').append(seg);
    }
    if (out.length() == 0) {
      out.append('/');
    }
    return out.toString();
  }

  /** Whether {@code path} has no escape, no non-ASCII character, no segment starting with a dot, no double slash. */
  private static boolean plain(String path) {
    char previous = 0;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '%' || c > 0x7f || ((c == '.' || c == '/') && previous == '/')) {
        return false;
      }
      previous = c;
    }
    return true;
  }
}
