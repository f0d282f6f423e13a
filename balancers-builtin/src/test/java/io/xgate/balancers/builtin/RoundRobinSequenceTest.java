package io.xgate.balancers.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.Selection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** nginx's smooth weighted round robin, pinned as exact sequences (the test is the specification). */
class RoundRobinSequenceTest {

  private final FakeTime time = new FakeTime(1_700_000_000_000L);

  private TestUpstreams.Chain upstream(String... servers) {
    StringBuilder b = new StringBuilder("upstream u {\n");
    for (String s : servers) {
      b.append("  server ").append(s).append(";\n");
    }
    return TestUpstreams.build(b.append("}\n").toString(), time);
  }

  /** One request each, answered successfully; the last port digit names the peer. */
  private static String picks(TestUpstreams.Chain chain, int n) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < n; i++) {
      Selection s = chain.balancer().select(TestRequest.get("/"));
      Peer p = s.next();
      out.append(p == null ? "-" : p.name().substring(p.name().length() - 1));
      if (p != null) {
        s.report(p, Outcome.SUCCESS);
      }
    }
    return out.toString();
  }

  /** Sends requests (answered successfully) until one's first pick is {@code peer}; returns that open selection. */
  private static Selection firstRequestTo(TestUpstreams.Chain chain, Peer peer) {
    for (int i = 0; i < 100; i++) {
      Selection s = chain.balancer().select(TestRequest.get("/"));
      Peer p = s.next();
      if (p == peer) {
        return s;
      }
      s.report(p, Outcome.SUCCESS);
    }
    throw new AssertionError(peer + " was never picked first");
  }

  @Test
  void weights511() {
    var u = upstream("10.0.0.1:1 weight=5", "10.0.0.1:2", "10.0.0.1:3");
    assertThat(picks(u, 14)).isEqualTo("1121311" + "1121311");
  }

  @Test
  void weights1To7() {
    var u = upstream("10.0.0.1:1", "10.0.0.1:2 weight=2", "10.0.0.1:3 weight=3", "10.0.0.1:4 weight=4",
        "10.0.0.1:5 weight=5", "10.0.0.1:6 weight=6", "10.0.0.1:7 weight=7");
    String cycle = picks(u, 28);
    assertThat(cycle).isEqualTo("7654372657461375647526734567");
    assertThat(picks(u, 28)).as("the next 28 repeat the cycle").isEqualTo(cycle);
  }

  @Test
  void equalWeightsRotateInConfigOrder() {
    var u = upstream("10.0.0.1:1", "10.0.0.1:2", "10.0.0.1:3", "10.0.0.1:4");
    assertThat(picks(u, 9)).isEqualTo("123412341");
  }

  @Test
  void downPeerNeverChosenAndBackupUnusedWhilePrimariesLive() {
    var u = upstream("10.0.0.1:1 weight=3", "10.0.0.1:2 weight=2 down", "10.0.0.1:3",
        "10.0.0.1:4 weight=2 backup", "10.0.0.1:5 backup");
    assertThat(picks(u, 8)).isEqualTo("11311131");
  }

  @Test
  void failedPrimariesFallOverToBackupsWithTheirOwnRoundRobin() {
    var u = upstream("10.0.0.1:1", "10.0.0.1:2", "10.0.0.1:4 weight=2 backup", "10.0.0.1:5 backup");
    Selection s = u.balancer().select(TestRequest.get("/"));
    List<String> tried = new ArrayList<>();
    Peer p;
    while ((p = s.next()) != null && !p.isBackup()) {
      tried.add(p.name());
      s.report(p, Outcome.FAILURE);
    }
    assertThat(tried).containsExactly("10.0.0.1:1", "10.0.0.1:2");
    assertThat(p.name()).isEqualTo("10.0.0.1:4");
    s.report(p, Outcome.SUCCESS);
    // backup current weights after the failover pick: 4 = -1, 5 = 1
    assertThat(picks(u, 6)).as("primaries disabled for fail_timeout: backups 2:1").isEqualTo("544544");
  }

  @Test
  void maxFailsDisablesForFailTimeoutThenOneProbeRestoresIt() {
    var u = upstream("10.0.0.1:1", "10.0.0.1:2 max_fails=2 fail_timeout=2s", "10.0.0.1:3");
    Peer two = u.peer("10.0.0.1:2");
    for (int i = 0; i < 10 && two.fails() < 2; i++) {
      Selection s = u.balancer().select(TestRequest.get("/"));
      Peer p = s.next();
      while (p == two) {
        s.report(p, Outcome.FAILURE);
        p = s.next();
      }
      s.report(p, Outcome.SUCCESS);
    }
    assertThat(two.fails()).isEqualTo(2);
    assertThat(picks(u, 6)).as("disabled within fail_timeout").doesNotContain("2");
    time.advanceSeconds(3);
    Selection s = firstRequestTo(u, two);
    s.report(two, Outcome.SUCCESS);
    assertThat(two.fails()).as("a success after the window clears the failures").isZero();
  }

  @Test
  void aFailureObservedFromAnotherUpstreamCountsAsOneMadeHere() {
    var u = upstream("10.0.0.1:1", "10.0.0.1:2 weight=2 max_fails=1 fail_timeout=5s", "10.0.0.1:3");
    Peer two = u.peer("10.0.0.1:2");
    u.roundRobin().observed(two, Outcome.FAILURE);
    assertThat(two.fails()).isEqualTo(1);
    assertThat(two.conns()).as("no attempt was made here").isZero();
    assertThat(two.effectiveWeight()).as("lowered by weight / max_fails, as a local failure").isZero();
    assertThat(picks(u, 8)).as("disabled within fail_timeout").doesNotContain("2");
    time.advanceSeconds(6);
    assertThat(picks(u, 8)).as("usable again once fail_timeout has passed").contains("2");
  }

  @Test
  void aSuccessObservedAfterATrialPickClearsTheFailures() {
    var u = upstream("10.0.0.1:1", "10.0.0.1:2 max_fails=1 fail_timeout=2s");
    Peer two = u.peer("10.0.0.1:2");
    u.roundRobin().observed(two, Outcome.FAILURE);
    u.roundRobin().observed(two, Outcome.SUCCESS);
    assertThat(two.fails()).as("no trial pick since the failure: nginx keeps the count").isEqualTo(1);
    time.advanceSeconds(3);
    Selection s = firstRequestTo(u, two);
    u.roundRobin().observed(two, Outcome.SUCCESS);
    assertThat(two.fails()).as("the address worked after the window").isZero();
    s.report(two, Outcome.SUCCESS);
  }

  @Test
  void anOutcomeObservedForAOnePeerUpstreamIsIgnoredAsNginxIgnoresMaxFailsThere() {
    var u = upstream("10.0.0.1:1 max_fails=1");
    Peer one = u.peer("10.0.0.1:1");
    u.roundRobin().observed(one, Outcome.FAILURE);
    assertThat(one.fails()).isZero();
    assertThat(picks(u, 2)).isEqualTo("11");
  }

  @Test
  void failureLowersEffectiveWeightByWeightOverMaxFailsAndEachScanRestoresOne() {
    var u = upstream("10.0.0.1:1 weight=2", "10.0.0.1:2 weight=3 max_fails=2 fail_timeout=2s", "10.0.0.1:3");
    Peer two = u.peer("10.0.0.1:2");
    Selection s = u.balancer().select(TestRequest.get("/"));
    assertThat(s.next()).isSameAs(two);
    s.report(two, Outcome.FAILURE);
    assertThat(two.effectiveWeight()).isEqualTo(2);   // 3 - 3/2
    Peer next = s.next();
    assertThat(next.name()).isEqualTo("10.0.0.1:1");
    assertThat(two.effectiveWeight()).as("tried peers are not scanned").isEqualTo(2);
    s.report(next, Outcome.SUCCESS);
    picks(u, 1);
    assertThat(two.effectiveWeight()).isEqualTo(3);
  }

  @Test
  void singlePeerIgnoresMaxFailsAndIsNeverRetried() {
    var u = upstream("10.0.0.1:1 max_fails=1 fail_timeout=30s");
    for (int i = 0; i < 3; i++) {
      Selection s = u.balancer().select(TestRequest.get("/"));
      Peer p = s.next();
      assertThat(p).isNotNull();
      assertThat(s.tries()).isEqualTo(1);
      s.report(p, Outcome.FAILURE);
      assertThat(s.tries()).isZero();
    }
    assertThat(u.peer("10.0.0.1:1").fails()).as("a single group keeps no failure count").isZero();
  }

  @Test
  void onePrimaryWithBackupIsNotSingle() {
    var u = upstream("10.0.0.1:1", "10.0.0.1:2 backup");
    Selection s = u.balancer().select(TestRequest.get("/"));
    Peer p = s.next();
    s.report(p, Outcome.FAILURE);
    assertThat(s.tries()).isEqualTo(1);
    assertThat(s.next().name()).isEqualTo("10.0.0.1:2");
    assertThat(u.peer("10.0.0.1:1").fails()).isEqualTo(1);
  }

  @Test
  void maxConnsSkipsABusyPeer() {
    var u = upstream("10.0.0.1:1 max_conns=1", "10.0.0.1:2");
    Selection held = u.balancer().select(TestRequest.get("/"));
    assertThat(held.next().name()).isEqualTo("10.0.0.1:1");
    assertThat(picks(u, 3)).isEqualTo("222");
    held.report(u.peer("10.0.0.1:1"), Outcome.SUCCESS);
    // while 1 was busy only 2 was scanned: current weights 1 = -1, 2 = 1, so 2 comes first
    assertThat(picks(u, 2)).isEqualTo("21");
  }

  @Test
  void noLivePeerGivesNull() {
    var u = upstream("10.0.0.1:1", "10.0.0.1:2");
    Selection s = u.balancer().select(TestRequest.get("/"));
    s.report(s.next(), Outcome.FAILURE);
    s.report(s.next(), Outcome.FAILURE);
    assertThat(s.tries()).isZero();
    assertThat(u.balancer().select(TestRequest.get("/")).next()).isNull();
  }
}
