package io.xgate.gateway.proxy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.Map;

/** The small HTML pages the gateway answers with when it produces a status itself, as nginx's defaults. */
public final class ErrorPages {

  /**
   * nginx's status lines: the reason phrase after each code it knows. A code not here goes out with none
   * ({@code HTTP/1.1 418 }), as nginx sends it.
   */
  private static final Map<Integer, String> REASONS = Map.ofEntries(
      Map.entry(200, "OK"), Map.entry(201, "Created"), Map.entry(202, "Accepted"), Map.entry(204, "No Content"),
      Map.entry(206, "Partial Content"),
      Map.entry(301, "Moved Permanently"), Map.entry(302, "Moved Temporarily"), Map.entry(303, "See Other"),
      Map.entry(304, "Not Modified"), Map.entry(307, "Temporary Redirect"), Map.entry(308, "Permanent Redirect"),
      Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"), Map.entry(402, "Payment Required"),
      Map.entry(403, "Forbidden"), Map.entry(404, "Not Found"), Map.entry(405, "Not Allowed"),
      Map.entry(406, "Not Acceptable"), Map.entry(408, "Request Time-out"), Map.entry(409, "Conflict"),
      Map.entry(410, "Gone"), Map.entry(411, "Length Required"), Map.entry(412, "Precondition Failed"),
      Map.entry(413, "Request Entity Too Large"), Map.entry(414, "Request-URI Too Large"),
      Map.entry(415, "Unsupported Media Type"), Map.entry(416, "Requested Range Not Satisfiable"),
      Map.entry(421, "Misdirected Request"), Map.entry(429, "Too Many Requests"),
      Map.entry(500, "Internal Server Error"), Map.entry(501, "Not Implemented"), Map.entry(502, "Bad Gateway"),
      Map.entry(503, "Service Temporarily Unavailable"), Map.entry(504, "Gateway Time-out"),
      Map.entry(505, "HTTP Version Not Supported"), Map.entry(507, "Insufficient Storage"));

  /** The codes nginx has a page for, each with its title where that is not the status line's. */
  private static final Map<Integer, String> PAGE_TITLES = pageTitles();

  private static Map<Integer, String> pageTitles() {
    Map<Integer, String> titles = new java.util.HashMap<>();
    for (int status : new int[] {301, 302, 303, 307, 308, 400, 401, 402, 403, 404, 405, 406, 408, 409, 410, 411,
        412, 413, 414, 415, 416, 421, 429, 500, 501, 502, 503, 504, 505, 507}) {
      titles.put(status, status + " " + REASONS.get(status));
    }
    titles.put(302, "302 Found");   // the page's words; the status line says "Moved Temporarily"
    titles.put(401, "401 Authorization Required");
    return Map.copyOf(titles);
  }

  private ErrorPages() {
  }

  /** The reason phrase of nginx's status line for {@code status}; empty for a code nginx has none for. */
  public static String reason(int status) {
    return REASONS.getOrDefault(status, "");
  }

  /** Sets {@code status} on {@code response} with nginx's reason phrase (Netty's differ: 302, 405, 503, 504 ...). */
  public static void setStatus(HttpServerResponse response, int status) {
    response.setStatusCode(status).setStatusMessage(reason(status));
  }

  /**
   * Whether {@code return status} (without a text) closes the connection without an answer: nginx's 444, and 408 and 499, which
   * it finalizes as a timed-out or gone client (the access log still gets the status).
   */
  public static boolean closesWithoutAnswer(int status) {
    return status == 444 || status == 408 || status == 499;
  }

  /** nginx's page for its 494 ("Request Header Or Cookie Too Large"), which it sends with status 400. */
  public static Buffer headerTooLargePage() {
    return Buffer.buffer("<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n"
        + "<center><h1>400 Bad Request</h1></center>\r\n<center>Request Header Or Cookie Too Large</center>\r\n"
        + "<hr><center>xgate</center>\r\n</body>\r\n</html>\r\n");
  }

  /** The default page body for {@code status}, or {@code null} when nginx has none (2xx, 304, 418 ...). */
  public static Buffer page(int status) {
    String title = PAGE_TITLES.get(status);
    if (title == null) {
      return null;
    }
    return Buffer.buffer("<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title
        + "</h1></center>\r\n<hr><center>xgate</center>\r\n</body>\r\n</html>\r\n");
  }
}
