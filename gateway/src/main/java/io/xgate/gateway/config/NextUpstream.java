package io.xgate.gateway.config;

/**
 * The conditions of {@code proxy_next_upstream}, as a bit mask (nginx's {@code NGX_HTTP_UPSTREAM_FT_*}).
 */
public final class NextUpstream {

  public static final int ERROR = 1;
  public static final int TIMEOUT = 1 << 1;
  public static final int INVALID_HEADER = 1 << 2;
  public static final int HTTP_500 = 1 << 3;
  public static final int HTTP_502 = 1 << 4;
  public static final int HTTP_503 = 1 << 5;
  public static final int HTTP_504 = 1 << 6;
  public static final int HTTP_403 = 1 << 7;
  public static final int HTTP_404 = 1 << 8;
  public static final int HTTP_429 = 1 << 9;
  public static final int NON_IDEMPOTENT = 1 << 10;
  public static final int OFF = 1 << 11;

  /** nginx's default: {@code error timeout}. */
  public static final int DEFAULT = ERROR | TIMEOUT;

  private NextUpstream() {
  }

  /** The bit of a {@code proxy_next_upstream} word, or 0 when the word is not one. */
  public static int bit(String word) {
    switch (word) {
      case "error": return ERROR;
      case "timeout": return TIMEOUT;
      case "invalid_header": return INVALID_HEADER;
      case "http_500": return HTTP_500;
      case "http_502": return HTTP_502;
      case "http_503": return HTTP_503;
      case "http_504": return HTTP_504;
      case "http_403": return HTTP_403;
      case "http_404": return HTTP_404;
      case "http_429": return HTTP_429;
      case "non_idempotent": return NON_IDEMPOTENT;
      case "off": return OFF;
      default: return 0;
    }
  }

  /** The bit for an upstream response status that {@code proxy_next_upstream} can name, or 0. */
  public static int statusBit(int status) {
    switch (status) {
      case 500: return HTTP_500;
      case 502: return HTTP_502;
      case 503: return HTTP_503;
      case 504: return HTTP_504;
      case 403: return HTTP_403;
      case 404: return HTTP_404;
      case 429: return HTTP_429;
      default: return 0;
    }
  }
}
