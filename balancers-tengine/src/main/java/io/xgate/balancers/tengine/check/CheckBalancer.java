package io.xgate.balancers.tengine.check;

import io.xgate.spi.Balancer;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.RequestView;
import io.xgate.spi.Selection;
import io.xgate.spi.UpstreamContext;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code check} in an upstream: picks nothing itself (selections are the chain's below it); it ties every server
 * of the upstream to the process-wide {@link Prober} of its address, which holds the server down
 * ({@link Peer#healthDown(boolean)}) while the check fails. Every balancer honours that flag, so the check works
 * under round robin, hash, consistent_hash and session_sticky alike, and nginx's passive
 * {@code max_fails}/{@code fail_timeout} still applies on top.
 *
 * <p>As Tengine, servers marked {@code down} are not checked, and backup servers are (after the primary ones).
 * Built outside a running gateway ({@code -t}, the warm-up) it starts no probes and leaves the peers alone.
 */
final class CheckBalancer implements Balancer {

  /** A checked server of this upstream and the prober of its address. */
  record Probe(Peer peer, Prober prober) {
  }

  private final Balancer base;
  private final PeerGroup group;
  private final CheckSpec spec;
  private final Probers probers;
  private final List<Probe> probes = new ArrayList<>();
  private boolean released;

  CheckBalancer(UpstreamContext upstream, CheckSpec spec) {
    this.base = upstream.base();
    this.group = upstream.peers();
    this.spec = spec;
    this.probers = upstream.vertx() == null ? null : Probers.of(upstream.vertx());
    if (probers == null) {
      return;
    }
    List<Peer> servers = new ArrayList<>(group.peers());
    if (group.backup() != null) {
      servers.addAll(group.backup().peers());
    }
    for (Peer peer : servers) {
      if (peer.isDown()) {
        continue;
      }
      Prober p = probers.acquire(new Probers.Key(peer.host(), spec.port() != 0 ? spec.port() : peer.port(), spec));
      p.subscribe(peer);
      probes.add(new Probe(peer, p));
    }
    CheckedUpstreams.register(group, this);
  }

  @Override
  public Selection select(RequestView request) {
    return base.select(request);
  }

  @Override
  public PeerGroup peers() {
    return base.peers();
  }

  /** The checked servers, in Tengine's order (primary, then backup; {@code down} ones left out). */
  List<Probe> probes() {
    return probes;
  }

  CheckSpec spec() {
    return spec;
  }

  /** Stops this upstream's use of the probers: a reload replaced it. */
  @Override
  public void retire() {
    release();
  }

  @Override
  public void close() {
    release();
  }

  private synchronized void release() {
    if (released || probers == null) {
      return;
    }
    released = true;
    CheckedUpstreams.unregister(group, this);
    for (Probe p : probes) {
      p.prober().unsubscribe(p.peer());
      probers.release(p.prober());
    }
  }
}
