package io.xgate.gateway.upstream;

import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.SharedHealth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Health shared per peer address by the upstreams of one config ({@code shared_health on}, the default):
 * when an upstream accounts a failed attempt on {@code 10.0.0.7:80}, every other sharing upstream that lists
 * {@code 10.0.0.7:80} counts the same failure against its own {@code max_fails}/{@code fail_timeout}, so it stops
 * sending there too; a success clears them as nginx's trial pick does. Each upstream keeps its own limits, weights
 * and connection counts: only the outcomes travel. An active health check's verdict on the address
 * ({@link Peer#healthDown(boolean)}) is followed by every sharing upstream's peer of it
 * ({@link Peer#shareHealthWith}), whether that upstream checks it or not.
 *
 * <p>Built while the upstreams are, then read-only: {@link #accounted} may run on any event loop.
 */
final class AddressHealth implements SharedHealth {

  private record Member(RoundRobin base, Peer peer) {
  }

  private final Map<String, List<Member>> building = new HashMap<>();
  private Map<String, Member[]> byAddress = Map.of();

  /** Lists the peers of {@code base}'s primary and backup groups as sharing their addresses' health. */
  void join(RoundRobin base) {
    join(base, base.peers());
    if (base.peers().backup() != null) {
      join(base, base.peers().backup());
    }
  }

  private void join(RoundRobin base, PeerGroup group) {
    for (Peer p : group.peers()) {
      building.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(new Member(base, p));
    }
  }

  /** Ends the building: only addresses listed by more than one upstream are kept. */
  void seal() {
    Map<String, Member[]> shared = new HashMap<>();
    building.forEach((address, members) -> {
      if (members.stream().map(Member::base).distinct().count() > 1) {
        shared.put(address, members.toArray(new Member[0]));
      }
    });
    byAddress = Map.copyOf(shared);
    building.clear();
    // active checks: each peer of a shared address follows the health-check state of the others
    for (Member[] members : byAddress.values()) {
      boolean anyDown = false;
      for (Member m : members) {
        anyDown |= m.peer().healthDown();
      }
      for (Member m : members) {
        List<Peer> others = new ArrayList<>();
        for (Member o : members) {
          if (o != m) {
            others.add(o.peer());
          }
        }
        m.peer().shareHealthWith(others);
        if (anyDown) {
          m.peer().healthDown(true);   // a check already holds the address down (its state carried over a reload)
        }
      }
    }
  }

  @Override
  public void accounted(RoundRobin from, Peer peer, Outcome outcome) {
    Member[] members = byAddress.get(peer.name());
    if (members == null) {
      return;
    }
    for (Member m : members) {
      if (m.base() != from) {
        m.base().observed(m.peer(), outcome);
      }
    }
  }
}
