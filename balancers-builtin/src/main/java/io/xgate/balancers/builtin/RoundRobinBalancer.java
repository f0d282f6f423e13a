package io.xgate.balancers.builtin;

import io.xgate.spi.PeerGroup;
import io.xgate.spi.PeerSelection;
import io.xgate.spi.RequestView;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.TimeSource;

/**
 * nginx 1.22's weighted round robin ({@code ngx_http_upstream_round_robin.c}): the root of every balancer chain.
 * Smooth weighted selection over the primary peers, failover to the backup peers when no primary is usable,
 * {@code max_fails}/{@code fail_timeout} accounting with effective-weight decay and recovery, {@code max_conns},
 * and nginx's special rules for a one-peer group.
 *
 * <p>One instance per upstream, shared by every event loop; all state changes happen under the group's lock, so
 * sequential requests see exactly nginx's sequence whatever the number of event loops.
 */
final class RoundRobinBalancer implements RoundRobin {

  private final PeerGroup peers;
  private final TimeSource time;

  RoundRobinBalancer(PeerGroup peers, TimeSource time) {
    this.peers = peers;
    this.time = time;
  }

  @Override
  public PeerSelection select(RequestView request) {
    return new RoundRobinSelection(peers, time);
  }

  @Override
  public PeerGroup peers() {
    return peers;
  }
}
