package io.xgate.balancers.tengine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.xgate.spi.RequestView;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every run Tengine 3.2.0 recorded for vnswrr (fresh processes, random starts; {@code *.runs.json}) is reproduced
 * exactly, tried lists included, by the balancer started at that run's {@code init}.
 */
class VnswrrRecordedRunsTest {

  private static final String[][] CASES = {
      {"vnswrr_5_1_1", ""}, {"vnswrr_1_to_7", ""}, {"vnswrr_unweighted", ""}, {"vnswrr_gcd", ""},
      {"vnswrr_refused_peer", "127.0.0.1:19242"}};

  @AfterEach
  void unpin() {
    System.clearProperty(VnswrrProvider.INIT_PROPERTY);
  }

  @TestFactory
  Stream<DynamicTest> everyRecordedRunReplaysFromItsStart() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (String[] c : CASES) {
      JsonObject runs = load("/conformance/tengine/vnswrr/" + c[0] + ".runs.json");
      JsonArray all = runs.getJsonArray("runs");
      for (int r = 0; r < all.size(); r++) {
        JsonObject run = all.getJsonObject(r);
        for (Object init : run.getJsonArray("matching_init_numbers")) {
          tests.add(DynamicTest.dynamicTest(c[0] + " run " + r + " (init " + init + ")",
              () -> replay(runs, run, (Integer) init, c[1].isEmpty() ? Set.of() : Set.of(c[1]))));
        }
      }
    }
    return tests.stream();
  }

  private static void replay(JsonObject runs, JsonObject run, int init, Set<String> refusing) {
    StringBuilder block = new StringBuilder("upstream u {\n  vnswrr;\n");
    JsonArray servers = runs.getJsonArray("servers");
    JsonArray weights = runs.getJsonArray("weights");
    for (int i = 0; i < servers.size(); i++) {
      block.append("  server ").append(servers.getString(i)).append(" weight=").append(weights.getInteger(i))
          .append(";\n");
    }
    block.append("}\n");
    System.setProperty(VnswrrProvider.INIT_PROPERTY, Integer.toString(init));
    TestChains.Chain chain = TestChains.build(block.toString(), new TestChains.Clock(1_000_000_000L));
    JsonArray tried = run.getJsonArray("tried_sequence");
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < tried.size(); i++) {
      List<String> got = chain.request(RequestView.NONE, refusing);
      if (!got.equals(tried.getJsonArray(i).getList())) {
        mismatches.add("#" + i + ": got " + got + ", expected " + tried.getJsonArray(i));
      }
    }
    assertThat(mismatches).isEmpty();
  }

  private static JsonObject load(String resource) throws IOException {
    try (InputStream in = VnswrrRecordedRunsTest.class.getResourceAsStream(resource)) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
