package io.xgate.spi;

/**
 * The round-robin base: the root balancer of every chain, and what decorators build on through
 * {@link PeerSelection}.
 */
public interface RoundRobin extends Balancer {

  /** Opens a round-robin selection for one request. */
  @Override
  PeerSelection select(RequestView request);

  /**
   * Accounts an attempt on {@code peer}'s address that another upstream made and accounted ({@link SharedHealth}):
   * a {@link Outcome#FAILURE} counts against {@code max_fails}/{@code fail_timeout} exactly as a failure here would
   * (and lowers the effective weight), any other outcome clears the failures as nginx's {@code peer.free} does after
   * a successful trial; {@code conns} and selections are untouched. Never forwarded to {@link SharedHealth} again.
   * Takes the group's lock; the default ignores it (a base that keeps health per upstream).
   */
  default void observed(Peer peer, Outcome outcome) {
  }
}
