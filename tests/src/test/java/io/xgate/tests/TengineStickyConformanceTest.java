package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
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
 * The gateway reproduces Tengine 3.2.0's session_sticky request for request in every visible vector: the server,
 * the tried list, the status, every {@code Set-Cookie} byte for byte, and the {@code Cookie} header the backend
 * received (option=indirect and mode=prefix with and without {@code session_sticky_hide_cookie}), with one worker
 * event loop and with two. The round robin that places requests without a usable cookie starts at the first server,
 * the start the stored runs were chosen for, so the vectors hold exactly.
 */
class TengineStickyConformanceTest {

  private static final String[] VECTORS = {
      "sticky_insert_default", "sticky_insert_error_status", "sticky_insert_indirect_hide_cookie",
      "sticky_indirect_without_hide_cookie", "sticky_rewrite", "sticky_prefix_hide_cookie",
      "sticky_prefix_without_hide_cookie", "sticky_fallback_refused", "sticky_fallback_off_refused",
      "sticky_hash_plain_domain_path"};

  @TempDir
  Path temp;

  @TestFactory
  Stream<DynamicTest> stickyVectorsReplayExactly() {
    return VectorReplay.withOneAndTwoWorkers(VECTORS, "", this::replay);
  }

  private void replay(String name, int workers) throws Exception {
    String dir = "/conformance/tengine/session_sticky/";
    JsonObject vector = VectorReplay.load(dir + name + ".json");
    JsonArray backendCookies = VectorReplay.class.getResource(dir + name + ".backend_cookies.json") == null ? null
        : VectorReplay.load(dir + name + ".backend_cookies.json").getJsonArray("backend_saw_cookie");
    Path wd = Files.createDirectories(temp.resolve(name + "-" + workers));
    List<VectorReplay.Result> got = VectorReplay.run(vector, workers, wd, freePort());
    List<String> mismatches = VectorReplay.mismatches(vector, backendCookies, got);
    assertThat(mismatches).as(name + " (" + workers + " workers)").isEmpty();
    assertThat(got).hasSize(vector.getJsonArray("expect").size());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
