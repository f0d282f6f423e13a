package io.xgate.balancers.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.Selection;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * The O(1) cycle path must be invisible: the round-robin base is driven side by side with a literal transcription
 * of nginx's scan ({@code ngx_http_upstream_get_peer} and {@code free_round_robin_peer}) through random failures,
 * retries, max_conns and time, and must choose the same peer every time and end in the same state.
 */
class FastRoundRobinEquivalenceTest {

  /** nginx's scan and free, on its own copy of the peers. */
  static final class ReferenceRoundRobin {
    final List<Peer> peers;
    final FakeTime time;

    ReferenceRoundRobin(List<Peer> peers, FakeTime time) {
      this.peers = peers;
      this.time = time;
    }

    Peer get(BitSet tried) {
      long now = time.nowSeconds();
      Peer best = null;
      int total = 0;
      for (Peer p : peers) {
        if (tried.get(p.index()) || p.isDown() || p.isFailed(now) || p.isAtMaxConns()) {
          continue;
        }
        p.currentWeight(p.currentWeight() + p.effectiveWeight());
        total += p.effectiveWeight();
        if (p.effectiveWeight() < p.weight()) {
          p.effectiveWeight(p.effectiveWeight() + 1);
        }
        if (best == null || p.currentWeight() > best.currentWeight()) {
          best = p;
        }
      }
      if (best == null) {
        return null;
      }
      tried.set(best.index());
      best.currentWeight(best.currentWeight() - total);
      if (now - best.checked() > best.failTimeoutSeconds()) {
        best.checked(now);
      }
      best.conns(best.conns() + 1);
      return best;
    }

    void free(Peer p, Outcome outcome) {
      if (outcome == Outcome.FAILURE) {
        long now = time.nowSeconds();
        p.fails(p.fails() + 1);
        p.accessed(now);
        p.checked(now);
        if (p.maxFails() != 0) {
          p.effectiveWeight(Math.max(0, p.effectiveWeight() - p.weight() / p.maxFails()));
        }
      } else if (p.accessed() < p.checked()) {
        p.fails(0);
      }
      p.conns(p.conns() - 1);
    }
  }

  private static List<String> config(Random rnd, int n) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder s = new StringBuilder("10.0.0." + (i + 1) + ":80 weight=" + (1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 9)));
      if (rnd.nextInt(4) == 0) {
        s.append(" max_fails=").append(rnd.nextInt(4));
      }
      if (rnd.nextInt(8) == 0) {
        s.append(" max_conns=").append(1 + rnd.nextInt(2));
      }
      if (rnd.nextInt(10) == 0) {
        s.append(" down");
      }
      lines.add(s.toString());
    }
    return lines;
  }

  @RepeatedTest(30)
  void sameChoicesAsNginxScanThroughFailuresAndRecovery(org.junit.jupiter.api.RepetitionInfo info) {
    Random rnd = new Random(info.getCurrentRepetition() * 7919L);
    int n = 2 + rnd.nextInt(12);
    List<String> lines = config(rnd, n);
    FakeTime time = new FakeTime(1_700_000_000_000L);
    FakeTime refTime = new FakeTime(1_700_000_000_000L);
    StringBuilder block = new StringBuilder("upstream u {\n");
    List<Peer> refPeers = new ArrayList<>();
    for (String l : lines) {
      block.append("server ").append(l).append(";\n");
      refPeers.add(TestUpstreams.server(List.of(l.split(" "))));
    }
    new PeerGroup("u", refPeers, null);   // numbers the reference peers
    var chain = TestUpstreams.build(block.append("}").toString(), time);
    ReferenceRoundRobin ref = new ReferenceRoundRobin(refPeers, refTime);
    List<Selection> open = new ArrayList<>();
    List<Peer> openPeers = new ArrayList<>();
    List<Peer> openRef = new ArrayList<>();
    boolean sawFast = false;
    for (int step = 0; step < 4000; step++) {
      // mostly healthy traffic (so the cycle engages), with bursts of trouble
      boolean trouble = (step / 500) % 2 == 1;
      if (rnd.nextInt(50) == 0) {
        time.advanceSeconds(1 + rnd.nextInt(3));
        refTime.set(time.nowMillis());
      }
      Selection s = chain.balancer().select(TestRequest.get("/"));
      BitSet tried = new BitSet();
      while (true) {
        Peer got = s.next();
        Peer want = ref.get(tried);
        assertThat(got == null ? null : got.name()).as("step %d", step).isEqualTo(want == null ? null : want.name());
        if (got == null) {
          break;
        }
        if (trouble && rnd.nextInt(4) == 0) {
          Outcome o = rnd.nextBoolean() ? Outcome.FAILURE : Outcome.NEXT;
          s.report(got, o);
          ref.free(want, o);
          if (s.tries() > 0 && rnd.nextBoolean()) {
            continue;
          }
          break;
        }
        if (rnd.nextInt(6) == 0 && open.size() < 3) {
          open.add(s);
          openPeers.add(got);
          openRef.add(want);
        } else {
          s.report(got, Outcome.SUCCESS);
          ref.free(want, Outcome.SUCCESS);
        }
        break;
      }
      if (!open.isEmpty() && rnd.nextInt(3) == 0) {
        int i = rnd.nextInt(open.size());
        open.remove(i).report(openPeers.remove(i), Outcome.SUCCESS);
        ref.free(openRef.remove(i), Outcome.SUCCESS);
      }
      sawFast |= ((RoundRobinBalancer) chain.roundRobin()).weightsOf(chain.peers()).isFast();
    }
    ((RoundRobinBalancer) chain.roundRobin()).weightsOf(chain.peers()).external();
    for (int i = 0; i < n; i++) {
      Peer a = chain.peers().get(i);
      Peer b = refPeers.get(i);
      assertThat(new int[] {a.currentWeight(), a.effectiveWeight(), a.fails(), a.conns()})
          .as(a.name()).containsExactly(b.currentWeight(), b.effectiveWeight(), b.fails(), b.conns());
      assertThat(a.checked()).isEqualTo(b.checked());
    }
    assertThat(sawFast).as("the cycle path was used").isTrue();
  }

  @Test
  void cycleEngagesAfterOneCycleOfScansAndPicksInConstantTime() {
    FakeTime time = new FakeTime(1_700_000_000_000L);
    StringBuilder block = new StringBuilder("upstream u {\n");
    for (int i = 0; i < 2000; i++) {
      block.append("server 10.0.").append(i / 250).append('.').append(i % 250).append(":80 weight=")
          .append(1 + i % 3).append(";\n");
    }
    var chain = TestUpstreams.build(block.append("}").toString(), time);
    SmoothWeights weights = ((RoundRobinBalancer) chain.roundRobin()).weightsOf(chain.peers());
    int total = chain.peers().totalWeight();
    for (int i = 0; i < 2 * total + 1; i++) {
      Selection s = chain.balancer().select(TestRequest.get("/"));
      s.report(s.next(), Outcome.SUCCESS);
    }
    assertThat(weights.isFast()).isTrue();
    Selection s = chain.balancer().select(TestRequest.get("/"));
    s.report(s.next(), Outcome.FAILURE);
    assertThat(weights.fastReady()).as("a failure that lowers the effective weight leaves the cycle").isFalse();
  }
}
