package io.xgate.balancers.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.xgate.spi.Balancer;
import io.xgate.spi.ComplexValue;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.Selection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.LongUnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * hash, hash consistent, ip_hash, random and random two, with their guide tables and their work moved out of the
 * lock, are driven side by side with the implementations they replaced ({@link ReferenceDecorators}: nginx's weight
 * walk and ring search) through the same random requests, overlapping in-flight counts, retries, successes,
 * failures and NEXT reports, fail_timeout on a fake clock, max_conns, down peers, health flags and server lines of
 * several addresses; random replays the same seeded draws on both sides. After every step both must have chosen
 * the same peers and every peer must have the same current weight, effective weight, conns, fails, checked and
 * accessed.
 */
class DecoratorEquivalenceTest {

  private static final int STEPS = 5000;
  private static final String[] ALGORITHMS = {"hash", "chash", "ip_hash", "random", "random_two"};

  static Stream<Arguments> runs() {
    return Stream.of(ALGORITHMS).flatMap(algorithm -> IntStream.of(2, 3, 7, 100).boxed()
        .flatMap(n -> IntStream.rangeClosed(1, 4).mapToObj(seed -> Arguments.of(algorithm, n, seed))));
  }

  @ParameterizedTest(name = "{0}, {1} peers, seed {2}")
  @MethodSource("runs")
  void sameChoicesAndStateAsBefore(String algorithm, int peers, int seed) {
    Random rnd = new Random(algorithm.hashCode() * 31L + peers * 1_000_003L + seed);
    Twin twin = new Twin(rnd, algorithm, peers);
    twin.run(STEPS);
    assertThat(twin.picks).as("picks made").isGreaterThan(STEPS / 10);
    assertThat(twin.distinct.size()).as("peers chosen").isGreaterThan(Math.min(peers, 2) - 1);
  }

  @Test
  void randomTwoDrawsTheSameValuesWhenARetryStartsAtTwentyMisses() {
    // peers 0, 1, 2 of weight 1: draws are peer indexes. The first pick draws peer 0, then peer 0 again 19 times
    // (a repeat is a miss), then peer 1: taken with 20 misses. Its retry may draw once more before the 21st miss
    // sends it to round robin: a second draw made ahead of the lock would be one the old loop never made.
    long[] script = new long[40];
    script[20] = 1;
    for (int i = 21; i < script.length; i++) {
      script[i] = 2;
    }
    List<Object[]> lines = Twin.servers(new Random(1), 0);
    for (int i = 0; i < 3; i++) {
      lines.add(new Object[] {"10.0.0." + (i + 1), 80, "10.0.0." + (i + 1) + ":80", 1, 1, 10L, 0, false});
    }
    int[] used = new int[2];
    FakeTime time = new FakeTime(1_700_000_000_000L);
    List<Peer> chosen = new ArrayList<>();
    for (int side = 0; side < 2; side++) {
      PeerGroup group = Twin.group(lines);
      RoundRobin rr = TestUpstreams.chain("u", group, List.of(), time).roundRobin();
      int s = side;
      LongUnaryOperator draws = bound -> script[used[s]++];
      Balancer b = side == 0 ? new RandomBalancer(rr, group, true, draws)
          : new ReferenceDecorators.Random(rr, group, true, draws);
      Selection selection = b.select(TestRequest.get("/"));
      Peer first = selection.next();
      selection.report(first, Outcome.FAILURE);
      Peer second = selection.next();
      chosen.add(first);
      chosen.add(second);
    }
    assertThat(chosen.get(0).name()).isEqualTo("10.0.0.2:80");
    assertThat(chosen.get(2).name()).isEqualTo(chosen.get(0).name());
    assertThat(chosen.get(3).name()).isEqualTo(chosen.get(1).name());
    assertThat(used[0]).as("draws made").isEqualTo(used[1]).isEqualTo(22);
  }

  /** One algorithm over equal peers, fast and reference, and the requests in flight on both. */
  static final class Twin {
    final Random rnd;
    final FakeTime time = new FakeTime(1_700_000_000_000L);
    final PeerGroup fastPeers;
    final PeerGroup referencePeers;
    final RoundRobin fastRoundRobin;
    final RoundRobin referenceRoundRobin;
    final Balancer fast;
    final Balancer reference;
    final List<InFlight> inFlight = new ArrayList<>();
    final Set<String> distinct = new HashSet<>();
    int targetInFlight;
    boolean trouble;
    int picks;

    Twin(Random rnd, String algorithm, int n) {
      this.rnd = rnd;
      List<Object[]> lines = servers(rnd, n);
      fastPeers = group(lines);
      referencePeers = group(lines);
      fastRoundRobin = TestUpstreams.chain("u", fastPeers, List.of(), time).roundRobin();
      referenceRoundRobin = TestUpstreams.chain("u", referencePeers, List.of(), time).roundRobin();
      long seed = rnd.nextLong();
      switch (algorithm) {
        case "hash", "chash" -> {
          boolean consistent = algorithm.equals("chash");
          fast = new HashBalancer(fastRoundRobin, fastPeers, ComplexValue.parse("$arg_k"), consistent);
          reference = new ReferenceDecorators.Hash(referenceRoundRobin, referencePeers,
              ComplexValue.parse("$arg_k"), consistent);
        }
        case "ip_hash" -> {
          fast = new IpHashBalancer(fastRoundRobin, fastPeers);
          reference = new ReferenceDecorators.IpHash(referenceRoundRobin, referencePeers);
        }
        default -> {
          boolean two = algorithm.equals("random_two");
          fast = new RandomBalancer(fastRoundRobin, fastPeers, two, draws(seed));
          reference = new ReferenceDecorators.Random(referenceRoundRobin, referencePeers, two, draws(seed));
        }
      }
    }

    private static LongUnaryOperator draws(long seed) {
      Random r = new Random(seed);
      return bound -> r.nextLong(bound);
    }

    /**
     * Server lines: {host, port, server text, weight, max_fails, fail_timeout, max_conns, down}. Now and then a
     * line resolves to several addresses, which share its text and parameters (and its ring points).
     */
    static List<Object[]> servers(Random rnd, int n) {
      int shape = rnd.nextInt(3);
      List<Object[]> lines = new ArrayList<>();
      while (lines.size() < n) {
        int line = lines.size();
        int weight = switch (shape) {
          case 0 -> 1;
          case 1 -> 1 + line % 3;
          default -> 1 + rnd.nextInt(9);
        };
        int maxFails = rnd.nextInt(4);
        long failTimeout = 1 + rnd.nextInt(5);
        int maxConns = rnd.nextInt(6) == 0 ? 1 + rnd.nextInt(3) : 0;
        boolean down = line >= 2 && rnd.nextInt(12) == 0;
        int addresses = rnd.nextInt(5) == 0 ? 2 + rnd.nextInt(3) : 1;
        String server = addresses > 1 ? "backend" + line + ".example:80" : null;
        for (int a = 0; a < addresses && lines.size() < n; a++) {
          int i = lines.size();
          String host = "10.0." + (i / 200) + "." + (i % 200 + 1);
          lines.add(new Object[] {host, 80, server != null ? server : host + ":80", weight, maxFails, failTimeout,
              maxConns, down});
        }
      }
      return lines;
    }

    static PeerGroup group(List<Object[]> lines) {
      List<Peer> peers = new ArrayList<>();
      for (Object[] l : lines) {
        peers.add(new Peer((String) l[2], (String) l[0], (int) l[1], (int) l[3], (int) l[4], (long) l[5],
            (int) l[6], false, (boolean) l[7], Map.of()));
      }
      return new PeerGroup("u", peers, null);
    }

    void run(int steps) {
      int n = fastPeers.size();
      for (int step = 0; step < steps; step++) {
        if (step % 250 == 0) {
          int[] targets = {0, 1, 1 + n / 2, n, 2 * n + 3};
          targetInFlight = targets[rnd.nextInt(targets.length)];
          trouble = rnd.nextInt(3) == 0;
        }
        step(step);
        compareState(step);
      }
      while (!inFlight.isEmpty()) {
        finish(inFlight.size() - 1, Outcome.SUCCESS, false, -1);
      }
      compareState(steps);
    }

    private TestRequest request() {
      int k = rnd.nextInt(60);
      String uri = k < 5 ? "/" : "/item?k=" + k;   // no k: an empty key, which uses round robin
      String ip = switch (rnd.nextInt(6)) {
        case 0 -> "2001:db8::" + Integer.toHexString(k);
        case 1 -> "unix:";
        default -> "192.168." + k + "." + rnd.nextInt(4);
      };
      return new TestRequest("GET", uri, ip, Map.of());
    }

    void step(int step) {
      int r = rnd.nextInt(1000);
      if (r < 25) {
        time.advanceSeconds(1 + rnd.nextInt(3));
        return;
      }
      if (r < 29) {
        int i = rnd.nextInt(fastPeers.size());
        boolean down = !fastPeers.get(i).healthDown();
        fastPeers.get(i).healthDown(down);
        referencePeers.get(i).healthDown(down);
        return;
      }
      boolean open = inFlight.size() < targetInFlight ? rnd.nextInt(4) > 0 : rnd.nextInt(4) == 0;
      if (open || inFlight.isEmpty()) {
        TestRequest request = request();
        InFlight attempt = new InFlight(fast.select(request), reference.select(request));
        if (attempt.next(step)) {
          inFlight.add(attempt);
        }
        return;
      }
      int i = rnd.nextInt(inFlight.size());
      Outcome outcome = Outcome.SUCCESS;
      if (trouble && rnd.nextInt(3) == 0) {
        outcome = rnd.nextInt(4) == 0 ? Outcome.NEXT : Outcome.FAILURE;
      }
      finish(i, outcome, outcome != Outcome.SUCCESS && rnd.nextInt(3) > 0, step);
    }

    private void finish(int i, Outcome outcome, boolean retry, int step) {
      InFlight attempt = inFlight.get(i);
      attempt.fast.report(attempt.fastPeer, outcome);
      attempt.reference.report(attempt.referencePeer, outcome);
      assertThat(attempt.fast.tries()).isEqualTo(attempt.reference.tries());
      if (retry && attempt.fast.tries() > 0 && attempt.next(step)) {
        return;
      }
      inFlight.remove(i);
    }

    private final class InFlight {
      final Selection fast;
      final Selection reference;
      Peer fastPeer;
      Peer referencePeer;

      InFlight(Selection fast, Selection reference) {
        this.fast = fast;
        this.reference = reference;
      }

      boolean next(int step) {
        fastPeer = fast.next();
        referencePeer = reference.next();
        assertThat(fastPeer == null ? null : fastPeer.name()).as("step %d", step)
            .isEqualTo(referencePeer == null ? null : referencePeer.name());
        if (fastPeer == null) {
          return false;
        }
        picks++;
        distinct.add(fastPeer.name());
        return true;
      }
    }

    void compareState(int step) {
      ((RoundRobinBalancer) fastRoundRobin).weightsOf(fastPeers).external();
      ((RoundRobinBalancer) referenceRoundRobin).weightsOf(referencePeers).external();
      for (int i = 0; i < fastPeers.size(); i++) {
        Peer x = fastPeers.get(i);
        Peer y = referencePeers.get(i);
        if (x.currentWeight() != y.currentWeight() || x.effectiveWeight() != y.effectiveWeight()
            || x.conns() != y.conns() || x.fails() != y.fails() || x.checked() != y.checked()
            || x.accessed() != y.accessed()) {
          assertThat(new long[] {x.currentWeight(), x.effectiveWeight(), x.conns(), x.fails(), x.checked(),
              x.accessed()})
              .as("step %d peer %s (current, effective, conns, fails, checked, accessed)", step, x.name())
              .containsExactly(y.currentWeight(), y.effectiveWeight(), y.conns(), y.fails(), y.checked(),
                  y.accessed());
        }
      }
    }
  }
}
