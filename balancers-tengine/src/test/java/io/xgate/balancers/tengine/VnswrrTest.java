package io.xgate.balancers.tengine;

import static org.assertj.core.api.Assertions.assertThat;

import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.RequestView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Tengine's vnswrr: the virtual-node tables, the lazy build, the start, and the walk. */
class VnswrrTest {

  private static PeerGroup group(int... weights) {
    List<Peer> peers = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      peers.add(new Peer("127.0.0.1:" + (19201 + i), "127.0.0.1", 19201 + i, weights[i], 1, 10, 0, false, false,
          Map.of()));
    }
    return new PeerGroup("u", peers, null);
  }

  /** The full table, as letters: peer 0 is a. */
  private static String table(VirtualNodeTable t) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < t.length(); i++) {
      t.pick(p -> true);   // a walk over every slot completes the lazy build
    }
    for (int i = 0; i < t.built(); i++) {
      sb.append((char) ('a' + t.slot(i)));
    }
    return sb.toString();
  }

  @Test
  void weights511MakeTheSmoothCycle() {
    assertThat(table(new VirtualNodeTable(group(5, 1, 1), 0, 0))).isEqualTo("aabacaa");
  }

  @Test
  void weights1To7MakeA28SlotCycle() {
    // the canonical_cycle of the recorded vnswrr_1_to_7 runs: 19217 is g, 19211 is a
    assertThat(table(new VirtualNodeTable(group(1, 2, 3, 4, 5, 6, 7), 0, 0)))
        .isEqualTo("gfedcgbfegdfacgefdgebfgcdefg");
  }

  @Test
  void theTableHasTotalOverGcdSlots() {
    VirtualNodeTable t = new VirtualNodeTable(group(2, 4, 6), 0, 0);
    assertThat(t.length()).isEqualTo(6);
    assertThat(table(t)).isEqualTo("cbacbc");
  }

  @Test
  void anUnweightedGroupIsItsServersInOrder() {
    VirtualNodeTable t = new VirtualNodeTable(group(1, 1, 1, 1), 0, 0);
    assertThat(t.length()).isEqualTo(4);
    assertThat(table(t)).isEqualTo("abcd");
  }

  @Test
  void theTableIsBuiltMaxInitSlotsAtATime() {
    VirtualNodeTable t = new VirtualNodeTable(group(1, 2, 3, 4, 5, 6, 7), 0, 0);
    assertThat(t.built()).as("max_init defaults to the number of servers").isEqualTo(7);
    t.pick(p -> true);
    assertThat(t.built()).as("and grows by max_init at every slot looked at").isEqualTo(14);
    t.pick(p -> true);
    t.pick(p -> true);
    assertThat(t.built()).isEqualTo(28);

    VirtualNodeTable small = new VirtualNodeTable(group(1, 2, 3, 4, 5, 6, 7), 2, 0);
    assertThat(small.built()).isEqualTo(2);
    small.pick(p -> true);
    assertThat(small.built()).isEqualTo(4);
    VirtualNodeTable big = new VirtualNodeTable(group(2, 4, 6), 100, 0);
    assertThat(big.built()).as("never past the table").isEqualTo(6);
  }

  @Test
  void theWalkStartsAtInitPlusOneAndMovesOneSlotPerPick() {
    for (int init = 0; init < 3; init++) {
      VirtualNodeTable t = new VirtualNodeTable(group(5, 1, 1), 0, init);
      StringBuilder seq = new StringBuilder();
      for (int i = 0; i < 14; i++) {
        seq.append((char) ('a' + t.pick(p -> true).index()));
      }
      String cycle = "aabacaa";
      String rotated = cycle.substring(init + 1) + cycle.substring(0, init + 1);
      assertThat(seq.toString()).as("init %d", init).isEqualTo(rotated + rotated);
    }
  }

  @Test
  void unusableSlotsAreSkippedAndTheWalkGoesOnFromTheSlotUsed() {
    VirtualNodeTable t = new VirtualNodeTable(group(5, 1, 1), 0, 0);
    table(t);
    // slots: a a b a c a a; the walk is at slot 0 after the full pass; b unusable
    StringBuilder seq = new StringBuilder();
    for (int i = 0; i < 7; i++) {
      seq.append((char) ('a' + t.pick(p -> p.index() != 1).index()));
    }
    assertThat(seq.toString()).isEqualTo("aacaaaa");
    assertThat(t.pick(p -> false)).isNull();
  }

  @AfterEach
  void unpin() {
    System.clearProperty(VnswrrProvider.INIT_PROPERTY);
  }

  @Test
  void theStartCanBePinnedForReplays() {
    System.setProperty(VnswrrProvider.INIT_PROPERTY, "0");
    TestChains.Chain chain = TestChains.build("""
        upstream u {
          vnswrr;
          server 127.0.0.1:19201 weight=5;
          server 127.0.0.1:19202 weight=1;
          server 127.0.0.1:19203 weight=1;
        }
        """, new TestChains.Clock(0));
    List<String> served = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      served.add(chain.request(RequestView.NONE, Set.of()).get(0).substring(13));
    }
    // the canonical start: the first request takes slot 1 of a a b a c a a
    assertThat(served).containsExactly("01", "02", "01", "03", "01", "01", "01");
  }

  @Test
  void aRefusedAttemptIsRetriedOnTheNextEligibleSlotAndSkippedAfterwards() {
    System.setProperty(VnswrrProvider.INIT_PROPERTY, "0");
    TestChains.Chain chain = TestChains.build("""
        upstream u {
          vnswrr;
          server 127.0.0.1:19241 weight=3;
          server 127.0.0.1:19242 weight=2;
          server 127.0.0.1:19243 weight=2;
          server 127.0.0.1:19244 weight=1;
        }
        """, new TestChains.Clock(0));
    Set<String> refusing = Set.of("127.0.0.1:19242");
    // cycle a b c a d b c a; the walk starts at slot 1 (b)
    assertThat(chain.request(RequestView.NONE, refusing)).containsExactly("127.0.0.1:19242", "127.0.0.1:19243");
    assertThat(chain.request(RequestView.NONE, refusing)).containsExactly("127.0.0.1:19241");
    assertThat(chain.request(RequestView.NONE, refusing)).containsExactly("127.0.0.1:19244");
    assertThat(chain.request(RequestView.NONE, refusing)).as("b's slot is skipped").containsExactly("127.0.0.1:19243");
    assertThat(chain.request(RequestView.NONE, refusing)).containsExactly("127.0.0.1:19241");
    assertThat(chain.request(RequestView.NONE, refusing)).containsExactly("127.0.0.1:19241");
  }

  @Test
  void maxInitIsParsedAndBadArgumentsAreErrors() {
    VnswrrProvider p = new VnswrrProvider();
    assertThat(p.parseConfig(new io.xgate.spi.Directive("vnswrr", List.of("max_init=3"), "f.conf", 3)).config())
        .isEqualTo(new VnswrrProvider.Config(3));
    assertThat(p.parseConfig(new io.xgate.spi.Directive("vnswrr", List.of("max_init=x"), "f.conf", 3)).error()
        .getMessage()).isEqualTo("invalid parameter \"max_init=x\" in f.conf:3");
    assertThat(p.parseConfig(new io.xgate.spi.Directive("vnswrr", List.of("a", "b"), "f.conf", 4)).error()
        .getMessage()).isEqualTo("invalid number of arguments in \"vnswrr\" directive in f.conf:4");
  }
}
