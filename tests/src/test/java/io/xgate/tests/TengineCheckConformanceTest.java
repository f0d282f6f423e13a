package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TIMED health-check vectors recorded from Tengine 3.2.0 ({@code conformance/tengine/check}): a backend stops
 * listening at 2 s and listens again at 6 s; the check takes it down and up, and with the default passive settings
 * the first failed request also parks it for {@code fail_timeout}. Replayed as golden.py replays them (wait until
 * the status page says every server is up, then request 0), with one worker event loop and with two, and compared
 * within golden.py's timeline tolerance.
 */
class TengineCheckConformanceTest {

  private static final String[] VECTORS = {"check/check_timeline_passive_default", "check/check_timeline_max_fails_0",
      // consistent_hash with the check: points removed at check-down, restored fail_timeout later (the 502 window)
      "consistent_hash/chash_check_timeline_passive_default", "consistent_hash/chash_check_timeline_check_driven"};

  @TempDir
  Path temp;

  @TestFactory
  Stream<DynamicTest> timelinesMatchWithinTheTolerance() {
    return VectorReplay.withOneAndTwoWorkers(VECTORS, "", this::replay);
  }

  private void replay(String name, int workers) throws Exception {
    JsonObject vector = VectorReplay.load("/conformance/tengine/" + name + ".json");
    Path wd = Files.createDirectories(temp.resolve(name + "-" + workers));
    List<VectorReplay.Result> got = VectorReplay.runTengine(vector, workers, wd, freePort());
    assertThat(got).hasSize(vector.getJsonArray("expect").size());
    assertThat(VectorReplay.timelineMismatches(vector, got, VectorReplay.TIMELINE_TOLERANCE_MS))
        .as(name + " (" + workers + " workers)").isEmpty();
    if (!name.startsWith("check/")) {
      return;
    }
    // the window is not a blank cheque: the victim was out of rotation for a while and came back
    String victim = vector.getJsonObject("backends").fieldNames().stream()
        .filter(a -> vector.getJsonObject("backends").getString(a).contains("@")).findFirst().orElseThrow();
    List<Integer> servedByVictim = new ArrayList<>();
    for (int i = 0; i < got.size(); i++) {
      if (victim.equals(got.get(i).servedBy())) {
        servedByVictim.add(vector.getJsonArray("requests").getJsonObject(i).getInteger("at_ms"));
      }
    }
    assertThat(servedByVictim).as("served by " + victim).anyMatch(t -> t < 2000).anyMatch(t -> t > 6000)
        .noneMatch(t -> t > 2100 && t < 6000);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
