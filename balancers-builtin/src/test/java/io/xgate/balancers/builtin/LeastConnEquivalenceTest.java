package io.xgate.balancers.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.Selection;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The indexed least_conn must be invisible: it is driven side by side with the scan it replaced
 * ({@link ScanLeastConnBalancer}, on a round-robin base of its own built from the same config) through the same
 * random requests, overlapping in-flight counts, retries, successes, failures and NEXT reports, fail_timeout expiry
 * on a fake clock (which now and then goes back), max_conns, down and backup peers, health-check flags and plain
 * round-robin picks of the same group; after every step both must have chosen the same peers and every peer must
 * have the same current weight, effective weight, conns, fails, checked and accessed.
 */
class LeastConnEquivalenceTest {

  private static final int STEPS = 10_000;

  static Stream<Arguments> runs() {
    return IntStream.of(2, 3, 7, 100).boxed()
        .flatMap(n -> IntStream.rangeClosed(1, 6).mapToObj(seed -> Arguments.of(n, seed)));
  }

  @ParameterizedTest(name = "{0} peers, seed {1}")
  @MethodSource("runs")
  void sameChoicesAndStateAsNginxScan(int peers, int seed) {
    Twin twin = new Twin(new Random(peers * 1_000_003L + seed), peers);
    twin.run(STEPS);
    assertThat(twin.picks).as("picks made").isGreaterThan(STEPS / 5);
    assertThat(twin.ties).as("picks decided by the weighted tie-break").isGreaterThan(0);
    assertThat(twin.loneWinners).as("picks without a tie").isGreaterThan(0);
  }

  @Test
  void benchmarkShapeWithTwoThousandPeersStaysEquivalent() {
    // the benchmark's upstream: 2,000 peers of weights 1, 2, 3; sequential traffic with an occasional overlap
    Random rnd = new Random(42);
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      lines.append("server 10.0.").append(i / 250).append('.').append(i % 250).append(":80 weight=")
          .append(1 + i % 3).append(";\n");
    }
    Twin twin = new Twin(rnd, lines.toString());
    for (int step = 0; step < 3000; step++) {
      twin.targetInFlight = step % 500 < 400 ? 0 : 1 + rnd.nextInt(3);
      twin.step(step, false);
      if (step % 50 == 0) {
        twin.compareState(step);
      }
    }
    twin.compareState(3000);
    assertThat(twin.ties).isGreaterThan(1000);
  }

  /** A fast chain and a reference chain over equal peers, and the requests in flight on both. */
  static final class Twin {
    final Random rnd;
    final FakeTime time = new FakeTime(1_700_000_000_000L);
    final TestUpstreams.Chain fast;
    final TestUpstreams.Chain reference;
    final ScanLeastConnBalancer referenceBalancer;
    final List<InFlight> inFlight = new ArrayList<>();
    int targetInFlight;
    boolean trouble;
    int picks;
    int ties;
    int loneWinners;

    Twin(Random rnd, int peers) {
      this(rnd, config(rnd, peers));
    }

    Twin(Random rnd, String servers) {
      this.rnd = rnd;
      fast = TestUpstreams.build("upstream u {\nleast_conn;\n" + servers + "}", time);
      reference = TestUpstreams.build("upstream u {\n" + servers + "}", time);
      referenceBalancer = new ScanLeastConnBalancer(reference.roundRobin(), reference.peers());
      assertThat(fast.balancer()).isInstanceOf(LeastConnBalancer.class);
    }

    /** Server lines: weights of one of several shapes, max_fails, fail_timeout, max_conns, down, backup. */
    static String config(Random rnd, int n) {
      int shape = rnd.nextInt(4);
      StringBuilder s = new StringBuilder();
      int backups = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(3) : 0;
      for (int i = 0; i < n + backups; i++) {
        int weight = switch (shape) {
          case 0 -> 1;
          case 1 -> 1 + i % 3;
          case 2 -> 1 + rnd.nextInt(9);
          default -> 1 + rnd.nextInt(60);
        };
        s.append("server 10.0.").append(i / 200).append('.').append(i % 200 + 1).append(":80 weight=").append(weight);
        s.append(" max_fails=").append(rnd.nextInt(4));
        s.append(" fail_timeout=").append(1 + rnd.nextInt(5)).append('s');
        if (rnd.nextInt(6) == 0) {
          s.append(" max_conns=").append(1 + rnd.nextInt(3));
        }
        if (i >= 2 && rnd.nextInt(12) == 0) {
          s.append(" down");
        }
        if (i >= n) {
          s.append(" backup");
        }
        s.append(";\n");
      }
      return s.toString();
    }

    void run(int steps) {
      int n = fast.peers().size();
      for (int step = 0; step < steps; step++) {
        if (step % 300 == 0) {
          // phases of load: sequential, a few overlapping, about one per peer, more than the peers
          int[] targets = {0, 1, 1 + n / 2, n, 2 * n + 3};
          targetInFlight = targets[rnd.nextInt(targets.length)];
          trouble = rnd.nextInt(3) == 0;
        }
        step(step, true);
        compareState(step);
      }
      while (!inFlight.isEmpty()) {
        finish(inFlight.size() - 1, Outcome.SUCCESS, false, -1);
      }
      compareState(steps);
    }

    void step(int step, boolean disturb) {
      if (disturb) {
        int r = rnd.nextInt(1000);
        if (r < 25) {
          time.advanceSeconds(1 + rnd.nextInt(3));
        } else if (r < 27) {
          time.advanceSeconds(-1 - rnd.nextInt(2));   // a clock stepped back
        } else if (r < 31) {
          // an active health check holds a peer down, or lets it up
          int i = rnd.nextInt(fast.peers().size());
          boolean down = rnd.nextInt(3) > 0 && !fast.peers().get(i).healthDown();
          fast.peers().get(i).healthDown(down);
          reference.peers().get(i).healthDown(down);
        } else if (r < 33) {
          // a plain round-robin pick of the same group, as the single-peer rule or another decorator would make
          Selection f = fast.roundRobin().select(TestRequest.get("/"));
          Selection s = reference.roundRobin().select(TestRequest.get("/"));
          Peer a = f.next();
          Peer b = s.next();
          assertSame(step, a, b);
          if (a != null) {
            f.report(a, Outcome.SUCCESS);
            s.report(b, Outcome.SUCCESS);
          }
          return;
        }
      }
      boolean open = inFlight.size() < targetInFlight ? rnd.nextInt(4) > 0 : rnd.nextInt(4) == 0;
      if (open || inFlight.isEmpty()) {
        Selection f = fast.balancer().select(TestRequest.get("/"));
        Selection s = referenceBalancer.select(TestRequest.get("/"));
        InFlight request = new InFlight(f, s);
        if (request.next(step)) {
          inFlight.add(request);
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
      InFlight request = inFlight.get(i);
      request.fast.report(request.fastPeer, outcome);
      request.reference.report(request.referencePeer, outcome);
      assertThat(request.fast.tries()).isEqualTo(request.reference.tries());
      if (retry && request.fast.tries() > 0 && request.next(step)) {
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

      /** The next attempt on both; whether there is one. */
      boolean next(int step) {
        int tiedBefore = tiedCount();
        fastPeer = fast.next();
        referencePeer = reference.next();
        assertSame(step, fastPeer, referencePeer);
        if (fastPeer == null) {
          return false;
        }
        picks++;
        if (tiedBefore > 1) {
          ties++;
        } else {
          loneWinners++;
        }
        return true;
      }

      /** Usable peers of the primary group at the lowest ratio, tried set aside (statistics only). */
      private int tiedCount() {
        long now = time.nowSeconds();
        Peer best = null;
        int count = 0;
        for (Peer p : Twin.this.reference.peers().peers()) {
          if (p.isDown() || p.healthDown() || p.isFailed(now) || p.isAtMaxConns()) {
            continue;
          }
          long a = (long) p.conns() * (best == null ? 1 : best.weight());
          long b = best == null ? 0 : (long) best.conns() * p.weight();
          if (best == null || a < b) {
            best = p;
            count = 1;
          } else if (a == b) {
            count++;
          }
        }
        return count;
      }
    }

    private static void assertSame(int step, Peer fast, Peer reference) {
      assertThat(fast == null ? null : fast.name()).as("step %d", step)
          .isEqualTo(reference == null ? null : reference.name());
    }

    void compareState(int step) {
      ((LeastConnBalancer) fast.balancer()).writeBack();
      compareGroup(step, fast.peers(), reference.peers());
      if (fast.peers().backup() != null) {
        compareGroup(step, fast.peers().backup(), reference.peers().backup());
      }
    }

    private void compareGroup(int step, PeerGroup a, PeerGroup b) {
      // the round-robin cycle may hold current weights of either base
      ((RoundRobinBalancer) fast.roundRobin()).weightsOf(a).external();
      ((RoundRobinBalancer) reference.roundRobin()).weightsOf(b).external();
      for (int i = 0; i < a.size(); i++) {
        Peer x = a.get(i);
        Peer y = b.get(i);
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
