package io.xgate.balancers.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.Selection;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays the golden vectors recorded from nginx 1.22.1 (test resources {@code conformance/nginx/}) against the
 * balancer chain directly: backends, retries ({@code proxy_next_upstream}, {@code proxy_next_upstream_tries}) and
 * overlapping requests are simulated, time comes from the vectors' {@code at_ms}. Every deterministic vector must
 * give nginx's {@code served_by}, {@code tried} and {@code status} for every request; {@code random*} vectors must
 * give counts within their stated tolerance.
 */
class NginxVectorReplayTest {

  /** t = 0 of a vector, on a whole second as nginx's clock would have it at worst. */
  private static final long EPOCH_MS = 1_700_000_000_000L;

  static Stream<String> vectors() throws URISyntaxException {
    File dir = new File(NginxVectorReplayTest.class.getResource("/conformance/nginx").toURI());
    String[] names = dir.list((d, n) -> n.endsWith(".json"));
    Arrays.sort(names);
    assertThat(names).hasSizeGreaterThanOrEqualTo(29);
    return Arrays.stream(names);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void replaysLikeNginx(String file) throws Exception {
    JsonObject vector = load(file);
    Replay replay = new Replay(vector);
    JsonArray requests = vector.getJsonArray("requests");
    List<Result> results = replay.run();
    if (vector.containsKey("expect")) {
      JsonArray expect = vector.getJsonArray("expect");
      assertThat(results).hasSize(expect.size());
      for (int i = 0; i < expect.size(); i++) {
        JsonObject e = expect.getJsonObject(i);
        Result got = results.get(i);
        Result want = new Result(e.getString("served_by"), e.getJsonArray("tried").getList(), e.getInteger("status"));
        assertThat(got).as("%s request %d %s", file, i, requests.getJsonObject(i).getString("uri")).isEqualTo(want);
      }
    } else {
      JsonObject dist = vector.getJsonObject("expect_distribution");
      int n = dist.getInteger("requests");
      assertThat(results).hasSize(n);
      Map<String, Integer> counts = new HashMap<>();
      for (Result r : results) {
        assertThat(r.status()).isEqualTo(200);
        counts.merge(r.servedBy(), 1, Integer::sum);
      }
      double sigmas = dist.getDouble("tolerance_sigmas");
      JsonObject shares = dist.getJsonObject("expected_share");
      for (String backend : shares.fieldNames()) {
        double p = shares.getDouble(backend);
        double mean = n * p;
        double sd = Math.sqrt(n * p * (1 - p));
        assertThat((double) counts.getOrDefault(backend, 0)).as("%s count of %s", file, backend)
            .isBetween(mean - sigmas * sd, mean + sigmas * sd);
      }
    }
  }

  static JsonObject load(String file) throws IOException, URISyntaxException {
    File f = new File(NginxVectorReplayTest.class.getResource("/conformance/nginx/" + file).toURI());
    return new JsonObject(Files.readString(f.toPath()));
  }

  /** What the client saw. */
  record Result(String servedBy, List<Object> tried, int status) {
  }

  /** One vector's run: the chain, the simulated backends and the request schedule. */
  static final class Replay {
    private final JsonObject vector;
    private final FakeTime time = new FakeTime(EPOCH_MS);
    private final TestUpstreams.Chain chain;
    private final Set<String> nextUpstream = new HashSet<>(List.of("error", "timeout"));
    private int triesLimit;
    private final PriorityQueue<Completion> inFlight = new PriorityQueue<>();
    private long sequence;

    Replay(JsonObject vector) {
      this.vector = vector;
      this.chain = TestUpstreams.build(vector.getString("upstream"), time);
      for (Object o : vector.getJsonArray("location_directives")) {
        String d = ((String) o).replace(";", "").trim();
        String[] words = d.split("\\s+");
        if (words[0].equals("proxy_next_upstream")) {
          nextUpstream.clear();
          nextUpstream.addAll(Arrays.asList(words).subList(1, words.length));
        } else if (words[0].equals("proxy_next_upstream_tries")) {
          triesLimit = Integer.parseInt(words[1]);
        } else {
          throw new IllegalArgumentException("unsupported location directive " + d);
        }
      }
    }

    List<Result> run() {
      JsonObject backends = vector.getJsonObject("backends");
      List<Result> results = new ArrayList<>();
      long clock = 0;
      for (Object o : vector.getJsonArray("requests")) {
        JsonObject r = (JsonObject) o;
        long start = r.containsKey("at_ms") ? r.getLong("at_ms") : clock;
        completeUntil(start);
        time.set(EPOCH_MS + start);
        Map<String, String> headers = new HashMap<>();
        r.getJsonObject("headers", new JsonObject()).forEach(e -> headers.put(e.getKey(), (String) e.getValue()));
        TestRequest request = new TestRequest(r.getString("method"), r.getString("uri"), r.getString("client_ip"),
            headers);
        Attempts a = serve(request, backends);
        results.add(a.result);
        clock = start + a.duration;
        if (a.pending != null) {
          inFlight.add(new Completion(start + a.duration, sequence++, a.selection, a.pending));
        }
      }
      completeUntil(Long.MAX_VALUE);
      return results;
    }

    private void completeUntil(long t) {
      while (!inFlight.isEmpty() && inFlight.peek().at <= t) {
        Completion c = inFlight.poll();
        time.set(EPOCH_MS + c.at);
        c.selection.report(c.peer, Outcome.SUCCESS);
      }
    }

    private static final class Attempts {
      Result result;
      long duration;
      Selection selection;
      Peer pending;
    }

    /** nginx's upstream attempt loop, as ngx_http_upstream_next and ngx_http_upstream_test_next decide it. */
    private Attempts serve(TestRequest request, JsonObject backends) {
      Attempts a = new Attempts();
      Selection selection = chain.balancer().select(request);
      a.selection = selection;
      List<Object> tried = new ArrayList<>();
      int reported = 0;
      while (true) {
        Peer peer = selection.next();
        if (peer == null) {
          tried.add(chain.peers().name());
          a.result = new Result(null, tried, 502);
          return a;
        }
        tried.add(peer.name());
        String kind = backends.getString(peer.name(), "refused");
        if (kind.equals("refused")) {
          selection.report(peer, Outcome.FAILURE);
          reported++;
          if (nextUpstream.contains("error") && tries(selection, reported) > 0) {
            continue;
          }
          a.result = new Result(null, tried, 502);
          return a;
        }
        if (kind.startsWith("status:")) {
          int status = Integer.parseInt(kind.substring(7));
          boolean listed = nextUpstream.contains("http_" + status);
          boolean sentNonIdempotent = request.variable("request_method").equals("POST");
          if (listed && !sentNonIdempotent && tries(selection, reported) > 1) {
            selection.report(peer, status == 403 || status == 404 ? Outcome.NEXT : Outcome.FAILURE);
            reported++;
            continue;
          }
          selection.report(peer, Outcome.SUCCESS);
          a.result = new Result(peer.name(), tried, status);
          return a;
        }
        long delay = kind.startsWith("delay_ms:") ? Long.parseLong(kind.substring(9)) : 0;
        String q = TestRequest.arg(request.variable("args"), "delay_ms");
        if (q != null) {
          delay += Long.parseLong(q);
        }
        a.result = new Result(peer.name(), tried, 200);
        a.duration = delay;
        if (delay == 0) {
          selection.report(peer, Outcome.SUCCESS);
        } else {
          a.pending = peer;
        }
        return a;
      }
    }

    /** nginx's pc->tries after {@code reported} attempts, clamped by proxy_next_upstream_tries. */
    private int tries(Selection selection, int reported) {
      return triesLimit > 0 ? Math.min(selection.tries(), triesLimit - reported) : selection.tries();
    }
  }

  private record Completion(long at, long seq, Selection selection, Peer peer) implements Comparable<Completion> {
    @Override
    public int compareTo(Completion o) {
      return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
    }
  }
}
