package io.xgate.gateway.config;

import io.xgate.spi.BalancerProvider;
import io.xgate.spi.Directive;
import io.xgate.spi.PeerGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@code upstream} block: its peers, the balancer directives in the order written, and the per-peer keepalive
 * pool settings.
 */
public final class UpstreamConfig {

  /** A balancer directive with its provider and parsed config. */
  public record BalancerStep(BalancerProvider provider, Object config, Directive directive) {
  }

  final String name;
  final String file;
  final int line;
  final List<ConfigNode> serverLines = new ArrayList<>();
  final List<BalancerStep> balancers = new ArrayList<>();
  PeerGroup peers;
  int keepalive;
  long keepaliveTimeoutMs = 60_000;
  long keepaliveRequests = 1000;
  boolean keepaliveSet;
  boolean sharedHealth = true;
  boolean sharedHealthSet;

  UpstreamConfig(String name, String file, int line) {
    this.name = name;
    this.file = file;
    this.line = line;
  }

  public String name() {
    return name;
  }

  /** The primary peers (linking to the backup peers). */
  public PeerGroup peers() {
    return peers;
  }

  /** The balancer directives after the round-robin base, in config order. */
  public List<BalancerStep> balancers() {
    return balancers;
  }

  /** {@code keepalive N}: idle connections kept per event loop for all peers together; 0 = connections are closed. */
  public int keepalive() {
    return keepalive;
  }

  public long keepaliveTimeoutMs() {
    return keepaliveTimeoutMs;
  }

  public long keepaliveRequests() {
    return keepaliveRequests;
  }

  /**
   * {@code shared_health on|off} (default on): whether this upstream's passive health of a peer is shared with the
   * other upstreams that list the same address and share theirs.
   */
  public boolean sharedHealth() {
    return sharedHealth;
  }

  public String file() {
    return file;
  }

  public int line() {
    return line;
  }
}
