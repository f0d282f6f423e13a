package io.xgate.gateway.http;

import io.netty.handler.codec.DateFormatter;
import java.util.Date;

/**
 * The current time as an HTTP date ({@code Tue, 01 Dec 2026 23:18:51 GMT}, RFC 9110's IMF-fixdate), formatted once
 * per second and shared, as nginx's {@code ngx_cached_http_time}. Thread-safe.
 */
public final class HttpDate {

  /** One formatted second; replaced as a whole, so a reader never sees a second with another second's text. */
  private record Second(long epochSecond, String text) {
  }

  private static volatile Second current = new Second(-1, "");

  private HttpDate() {
  }

  /** The HTTP date of now. */
  public static String now() {
    return of(EventTime.wallMillis());
  }

  /** The HTTP date of {@code epochMillis}, from the cache when it is the cached second. */
  static String of(long epochMillis) {
    long second = Math.floorDiv(epochMillis, 1000);
    Second s = current;
    if (s.epochSecond != second) {
      s = new Second(second, DateFormatter.format(new Date(second * 1000)));
      current = s;
    }
    return s.text;
  }
}
