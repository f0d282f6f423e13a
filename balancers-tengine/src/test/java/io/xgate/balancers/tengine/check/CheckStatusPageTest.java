package io.xgate.balancers.tengine.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.xgate.balancers.tengine.check.CheckStatusPage.Format;
import io.xgate.balancers.tengine.check.CheckStatusPage.Row;
import io.xgate.spi.ContentHandler;
import io.xgate.spi.ContentRequest;
import io.xgate.spi.ContentResponse;
import io.xgate.spi.RequestView;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The status page renders Tengine 3.2.0's recorded responses ({@code check/status_samples/*.http}) byte for byte,
 * in every format, with the filters, the location default, HEAD and 405, from the state the recording had: four
 * checked servers in two upstreams, the counts the samples show, and {@code port=19421} on the tcp upstream.
 */
class CheckStatusPageTest {

  /** The state of the servers when the samples were captured (index.json's setup, about 3 s after start). */
  private static final List<Row> RECORDED_STATE = List.of(
      new Row(0, "u", "127.0.0.1:19421", false, 5, 0, "http", 0),
      new Row(1, "u", "127.0.0.1:19422", true, 0, 5, "http", 0),
      new Row(2, "u", "127.0.0.1:19423", true, 0, 6, "http", 0),
      new Row(3, "u_tcp", "127.0.0.1:19424", false, 3, 0, "tcp", 19421));

  /** The recording's status locations: {@code /status} (html), {@code /status_json}, {@code /status_csv}. */
  private static final Map<String, Format> LOCATIONS = Map.of(
      "/status", Format.HTML, "/status_json", Format.JSON, "/status_csv", Format.CSV);

  /** One recorded response: status, headers and body bytes. */
  private record Sample(int status, Map<String, String> headers, byte[] body) {
  }

  @TestFactory
  Stream<DynamicTest> everyRecordedSampleIsReproducedByteForByte() throws IOException {
    JsonObject index = new JsonObject(read("index.json"));
    JsonArray samples = index.getJsonArray("samples");
    return samples.stream().map(o -> (JsonObject) o).map(s -> DynamicTest.dynamicTest(
        s.getString("file") + ": " + s.getString("request"), () -> replay(s)));
  }

  private void replay(JsonObject s) throws IOException {
    Sample want = parse(read(s.getString("file")));
    String[] requestLine = s.getString("request").split(" ");
    String method = requestLine[0];
    String target = requestLine[1];
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    Map<String, String> args = new HashMap<>();
    if (q >= 0) {
      for (String kv : target.substring(q + 1).split("&")) {
        int eq = kv.indexOf('=');
        args.putIfAbsent("arg_" + kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    ContentHandler handler = CheckStatusProvider.handler(LOCATIONS.get(path), upstreams -> RECORDED_STATE);
    ContentResponse got = handler.handle(request(method, args::get));

    assertThat(got.status()).isEqualTo(want.status()).isEqualTo(s.getInteger("status"));
    if (got.errorPage()) {
      // the gateway writes its own 405 page, as Tengine writes its own
      assertThat(want.status()).isEqualTo(405);
      return;
    }
    assertThat(got.headers().get("Content-Type")).isEqualTo(want.headers().get("Content-Type"))
        .isEqualTo(s.getString("content_type"));
    if (method.equals("HEAD")) {
      assertThat(got.body()).as("HEAD: headers only, no Content-Length").isNull();
      assertThat(want.headers()).doesNotContainKey("Content-Length");
      return;
    }
    assertThat(got.body().getBytes()).asString(StandardCharsets.ISO_8859_1)
        .isEqualTo(new String(want.body(), StandardCharsets.ISO_8859_1));
    assertThat(got.body().length()).isEqualTo(Integer.parseInt(want.headers().get("Content-Length")));
  }

  @Test
  void htmlKeepsTenginesUnclosedQuoteInTheDoctype() {
    String html = CheckStatusPage.render(Format.HTML, RECORDED_STATE, 1);
    assertThat(html).startsWith("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\n\"http://www.w3.org/");
  }

  @Test
  void countsAndGenerationFollowTheListedRows() {
    List<Row> one = List.of(new Row(7, "v", "10.0.0.1:80", true, 0, 12, "tcp", 0));
    assertThat(CheckStatusPage.render(Format.JSON, one, 3)).isEqualTo(
        "{\"servers\": {\n  \"total\": 1,\n  \"up\": 0,\n  \"down\": 1,\n  \"generation\": 3,\n  \"server\": [\n"
            + "    {\"index\": 7, \"upstream\": \"v\", \"name\": \"10.0.0.1:80\", \"status\": \"down\", \"rise\": 0, "
            + "\"fall\": 12, \"type\": \"tcp\", \"port\": 0}\n  ]\n}}\n");
    assertThat(CheckStatusPage.render(Format.HTML, one, 3)).contains(
        "<h2>Check upstream server number: 1, generation: 3</h2>");
    assertThat(CheckStatusPage.render(Format.CSV, List.of(), 1)).isEmpty();
    assertThat(CheckStatusPage.render(Format.PROMETHEUS, one, 3))
        .contains("nginx_upstream_count_generation 3\n")
        .contains("nginx_upstream_server_active{index=\"7\",upstream=\"v\",name=\"10.0.0.1:80\",type=\"tcp\","
            + "port=\"0\"} 0\n");
  }

  @Test
  void statusFilterIgnoresUnknownValuesAndCase() {
    ContentHandler csv = CheckStatusProvider.handler(Format.CSV, upstreams -> RECORDED_STATE);
    assertThat(csv.handle(request("GET", Map.of("arg_status", "DOWN")::get)).body().toString())
        .isEqualTo("1,u,127.0.0.1:19422,down,0,5,http,0\n2,u,127.0.0.1:19423,down,0,6,http,0\n");
    assertThat(csv.handle(request("GET", Map.of("arg_status", "sideways")::get)).body().toString())
        .hasLineCount(4);
    assertThat(csv.handle(request("PUT", n -> null)).errorPage()).isTrue();
    assertThat(csv.handle(request("DELETE", n -> null)).status()).isEqualTo(405);
  }

  private static ContentRequest request(String method, RequestView vars) {
    return ContentRequest.of(method, vars, Map.of(), 1);
  }

  private static Sample parse(String raw) {
    int end = raw.indexOf("\r\n\r\n");
    String[] lines = raw.substring(0, end).split("\r\n");
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon), lines[i].substring(colon + 1).trim());
    }
    return new Sample(Integer.parseInt(lines[0].split(" ")[1]), headers,
        raw.substring(end + 4).getBytes(StandardCharsets.ISO_8859_1));
  }

  private static String read(String file) throws IOException {
    try (InputStream in = CheckStatusPageTest.class.getResourceAsStream("/tengine/check/status_samples/" + file)) {
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
