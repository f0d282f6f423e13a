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
 * Passive health shared per peer address by the upstreams of one config ({@code shared_health on}, the default):
 * when an upstream accounts a failed attempt on {@code 10.0.0.7:80}, every other sharing upstream that lists
 * {@code 10.0.0.7:80} counts the same failure against its own {@code max_fails}/{@code fail_timeout}, so it stops
 * sending there too; a success clears them as nginx's trial pick does. Each upstream keeps its own limits, weights
 * and connection counts: only the outcomes travel.
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
