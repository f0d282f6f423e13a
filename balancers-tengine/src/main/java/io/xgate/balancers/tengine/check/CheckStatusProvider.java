package io.xgate.balancers.tengine.check;

import io.vertx.core.buffer.Buffer;
import io.xgate.balancers.tengine.check.CheckStatusPage.Format;
import io.xgate.balancers.tengine.check.CheckStatusPage.Row;
import io.xgate.spi.Balancer;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.ContentHandler;
import io.xgate.spi.ContentHandlerProvider;
import io.xgate.spi.ContentRequest;
import io.xgate.spi.ContentResponse;
import io.xgate.spi.Directive;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code check_status [html|csv|json|prometheus];} in a location: the state of every checked server of the
 * configuration serving the request, as Tengine's page shows it ({@link CheckStatusPage}). {@code ?format=}
 * overrides the location's format (an unknown value is ignored), {@code ?status=up|down} lists only those rows
 * (counts then refer to the listed rows; {@code index} stays the global one). {@code GET} and {@code HEAD} only
 * ({@code HEAD}: headers without {@code Content-Length}); any other method gets 405.
 */
public final class CheckStatusProvider extends ContentHandlerProvider {

  @Override
  public String directiveName() {
    return "check_status";
  }

  @Override
  public ConfigOrError<?> parseConfig(Directive d) {
    if (d.args().size() > 1) {
      return ConfigOrError.error(d.invalidArgumentCount());
    }
    if (d.args().isEmpty()) {
      return ConfigOrError.of(Format.HTML);
    }
    Format f = Format.named(d.arg(0));
    return f == null ? ConfigOrError.error(d.error("invalid check format \"" + d.arg(0) + "\"")) : ConfigOrError.of(f);
  }

  @Override
  public ContentHandler newHandler(Object config) {
    return handler((Format) config, CheckStatusProvider::rows);
  }

  /** The handler in {@code format} over the rows {@code source} lists for a request's upstreams (tests). */
  static ContentHandler handler(Format format, Function<Map<String, Balancer>, List<Row>> source) {
    return request -> handle(request, format, source);
  }

  private static ContentResponse handle(ContentRequest request, Format defaultFormat,
      Function<Map<String, Balancer>, List<Row>> source) {
    boolean head = request.method().equals("HEAD");
    if (!head && !request.method().equals("GET")) {
      return ContentResponse.errorPage(405);
    }
    Format format = defaultFormat;
    String asked = request.variables().variable("arg_format");
    if (asked != null && Format.named(asked) != null) {
      format = Format.named(asked);
    }
    String status = request.variables().variable("arg_status");
    Boolean onlyDown = null;
    if (status != null) {
      String s = status.toLowerCase(Locale.ROOT);
      onlyDown = s.equals("down") ? Boolean.TRUE : s.equals("up") ? Boolean.FALSE : null;
    }
    List<Row> rows = source.apply(request.upstreams());
    if (onlyDown != null) {
      List<Row> listed = new ArrayList<>();
      for (Row r : rows) {
        if (r.down() == onlyDown) {
          listed.add(r);
        }
      }
      rows = listed;
    }
    if (head) {
      return ContentResponse.headersOnly(200, format.contentType());
    }
    return ContentResponse.of(200, format.contentType(),
        Buffer.buffer(CheckStatusPage.render(format, rows, request.generation())));
  }

  /** Every checked server of {@code upstreams}, in config order, indexed across all of them. */
  static List<Row> rows(Map<String, Balancer> upstreams) {
    List<Row> rows = new ArrayList<>();
    for (Balancer b : upstreams.values()) {
      CheckBalancer check = CheckedUpstreams.of(b.peers());
      if (check == null) {
        continue;
      }
      String type = check.spec().type().label();
      for (CheckBalancer.Probe p : check.probes()) {
        Prober prober = p.prober();
        rows.add(new Row(rows.size(), b.peers().name(), p.peer().name(), prober.down(), prober.riseCount(),
            prober.fallCount(), type, check.spec().port()));
      }
    }
    return rows;
  }
}
