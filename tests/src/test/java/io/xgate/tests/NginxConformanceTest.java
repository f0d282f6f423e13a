package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway reproduces nginx 1.22.1's peer choices, tried lists and statuses request for request, for every
 * recorded deterministic vector (round robin, passive failures, next upstream, hash, hash consistent, ip_hash,
 * least_conn), with one worker event loop and with two (the
 * balancer is shared, so sequential requests see nginx's sequence either way); and the random ones' distributions
 * within the tolerance each vector states.
 */
class NginxConformanceTest {

  private static final String[] VECTORS = {
      "rr_all_refused_no_live", "rr_down_backup", "rr_equal_weights", "rr_no_live_after_failures",
      "rr_primaries_refused_backup", "rr_single_server_refused", "rr_weighted_5_1_1", "rr_weights_1_to_7",
      "passive_fail_equal", "passive_fail_weighted",
      "next_upstream_503_tries2", "next_upstream_503_tries2_chain", "next_upstream_off",
      "next_upstream_post_non_idempotent",
      "hash_uri", "hash_uri_rehash_down_refused", "hash_uri_rr_fallback",
      "chash_composite_key", "chash_rr_fallback", "chash_uri", "chash_uri_remap", "chash_walk_down_refused",
      "ip_hash", "ip_hash_rehash_down_refused",
      "least_conn_sequential", "least_conn_concurrent", "least_conn_slow_backend"};

  @TempDir
  Path temp;

  @TestFactory
  Stream<DynamicTest> vectorsReplayExactly() {
    return VectorReplay.withOneAndTwoWorkers(VECTORS, "", this::replay);
  }

  private void replay(String name, int workers) throws Exception {
    JsonObject vector = VectorReplay.load("/conformance/nginx/" + name + ".json");
    Path wd = Files.createDirectories(temp.resolve(name + "-" + workers));
    List<VectorReplay.Result> got = VectorReplay.run(vector, workers, wd, freePort());
    List<String> mismatches = VectorReplay.mismatches(vector, got);
    assertThat(mismatches).as(name + " (" + workers + " workers)").isEmpty();
    assertThat(got).hasSize(vector.getJsonArray("expect").size());
  }

  private static final String[] DISTRIBUTIONS = {"random_distribution", "random_two_distribution"};

  @TestFactory
  Stream<DynamicTest> randomDistributionsMatchNginxsWithinTheirTolerance() {
    return VectorReplay.withOneAndTwoWorkers(DISTRIBUTIONS, "", this::replayDistribution);
  }

  /**
   * Each peer's count is within {@code tolerance_sigmas} binomial standard deviations of
   * {@code requests * expected_share}, the share nginx's rule gives (for {@code random two}, skewed by its tie rule).
   */
  private void replayDistribution(String name, int workers) throws Exception {
    JsonObject vector = VectorReplay.load("/conformance/nginx/" + name + ".json");
    JsonObject dist = vector.getJsonObject("expect_distribution");
    Path wd = Files.createDirectories(temp.resolve(name + "-" + workers));
    List<VectorReplay.Result> got = VectorReplay.run(vector, workers, wd, freePort());
    Map<String, Integer> counts = new TreeMap<>();
    for (VectorReplay.Result r : got) {
      assertThat(r.status()).as(name + ": " + r).isEqualTo(200);
      counts.merge(r.servedBy(), 1, Integer::sum);
    }
    JsonObject shares = dist.getJsonObject("expected_share");
    assertThat(counts.keySet()).as(name + " peers").isSubsetOf(shares.fieldNames());
    int n = got.size();
    double sigmas = dist.getDouble("tolerance_sigmas", 5.0);
    for (String addr : shares.fieldNames()) {
      double p = shares.getDouble(addr);
      double mean = n * p;
      double sd = Math.sqrt(n * p * (1 - p));
      assertThat((double) counts.getOrDefault(addr, 0)).as(name + " (" + workers + " workers) " + addr + " of " + counts)
          .isBetween(mean - sigmas * sd, mean + sigmas * sd);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
