package io.xgate.balancers.tengine;

import io.xgate.spi.ConfigValues;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;

/**
 * The cookie text of Tengine's session_sticky ({@code ngx_http_upstream_session_sticky_module.c}), byte for byte:
 * the server ids, reading the request's {@code Cookie} lines, and writing or rewriting {@code Set-Cookie}. Pure
 * functions of their arguments; the clock is passed in.
 */
final class StickyCookies {

  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final String[] WEEK = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  private static final String[] MONTHS =
      {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

  private StickyCookies() {
  }

  /** The lowercase hex MD5 of {@code text} (a server's {@code ip:port}): its id with {@code hash=md5}. */
  static String md5Hex(String text) {
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.ISO_8859_1));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no MD5", e);
    }
    char[] out = new char[32];
    for (int i = 0; i < 16; i++) {
      out[2 * i] = HEX[(digest[i] >> 4) & 0xf];
      out[2 * i + 1] = HEX[digest[i] & 0xf];
    }
    return new String(out);
  }

  /**
   * What the request's cookie says (Tengine's per-request context after {@code get_cookie}).
   *
   * @param placed whether the request is to be placed by round robin (Tengine's {@code frist}): no usable cookie
   * @param sid the server id the cookie names; empty when none
   * @param lastseen the {@code lastseen} text a timed cookie gets back (now, or what the cookie said)
   * @param firstseen the {@code firstseen} text a timed cookie gets back
   * @param line the index of the {@code Cookie} line the cookie was cut from, or -1 when nothing was cut
   * @param cut that line without the cookie (indirect) or without the {@code <id>~} prefix (prefix mode)
   */
  record Lookup(boolean placed, String sid, String lastseen, String firstseen, int line, String cut) {
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n';
  }

  /**
   * Reads the sticky cookie from the request's {@code Cookie} lines as Tengine does. The first line in which the
   * cookie's name occurs as a substring counts, if the name's first occurrence there is followed by {@code =} or a
   * space ({@code xroute=} matches {@code route}); spaces around {@code =} are skipped; the value ends at {@code ;}
   * or at the end of the line. With {@code mode=prefix} the id is the value up to {@code ~} (a value without one is
   * no cookie); with timed cookies ({@code maxidle}/{@code maxlife}) the value must be
   * {@code <id>|<lastseen>|<firstseen>} within the limits, else it is no cookie. With {@code option=indirect} the
   * cookie ({@code name=value;}) is cut from its line, with {@code mode=prefix} the {@code <id>~} in front of the
   * value, whether or not the id names a server; a line cut to nothing ends the reading at once, as in Tengine.
   *
   * @param lines the request's {@code Cookie} lines, in order
   * @param now the clock, in seconds
   */
  static Lookup lookup(List<String> lines, StickyConfig config, long now) {
    String name = config.cookie();
    String nowText = now == 0 ? "" : Long.toString(now);
    Lookup absent = new Lookup(true, "", nowText, nowText, -1, null);
    int lineIndex = -1;
    String text = null;
    int p = -1;
    for (int i = 0; i < lines.size(); i++) {
      String candidate = lines.get(i);
      int at = candidate.indexOf(name);
      if (at < 0) {
        continue;
      }
      int after = at + name.length();
      if (after < candidate.length() && (candidate.charAt(after) == ' ' || candidate.charAt(after) == '=')) {
        lineIndex = i;
        text = candidate;
        p = at;
        break;
      }
    }
    if (text == null || text.isEmpty()) {
      return absent;
    }
    int last = text.length();
    int st = p;
    int v = -1;
    int end = -1;
    int state = 0;   // 0 before the name, 1 in it, 2 before '=', 3 before the value, 4 in the value
    boolean found = false;
    while (p < last && !found) {
      char c = text.charAt(p);
      switch (state) {
        case 0:
          if (c == ';') {
            return absent;
          }
          if (!isSpace(c)) {
            state = 1;
          }
          break;
        case 1:
          if (isSpace(c)) {
            state = 2;
          } else if (c == '=') {
            state = 3;
          }
          break;
        case 2:
          if (c == '=') {
            state = 3;
          } else if (!isSpace(c)) {
            return absent;
          }
          break;
        case 3:
          if (!isSpace(c)) {
            state = 4;
            v = p;
            p--;   // the value's first character is read again in its own state
          }
          break;
        default:
          if (c == ';') {
            end = p + 1;
            found = true;
            continue;
          }
          if (p + 1 == last) {
            end = last;
            p++;
            found = true;
            continue;
          }
          break;
      }
      p++;
    }
    if (!found) {
      return absent;
    }
    // the value is [v, p)
    int valueEnd = p;
    if (config.has(StickyConfig.PREFIX)) {
      int tilde = text.indexOf('~', v);
      if (tilde < 0 || tilde >= p) {
        return absent;
      }
      valueEnd = tilde;
      end = tilde + 1;
      st = v;
    }
    boolean legal = true;
    String sid = "";
    String lastseen = "";
    String firstseen = "";
    if (config.has(StickyConfig.INSERT) && config.timed()) {
      int first = text.indexOf('|', v);
      int second = first < 0 || first >= valueEnd ? -1 : text.indexOf('|', first + 1);
      if (first >= 0 && first < valueEnd) {
        sid = text.substring(v, first);
      }
      if (second >= 0 && second < valueEnd) {
        lastseen = text.substring(first + 1, second);
      }
      if (second < 0 || second >= valueEnd || second + 1 >= valueEnd) {
        legal = false;
      } else {
        firstseen = text.substring(second + 1, valueEnd);
        long firstTime = parseTime(firstseen);
        long lastTime = parseTime(lastseen);
        if (firstTime < 0 || lastTime < 0) {
          legal = false;
        } else if (!sid.isEmpty() && (outside(now - lastTime, config.maxidle())
            || outside(now - firstTime, config.maxlife()))) {
          legal = false;
        } else {
          lastseen = nowText;
        }
      }
    } else {
      sid = text.substring(v, valueEnd);
    }
    int cutLine = -1;
    String cut = null;
    if (config.has(StickyConfig.PREFIX) || config.has(StickyConfig.INDIRECT)) {
      cutLine = lineIndex;
      cut = text.substring(0, st) + text.substring(end);
      if (cut.isEmpty()) {
        // Tengine returns here, before it looks at the legality of a timed cookie
        return new Lookup(false, sid, lastseen, firstseen, cutLine, cut);
      }
    }
    if (!legal) {
      return new Lookup(true, "", nowText, nowText, cutLine, cut);
    }
    return new Lookup(false, sid, lastseen, firstseen, cutLine, cut);
  }

  /** A timed cookie's age is out of bounds: older than the limit, or more than a day in the future. */
  private static boolean outside(long age, long limit) {
    return age > limit || age < -86400;
  }

  /** nginx's ngx_atotm: decimal digits only, -1 otherwise. */
  private static long parseTime(String text) {
    return ConfigValues.parseNumber(text);
  }

  /**
   * The {@code Set-Cookie} value of insert mode: {@code name=<id>[|<lastseen>|<firstseen>][; Domain=...]
   * [; Path=...][; Max-Age=N; Expires=...]}, Max-Age only for untimed cookies.
   *
   * @param now the clock, in seconds, for {@code Expires}
   */
  static String insert(StickyConfig config, String sid, String lastseen, String firstseen, long now) {
    StringBuilder sb = new StringBuilder(96).append(config.cookie()).append('=').append(sid);
    if (config.timed()) {
      sb.append('|').append(lastseen).append('|').append(firstseen);
    }
    if (config.domain() != null) {
      sb.append("; Domain=").append(config.domain());
    }
    if (config.path() != null) {
      sb.append("; Path=").append(config.path());
    }
    if (!config.timed() && config.maxage() != null) {
      sb.append("; Max-Age=").append(config.maxage()).append("; Expires=")
          .append(cookieTime(now + Long.parseLong(config.maxage())));
    }
    return sb.toString();
  }

  /**
   * Rewrite mode: the backend's {@code Set-Cookie} whose text contains the cookie's name (any case, anywhere) gets
   * that name, spelled as configured, and {@code =<id>} in place of its name and value; the attributes stay.
   * Returns {@code null} when the name is not there or has no value to replace.
   */
  static String rewrite(String setCookie, StickyConfig config, String sid) {
    String name = config.cookie();
    int st = indexOfIgnoreAsciiCase(setCookie, name);
    if (st < 0) {
      return null;
    }
    int last = setCookie.length();
    int p = st;
    int state = 0;   // 0 before '=', 1 before the value, 2 in the value
    boolean done = false;
    while (p < last && !done) {
      char c = setCookie.charAt(p);
      switch (state) {
        case 0:
          if (c == '=') {
            state = 1;
          } else if (c == ';') {
            done = true;
            continue;
          }
          break;
        case 1:
          if (!isSpace(c)) {
            state = 2;
            p--;
          }
          break;
        default:
          if (c == ';') {
            done = true;
            continue;
          }
          break;
      }
      p++;
    }
    if (!done && state == 1) {
      return null;
    }
    return setCookie.substring(0, st) + name + '=' + sid + setCookie.substring(p);
  }

  /**
   * Prefix mode: {@code <id>~} goes in front of the value of the backend's {@code Set-Cookie} whose text contains
   * the cookie's name (any case); {@code null} when the name or an {@code =} after it is missing.
   */
  static String prefix(String setCookie, StickyConfig config, String sid) {
    int at = indexOfIgnoreAsciiCase(setCookie, config.cookie());
    if (at < 0) {
      return null;
    }
    int last = setCookie.length();
    int p = at + config.cookie().length();
    boolean afterEquals = false;
    for (; p < last; p++) {
      char c = setCookie.charAt(p);
      if (!afterEquals) {
        afterEquals = c == '=';
      } else if (c == ';' || !isSpace(c)) {
        return setCookie.substring(0, p) + sid + '~' + setCookie.substring(p);
      }
    }
    return null;
  }

  /** Whether the backend's {@code Set-Cookie} mentions the cookie's name (any case): insert+indirect replaces it. */
  static boolean mentions(String setCookie, StickyConfig config) {
    return indexOfIgnoreAsciiCase(setCookie, config.cookie()) >= 0;
  }

  /**
   * nginx's {@code ngx_http_cookie_time}: {@code Wdy, DD-Mon-YY HH:MM:SS GMT}, the year in two digits up to 2037
   * and in four after (Netscape 3 read no more).
   */
  static String cookieTime(long epochSeconds) {
    ZonedDateTime t = Instant.ofEpochSecond(epochSeconds).atZone(ZoneOffset.UTC);
    int year = t.getYear();
    return String.format(Locale.ROOT, "%s, %02d-%s-%s %02d:%02d:%02d GMT", WEEK[t.getDayOfWeek().getValue() - 1],
        t.getDayOfMonth(), MONTHS[t.getMonthValue() - 1],
        year > 2037 ? Integer.toString(year) : String.format(Locale.ROOT, "%02d", year % 100),
        t.getHour(), t.getMinute(), t.getSecond());
  }

  /** nginx's ngx_strlcasestrn: the first occurrence of {@code needle} in {@code text}, ASCII case folded. */
  private static int indexOfIgnoreAsciiCase(String text, String needle) {
    int n = needle.length();
    outer:
    for (int i = 0; i + n <= text.length(); i++) {
      for (int j = 0; j < n; j++) {
        if (lower(text.charAt(i + j)) != lower(needle.charAt(j))) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static char lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
  }
}
