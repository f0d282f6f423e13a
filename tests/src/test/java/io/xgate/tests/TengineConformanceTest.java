package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway reproduces Tengine 3.2.0's {@code consistent_hash} and {@code vnswrr} request for request (served by,
 * tried list, status, Set-Cookie), for every recorded vector that needs no active health check, with one worker event
 * loop and with two.
 *
 * <p>vnswrr starts at a random slot per upstream, as Tengine does; these replays pin the start to the recordings'
 * canonical one ({@code init = 0}, the first request takes slot 1) through the system property
 * {@code xgate.vnswrr.init}, so the stored runs must match exactly, not only up to rotation.
 */
class TengineConformanceTest {

  private static final String[] CONSISTENT_HASH = {
      "chash_request_uri", "chash_remote_addr", "chash_arg_x", "chash_server_id", "chash_marked_down",
      "chash_down_restore", "chash_refused"};
  private static final String[] VNSWRR = {
      "vnswrr_5_1_1", "vnswrr_1_to_7", "vnswrr_unweighted", "vnswrr_gcd", "vnswrr_refused_peer"};

  private static final String PIN = "xgate.vnswrr.init";

  @TempDir
  Path temp;

  @TestFactory
  Stream<DynamicTest> vectorsReplayExactly() {
    return Stream.concat(
        VectorReplay.withOneAndTwoWorkers(CONSISTENT_HASH, "", (name, workers) -> replay("consistent_hash", name,
            workers)),
        VectorReplay.withOneAndTwoWorkers(VNSWRR, " (canonical start)", (name, workers) -> replay("vnswrr", name,
            workers)));
  }

  private void replay(String family, String name, int workers) throws Exception {
    JsonObject vector = VectorReplay.load("/conformance/tengine/" + family + "/" + name + ".json");
    Path wd = Files.createDirectories(temp.resolve(name + "-" + workers));
    List<VectorReplay.Result> got;
    System.setProperty(PIN, "0");
    try {
      got = VectorReplay.run(vector, workers, wd, freePort());
    } finally {
      System.clearProperty(PIN);
    }
    List<String> mismatches = VectorReplay.mismatches(vector, got);
    assertThat(mismatches).as(name + " (" + workers + " workers)").isEmpty();
    assertThat(got).hasSize(vector.getJsonArray("expect").size());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
