package io.xgate.balancers.tengine;

import io.xgate.spi.ConfigOrError;
import io.xgate.spi.ConfigValues;
import io.xgate.spi.Directive;

/**
 * The parsed {@code session_sticky} directive: Tengine's flag word (which the module tests bit by bit, so
 * combinations such as {@code mode=rewrite option=indirect} behave as in Tengine) and the cookie's attributes.
 *
 * @param flags the {@code INSERT}, {@code PREFIX}, ... bits below
 * @param cookie the cookie's name ({@code route})
 * @param domain the {@code Domain} attribute, or {@code null}
 * @param path the {@code Path} attribute ({@code /} unless configured)
 * @param maxage the {@code Max-Age} value as written, or {@code null}
 * @param maxidle seconds a cookie may stay unused, or -1 when neither {@code maxidle} nor {@code maxlife} is set
 * @param maxlife seconds a cookie may live, or -1 likewise
 */
record StickyConfig(int flags, String cookie, String domain, String path, String maxage, long maxidle,
    long maxlife) {

  static final int PREFIX = 0x0001;
  static final int INDIRECT = 0x0002;
  static final int INSERT = 0x0004;
  static final int REWRITE = 0x0008;
  static final int FALLBACK_ON = 0x0010;
  static final int FALLBACK_OFF = 0x0020;
  static final int MD5 = 0x0040;
  static final int PLAIN = 0x0080;

  /** Tengine's NGX_MAX_INT32_VALUE: the limit of {@code maxidle}/{@code maxlife} when only the other one is set. */
  private static final long UNLIMITED = Integer.MAX_VALUE;

  boolean has(int flag) {
    return (flags & flag) != 0;
  }

  /** Whether cookies carry {@code <id>|<lastseen>|<firstseen>} ({@code maxidle} or {@code maxlife} set). */
  boolean timed() {
    return maxidle >= 0;
  }

  /**
   * Parses {@code session_sticky [cookie=] [domain=] [path=] [maxage=] [maxidle=] [maxlife=]
   * [mode=insert|rewrite|prefix] [option=indirect|direct] [fallback=on|off] [hash=plain|md5]} as Tengine does:
   * later arguments change the flags the earlier ones set, and the keyword values are matched by prefix where
   * Tengine compares only their length ({@code mode=insertx} is {@code insert}).
   */
  static ConfigOrError<StickyConfig> parse(Directive d) {
    int flags = INSERT | MD5;
    String cookie = "route";
    String domain = null;
    String path = "/";
    String maxage = null;
    long maxidle = -1;
    long maxlife = -1;
    for (String a : d.args()) {
      if (a.startsWith("cookie=")) {
        cookie = a.substring(7);
        if (cookie.isEmpty()) {
          return ConfigOrError.error(d.error("invalid cookie"));
        }
      } else if (a.startsWith("domain=")) {
        domain = a.substring(7);
        if (domain.isEmpty()) {
          return ConfigOrError.error(d.error("invalid domain"));
        }
      } else if (a.startsWith("path=")) {
        path = a.substring(5);
        if (path.isEmpty()) {
          return ConfigOrError.error(d.error("invalid path"));
        }
      } else if (a.startsWith("maxage=")) {
        maxage = a.substring(7);
        if (ConfigValues.parseNumber(maxage) < 0) {
          return ConfigOrError.error(d.error("invalid maxage"));
        }
      } else if (a.startsWith("maxidle=")) {
        maxidle = ConfigValues.parseNumber(a.substring(8));
        if (maxidle < 0) {
          return ConfigOrError.error(d.error("invalid maxidle"));
        }
        if (maxlife < 0) {
          maxlife = UNLIMITED;
        }
      } else if (a.startsWith("maxlife=")) {
        maxlife = ConfigValues.parseNumber(a.substring(8));
        if (maxlife < 0) {
          return ConfigOrError.error(d.error("invalid maxlife"));
        }
        if (maxidle < 0) {
          maxidle = UNLIMITED;
        }
      } else if (a.startsWith("mode=")) {
        String m = a.substring(5);
        if (m.startsWith("insert")) {
          flags |= INSERT;
        } else if (m.startsWith("prefix")) {
          flags = (flags | PREFIX) & ~INSERT;
        } else if (m.startsWith("rewrite")) {
          flags = (flags | REWRITE) & ~INDIRECT & ~INSERT;
        } else {
          return ConfigOrError.error(d.error("invalid mode"));
        }
      } else if (a.startsWith("option=")) {
        String o = a.substring(7);
        if (o.startsWith("indirect")) {
          flags |= INDIRECT;
        } else if (o.startsWith("direct")) {
          flags &= ~INDIRECT;
        } else {
          return ConfigOrError.error(d.error("invalid option"));
        }
      } else if (a.startsWith("fallback=")) {
        String f = a.substring(9);
        if (f.startsWith("on")) {
          flags |= FALLBACK_ON;
        } else if (f.startsWith("off")) {
          flags |= FALLBACK_OFF;
        } else {
          return ConfigOrError.error(d.error("invalid fallback"));
        }
      } else if (a.startsWith("hash=")) {
        String h = a.substring(5);
        if (h.startsWith("plain")) {
          flags = (flags & ~MD5) | PLAIN;
        } else if (h.equals("md5")) {
          flags = (flags & ~PLAIN) | MD5;
        } else {
          return ConfigOrError.error(d.error("invalid hash mode"));
        }
      } else {
        return ConfigOrError.error(d.error("invalid argument"));
      }
    }
    return ConfigOrError.of(new StickyConfig(flags, cookie, domain, path, maxage, maxidle, maxlife));
  }
}
