package io.xgate.spi;

/**
 * The round-robin base: the root balancer of every chain, and what decorators build on through
 * {@link PeerSelection}.
 */
public interface RoundRobin extends Balancer {

  /** Opens a round-robin selection for one request. */
  @Override
  PeerSelection select(RequestView request);
}
