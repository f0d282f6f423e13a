package io.xgate.balancers.tengine.check;

import io.xgate.spi.ConfigException;
import io.xgate.spi.ConfigValues;
import io.xgate.spi.Directive;
import java.util.List;

/**
 * One upstream's {@code check} with its companions {@code check_http_send}, {@code check_http_expect_alive} and
 * {@code check_keepalive_requests}, as Tengine's {@code ngx_http_upstream_check_module} reads them.
 *
 * @param type how a server is probed
 * @param intervalMs {@code interval=}: the least time between the end of one check and the start of the next
 * @param rise {@code rise=}: consecutive successes that bring a down server up
 * @param fall {@code fall=}: consecutive failures that take an up server down
 * @param timeoutMs {@code timeout=}: the most one check (connect, send, first response line) may take
 * @param defaultDown {@code default_down=}: whether servers start down (Tengine's default {@code true})
 * @param port {@code port=}: the port checked instead of the server's own; 0 = the server's port
 * @param send {@code check_http_send}: the bytes a {@code type=http} check sends, verbatim
 * @param expectAlive {@code check_http_expect_alive}: the status classes that count as alive, bit {@code c - 1}
 *     for class {@code c}xx ({@link #HTTP_2XX}, ...)
 * @param keepaliveRequests {@code check_keepalive_requests}: checks sent over one connection
 */
public record CheckSpec(Type type, long intervalMs, int rise, int fall, long timeoutMs, boolean defaultDown,
    int port, String send, int expectAlive, int keepaliveRequests) {

  /** The probe kinds xgate implements (Tengine also has ssl_hello, mysql, ajp, fastcgi). */
  public enum Type {
    TCP, HTTP;

    /** As the status page names it. */
    public String label() {
      return this == TCP ? "tcp" : "http";
    }
  }

  public static final int HTTP_2XX = 1 << 1;
  public static final int HTTP_3XX = 1 << 2;
  public static final int HTTP_4XX = 1 << 3;
  public static final int HTTP_5XX = 1 << 4;

  /** Tengine's default {@code check_http_send}. */
  public static final String DEFAULT_SEND = "GET / HTTP/1.0\r\n\r\n";

  /** Whether a response of status {@code code} counts as alive. */
  public boolean alive(int code) {
    if (code < 200 || code >= 600) {
      return false;
    }
    return (expectAlive & (1 << (code / 100 - 1))) != 0;
  }

  /**
   * Reads {@code check} and its companions; Tengine's defaults are {@code interval=30000 fall=5 rise=2
   * timeout=1000 default_down=true type=tcp}, {@code check_http_send "GET / HTTP/1.0\r\n\r\n"},
   * {@code check_http_expect_alive http_2xx http_3xx}, {@code check_keepalive_requests 1}.
   */
  public static CheckSpec parse(Directive check, List<Directive> companions) throws ConfigException {
    if (check.args().isEmpty()) {
      throw check.invalidArgumentCount();
    }
    Type type = Type.TCP;
    long interval = 30_000;
    int rise = 2;
    int fall = 5;
    long timeout = 1000;
    boolean defaultDown = true;
    int port = 0;
    for (String a : check.args()) {
      int eq = a.indexOf('=');
      String key = eq > 0 ? a.substring(0, eq) : a;
      String value = eq > 0 ? a.substring(eq + 1) : "";
      switch (key) {
        case "interval" -> interval = positive(check, a, value);
        case "rise" -> rise = (int) positive(check, a, value);
        case "fall" -> fall = (int) positive(check, a, value);
        case "timeout" -> timeout = positive(check, a, value);
        case "port" -> {
          long p = ConfigValues.parseNumber(value);
          if (p < 0 || p > 65535) {
            throw check.invalidParameter(a);
          }
          port = (int) p;
        }
        case "default_down" -> {
          if (value.equals("true")) {
            defaultDown = true;
          } else if (value.equals("false")) {
            defaultDown = false;
          } else {
            throw check.invalidParameter(a);
          }
        }
        case "type" -> {
          switch (value) {
            case "tcp" -> type = Type.TCP;
            case "http" -> type = Type.HTTP;
            case "ssl_hello", "mysql", "ajp", "fastcgi" ->
                throw check.error("check type \"" + value + "\" is not supported yet");
            default -> throw check.invalidParameter(a);
          }
        }
        default -> throw check.invalidParameter(a);
      }
    }
    String send = null;
    int expect = -1;
    int keepalive = -1;
    for (Directive d : companions) {
      switch (d.name()) {
        case "check_http_send" -> {
          if (send != null) {
            throw d.error("\"check_http_send\" directive is duplicate");
          }
          if (d.args().size() != 1) {
            throw d.invalidArgumentCount();
          }
          send = d.arg(0);
        }
        case "check_http_expect_alive" -> {
          if (expect >= 0) {
            throw d.error("\"check_http_expect_alive\" directive is duplicate");
          }
          if (d.args().isEmpty()) {
            throw d.invalidArgumentCount();
          }
          expect = 0;
          for (String v : d.args()) {
            expect |= switch (v) {
              case "http_2xx" -> HTTP_2XX;
              case "http_3xx" -> HTTP_3XX;
              case "http_4xx" -> HTTP_4XX;
              case "http_5xx" -> HTTP_5XX;
              default -> throw d.error("invalid value \"" + v + "\" in \"check_http_expect_alive\" directive");
            };
          }
        }
        case "check_keepalive_requests" -> {
          if (keepalive >= 0) {
            throw d.error("\"check_keepalive_requests\" directive is duplicate");
          }
          if (d.args().size() != 1) {
            throw d.invalidArgumentCount();
          }
          long v = ConfigValues.parseNumber(d.arg(0));
          if (v <= 0 || v > Integer.MAX_VALUE) {
            throw d.error("invalid value \"" + d.arg(0) + "\" in \"check_keepalive_requests\" directive");
          }
          keepalive = (int) v;
        }
        default -> throw d.error("unknown directive \"" + d.name() + "\"");
      }
    }
    return new CheckSpec(type, interval, rise, fall, timeout, defaultDown, port,
        send != null ? send : DEFAULT_SEND, expect >= 0 ? expect : HTTP_2XX | HTTP_3XX,
        keepalive > 0 ? keepalive : 1);
  }

  private static long positive(Directive d, String arg, String value) throws ConfigException {
    long v = ConfigValues.parseNumber(value);
    if (v <= 0 || v > Integer.MAX_VALUE) {
      throw d.invalidParameter(arg);
    }
    return v;
  }
}
