package io.xgate.spi;

/**
 * Peer selection as a service: the gateway's upstreams choosing peers for callers that do not proxy through it
 * (in-process Java code, or HTTP clients of {@code upstream_by_bgn}). Implemented by the gateway.
 */
public interface PeerLeases {

  /**
   * Chooses a peer of {@code upstream} for {@code request} exactly as proxying that request would, and leases it.
   *
   * @return the lease; its {@link PeerLease#peer()} is {@code null} when no peer is usable ("no live upstreams")
   * @throws IllegalArgumentException when the gateway has no upstream of that name
   * @throws IllegalStateException when the upstream's balancer failed (a bug in a balancer plugin; the gateway's
   *     error log says which); no lease is left open
   */
  PeerLease select(String upstream, RequestView request);

  /** The open lease with {@code id}, or {@code null} when it is unknown, closed or expired. */
  PeerLease find(String id);
}
