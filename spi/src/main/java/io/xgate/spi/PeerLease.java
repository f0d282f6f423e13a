package io.xgate.spi;

/**
 * A peer chosen for a caller that fetches from the origin itself (a cache, say) instead of having the gateway
 * proxy: the same choice, tried-set rules and failure accounting as a proxied request, with the caller reporting
 * how each attempt went. Obtained from {@link PeerLeases#select}.
 *
 * <p>Protocol: {@link #peer()} is the peer to use (or {@code null}: no live peer, and the lease is already closed).
 * For each peer handed out, call {@link #report} once when the attempt ends; after a {@link Outcome#FAILURE} or
 * {@link Outcome#NEXT} the lease stays open and {@link #next()} gives the peer for a retry, as
 * {@code proxy_next_upstream} would; a {@link Outcome#SUCCESS} closes it. {@link #close()} ends the lease at any
 * time; a peer still unreported then counts as nginx counts a request that did not fail. A lease nobody closes is
 * closed that way after the lease timeout, so no count leaks.
 *
 * <p>Thread safety: a lease may be used from any thread; its methods are serialized.
 */
public interface PeerLease extends AutoCloseable {

  /** An opaque id, unique in the running gateway, by which {@link PeerLeases#find} finds the lease again. */
  String id();

  /** The upstream the lease draws from. */
  String upstream();

  /** The peer of the current attempt, or {@code null} when none is left (or the lease is closed). */
  Peer peer();

  /**
   * Ends the current attempt: {@link Outcome#FAILURE} counts against the peer's {@code max_fails} (a timeout is a
   * failure too), {@link Outcome#NEXT} passes it over without blame, {@link Outcome#SUCCESS} closes the lease.
   * Without a current attempt (already reported, or closed) this does nothing.
   *
   * @param responseTimeMillis how long the attempt took, or -1 when unknown (kept for logs; balancers do not see it
   *     yet)
   */
  void report(Outcome outcome, long responseTimeMillis);

  /**
   * The peer for the next attempt: reports the current one as a {@link Outcome#FAILURE} first if it is still
   * unreported, then picks under the same rules as a proxied retry (a peer is never handed out twice, and the
   * upstream's tries bound the walk). Returns {@code null}, and closes the lease, when no peer is left.
   *
   * @throws IllegalStateException when the upstream's balancer failed (a bug in a balancer plugin); the lease is
   *     closed
   */
  Peer next();

  /** Every peer handed out so far, in order, as nginx writes {@code $upstream_addr} ({@code "a, b"}). */
  String tried();

  /** Whether the lease is still open. */
  boolean isOpen();

  /** Ends the lease; an unreported peer counts as a request that did not fail. Idempotent. */
  @Override
  void close();
}
