package io.xgate.spi;

/**
 * nginx's value syntaxes, for providers parsing their arguments: times ({@code 10s}, {@code 500ms}, {@code 1h 30m}
 * written as {@code 1h30m}), sizes ({@code 4k}, {@code 1m}), numbers and flags.
 */
public final class ConfigValues {

  private ConfigValues() {
  }

  /**
   * Parses an nginx time into milliseconds: a sequence of numbers with units {@code y M w d h m s ms} (no unit
   * means seconds). Returns -1 when invalid.
   */
  public static long parseTimeMillis(String value) {
    return parseTime(value, false);
  }

  /**
   * Parses an nginx time that nginx keeps in seconds ({@code fail_timeout}, {@code keepalive_timeout}'s header
   * part): as {@link #parseTimeMillis} but {@code ms} is refused. Returns seconds, or -1 when invalid.
   */
  public static long parseTimeSeconds(String value) {
    long ms = parseTime(value, true);
    return ms < 0 ? -1 : ms / 1000;
  }

  private static long parseTime(String value, boolean secondsOnly) {
    if (value.isEmpty()) {
      return -1;
    }
    long total = 0;
    long number = 0;
    boolean haveNumber = false;
    int lastStep = Integer.MAX_VALUE;
    int i = 0;
    int n = value.length();
    while (i < n) {
      char c = value.charAt(i++);
      if (c >= '0' && c <= '9') {
        number = number * 10 + (c - '0');
        if (number > Integer.MAX_VALUE) {
          return -1;
        }
        haveNumber = true;
        continue;
      }
      if (!haveNumber) {
        return -1;
      }
      long unit;
      int step;
      switch (c) {
        case 'y': unit = 365L * 24 * 3600 * 1000; step = 8; break;
        case 'M': unit = 30L * 24 * 3600 * 1000; step = 7; break;
        case 'w': unit = 7L * 24 * 3600 * 1000; step = 6; break;
        case 'd': unit = 24L * 3600 * 1000; step = 5; break;
        case 'h': unit = 3600L * 1000; step = 4; break;
        case 'm':
          if (i < n && value.charAt(i) == 's') {
            if (secondsOnly) {
              return -1;
            }
            i++;
            unit = 1;
            step = 1;
          } else {
            unit = 60L * 1000;
            step = 3;
          }
          break;
        case 's': unit = 1000; step = 2; break;
        default: return -1;
      }
      if (step >= lastStep) {
        return -1;
      }
      lastStep = step;
      total += number * unit;
      number = 0;
      haveNumber = false;
    }
    if (haveNumber) {
      total += number * 1000;  // a bare number counts as seconds, as in nginx
    }
    return total;
  }

  /** Parses an nginx size ({@code 512}, {@code 4k}, {@code 1m}, {@code 1g}) into bytes; -1 when invalid. */
  public static long parseSize(String value) {
    if (value.isEmpty()) {
      return -1;
    }
    long scale = 1;
    String digits = value;
    char last = value.charAt(value.length() - 1);
    switch (last) {
      case 'k': case 'K': scale = 1024; break;
      case 'm': case 'M': scale = 1024 * 1024; break;
      case 'g': case 'G': scale = 1024L * 1024 * 1024; break;
      default: break;
    }
    if (scale != 1) {
      digits = value.substring(0, value.length() - 1);
    }
    long n = parseNumber(digits);
    if (n < 0 || n > Long.MAX_VALUE / scale) {
      return -1;
    }
    return n * scale;
  }

  /** Parses a non-negative decimal integer; -1 when invalid. */
  public static long parseNumber(String value) {
    if (value.isEmpty() || value.length() > 18) {
      return -1;
    }
    long n = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }
}
