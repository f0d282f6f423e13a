package io.xgate.balancers.tengine.check;

import java.util.List;

/**
 * Tengine 3.2.0's check status page, byte for byte, in its four formats. Pure: the rows and the generation come
 * from the caller.
 */
public final class CheckStatusPage {

  /** One checked server as the page lists it. */
  public record Row(int index, String upstream, String name, boolean down, int rise, int fall, String type,
      int port) {

    String status() {
      return down ? "down" : "up";
    }
  }

  /** The page formats, with the {@code Content-Type} Tengine sends. */
  public enum Format {
    HTML("html", "text/html"), CSV("csv", "text/plain"), JSON("json", "application/json"),
    PROMETHEUS("prometheus", "text/plain");

    private final String argument;
    private final String contentType;

    Format(String argument, String contentType) {
      this.argument = argument;
      this.contentType = contentType;
    }

    public String contentType() {
      return contentType;
    }

    /** The format named {@code value} as {@code check_status} and {@code ?format=} write it, or {@code null}. */
    public static Format named(String value) {
      for (Format f : values()) {
        if (f.argument.equals(value)) {
          return f;
        }
      }
      return null;
    }
  }

  private CheckStatusPage() {
  }

  /** The page of {@code rows} (already filtered) in {@code format}. */
  public static String render(Format format, List<Row> rows, long generation) {
    return switch (format) {
      case HTML -> html(rows, generation);
      case CSV -> csv(rows);
      case JSON -> json(rows, generation);
      case PROMETHEUS -> prometheus(rows, generation);
    };
  }

  static String html(List<Row> rows, long generation) {
    StringBuilder b = new StringBuilder(512 + rows.size() * 256);
    // the DOCTYPE's first quoted string is never closed: Tengine's own text
    b.append("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\n")
        .append("\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n")
        .append("<html xmlns=\"http://www.w3.org/1999/xhtml\">\n")
        .append("<head>\n")
        .append("  <title>Nginx http upstream check status</title>\n")
        .append("</head>\n")
        .append("<body>\n")
        .append("<h1>Nginx http upstream check status</h1>\n")
        .append("<h2>Check upstream server number: ").append(rows.size()).append(", generation: ")
        .append(generation).append("</h2>\n")
        .append("<table style=\"background-color:white\" cellspacing=\"0\"        cellpadding=\"3\" border=\"1\">\n")
        .append("  <tr bgcolor=\"#C0C0C0\">\n");
    for (String h : new String[] {"Index", "Upstream", "Name", "Status", "Rise counts", "Fall counts",
        "Check type", "Check port"}) {
      b.append("    <th>").append(h).append("</th>\n");
    }
    b.append("  </tr>\n");
    for (Row r : rows) {
      b.append(r.down() ? "  <tr bgcolor=\"#FF0000\">\n" : "  <tr>\n");
      for (Object cell : new Object[] {r.index(), r.upstream(), r.name(), r.status(), r.rise(), r.fall(), r.type(),
          r.port()}) {
        b.append("    <td>").append(cell).append("</td>\n");
      }
      b.append("  </tr>\n");
    }
    b.append("</table>\n</body>\n</html>\n");
    return b.toString();
  }

  static String csv(List<Row> rows) {
    StringBuilder b = new StringBuilder(rows.size() * 48);
    for (Row r : rows) {
      b.append(r.index()).append(',').append(r.upstream()).append(',').append(r.name()).append(',')
          .append(r.status()).append(',').append(r.rise()).append(',').append(r.fall()).append(',')
          .append(r.type()).append(',').append(r.port()).append('\n');
    }
    return b.toString();
  }

  static String json(List<Row> rows, long generation) {
    int up = up(rows);
    StringBuilder b = new StringBuilder(128 + rows.size() * 128);
    b.append("{\"servers\": {\n")
        .append("  \"total\": ").append(rows.size()).append(",\n")
        .append("  \"up\": ").append(up).append(",\n")
        .append("  \"down\": ").append(rows.size() - up).append(",\n")
        .append("  \"generation\": ").append(generation).append(",\n")
        .append("  \"server\": [\n");
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      b.append("    {\"index\": ").append(r.index())
          .append(", \"upstream\": \"").append(r.upstream())
          .append("\", \"name\": \"").append(r.name())
          .append("\", \"status\": \"").append(r.status())
          .append("\", \"rise\": ").append(r.rise())
          .append(", \"fall\": ").append(r.fall())
          .append(", \"type\": \"").append(r.type())
          .append("\", \"port\": ").append(r.port())
          .append('}').append(i == rows.size() - 1 ? "" : ",").append('\n');
    }
    b.append("  ]\n}}\n");
    return b.toString();
  }

  static String prometheus(List<Row> rows, long generation) {
    int up = up(rows);
    StringBuilder b = new StringBuilder(1024 + rows.size() * 512);
    gauge(b, "nginx_upstream_count_total", "Nginx total number of servers", rows.size());
    gauge(b, "nginx_upstream_count_up", "Nginx total number of servers that are UP", up);
    gauge(b, "nginx_upstream_count_down", "Nginx total number of servers that are DOWN", rows.size() - up);
    gauge(b, "nginx_upstream_count_generation", "Nginx generation", generation);
    b.append("# HELP nginx_upstream_server_rise Nginx rise counter\n")
        .append("# TYPE nginx_upstream_server_rise counter\n");
    for (Row r : rows) {
      b.append("nginx_upstream_server_rise").append(labels(r, true)).append(' ').append(r.rise()).append('\n');
    }
    b.append("# HELP nginx_upstream_server_fall Nginx fall counter\n")
        .append("# TYPE nginx_upstream_server_fall counter\n");
    for (Row r : rows) {
      b.append("nginx_upstream_server_fall").append(labels(r, true)).append(' ').append(r.fall()).append('\n');
    }
    b.append("# HELP nginx_upstream_server_active Nginx active 1 for UP / 0 for DOWN\n")
        .append("# TYPE nginx_upstream_server_active gauge\n");
    for (Row r : rows) {
      b.append("nginx_upstream_server_active").append(labels(r, false)).append(' ').append(r.down() ? 0 : 1)
          .append('\n');
    }
    return b.toString();
  }

  private static void gauge(StringBuilder b, String name, String help, long value) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" gauge\n")
        .append(name).append(' ').append(value).append('\n');
  }

  private static String labels(Row r, boolean withStatus) {
    return "{index=\"" + r.index() + "\",upstream=\"" + r.upstream() + "\",name=\"" + r.name() + "\","
        + (withStatus ? "status=\"" + r.status() + "\"," : "") + "type=\"" + r.type() + "\",port=\"" + r.port()
        + "\"}";
  }

  private static int up(List<Row> rows) {
    int up = 0;
    for (Row r : rows) {
      if (!r.down()) {
        up++;
      }
    }
    return up;
  }
}
