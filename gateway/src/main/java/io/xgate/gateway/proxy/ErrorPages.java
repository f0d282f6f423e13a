package io.xgate.gateway.proxy;

import io.vertx.core.buffer.Buffer;
import java.util.Map;

/** The small HTML pages the gateway answers with when it produces a status itself, as nginx's defaults. */
public final class ErrorPages {

  private static final Map<Integer, String> REASONS = Map.ofEntries(
      Map.entry(301, "Moved Permanently"), Map.entry(302, "Found"), Map.entry(303, "See Other"),
      Map.entry(307, "Temporary Redirect"), Map.entry(308, "Permanent Redirect"), Map.entry(400, "Bad Request"),
      Map.entry(403, "Forbidden"), Map.entry(404, "Not Found"), Map.entry(405, "Not Allowed"),
      Map.entry(408, "Request Time-out"), Map.entry(413, "Request Entity Too Large"),
      Map.entry(414, "Request-URI Too Large"), Map.entry(429, "Too Many Requests"),
      Map.entry(499, "Client Closed Request"),
      Map.entry(500, "Internal Server Error"), Map.entry(501, "Not Implemented"), Map.entry(502, "Bad Gateway"),
      Map.entry(503, "Service Temporarily Unavailable"), Map.entry(504, "Gateway Time-out"));

  private ErrorPages() {
  }

  /** The reason phrase nginx writes for {@code status}. */
  public static String reason(int status) {
    return REASONS.getOrDefault(status, "");
  }

  /** nginx's page for its 494 ("Request Header Or Cookie Too Large"), which it sends with status 400. */
  public static Buffer headerTooLargePage() {
    return Buffer.buffer("<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n"
        + "<center><h1>400 Bad Request</h1></center>\r\n<center>Request Header Or Cookie Too Large</center>\r\n"
        + "<hr><center>xgate</center>\r\n</body>\r\n</html>\r\n");
  }

  /** The default page body for {@code status}, or {@code null} when nginx sends none. */
  public static Buffer page(int status) {
    if (status < 300 || status == 304) {
      return null;
    }
    String title = status + " " + reason(status);
    return Buffer.buffer("<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title
        + "</h1></center>\r\n<hr><center>xgate</center>\r\n</body>\r\n</html>\r\n");
  }
}
