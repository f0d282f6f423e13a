package io.xgate.spi;

import io.vertx.core.MultiMap;

/**
 * One request's walk over an upstream's peers (nginx's per-request peer data with {@code get} and {@code free}).
 *
 * <p>Protocol: call {@link #next()} for each attempt; when it returns a peer, the attempt is under way and
 * {@link #report(Peer, Outcome)} <b>must</b> be called exactly once for that peer when the attempt ends, whatever
 * happens, or the peer's {@code conns} count leaks (which breaks {@code max_conns} and {@code least_conn}).
 * {@code next()} never returns a peer already returned in this selection, a {@code down} peer, a peer disabled by
 * {@code max_fails}/{@code fail_timeout} or an active health check, or a peer at {@code max_conns}; when no primary
 * peer is left it moves on to the backup peers, and when none is left at all it returns {@code null} (nginx's "no
 * live upstreams": the caller answers 502 and logs the upstream's name).
 *
 * <p>Thread safety: a selection belongs to one request and is used from one thread at a time; implementations
 * take the group's lock themselves when they touch shared peer state.
 */
public interface Selection {

  /** The peer for the next attempt, or {@code null} when no usable peer is left. */
  Peer next();

  /**
   * Ends the attempt on {@code peer} (nginx's {@code peer.free}): updates failure accounting, effective weight and
   * {@code conns}, and uses up one try. Must not throw.
   */
  void report(Peer peer, Outcome outcome);

  /**
   * Attempts this selection still allows (nginx's {@code pc->tries}): starts at the number of peers not marked
   * down (primary plus backup), drops by one with every report, and drops to 0 when a one-peer group reports.
   * The caller may allow fewer ({@code proxy_next_upstream_tries}).
   */
  int tries();

  /**
   * What {@code $upstream_addr} shows when {@link #next()} found no peer (nginx's {@code pc->name} after the balancer
   * answered {@code NGX_BUSY}): by default the upstream's name, as nginx's round robin sets it ("no live
   * upstreams"). A balancer that leaves the name unset answers the empty string, and then nothing is shown (Tengine's
   * consistent_hash, whose 502s without an attempt have an empty tried list).
   *
   * @param upstream the upstream's name
   */
  default String noPeerName(String upstream) {
    return upstream;
  }

  /**
   * Called with the response headers of the attempt on {@code peer} that is about to be sent to the client, before
   * anything is written; a selection may add or change headers here (session_sticky's {@code Set-Cookie}).
   */
  default void onResponseHeaders(Peer peer, int status, MultiMap headers) {
  }

  /**
   * Called with the headers of the request about to be sent to {@code peer}, once per attempt, after the gateway
   * has built them ({@code proxy_set_header} applied) and before anything is written; a selection may change them
   * (session_sticky removes its own cookie from the {@code Cookie} header the origin receives).
   */
  default void onRequestHeaders(Peer peer, MultiMap headers) {
  }
}
