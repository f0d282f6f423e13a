package io.xgate.spi;

/**
 * The round-robin base's selection, as decorating balancers build on it (nginx's
 * {@code ngx_http_upstream_rr_peer_data_t}): the group being tried, the tried set, and the round-robin pick as a
 * fallback. A decorator keeps one of these per request, calls its helpers while holding
 * {@code group().lock()}, and reports through it so failure accounting stays nginx's.
 */
public interface PeerSelection extends Selection {

  /** The group this request is being served from: the primary group, or the backup group after a switch. */
  PeerGroup group();

  /** Whether {@code peer} of the current group was already returned in this selection. */
  boolean isTried(Peer peer);

  /**
   * Whether {@code peer} may be chosen now, tried set aside: not {@code down}, not held down by a health check,
   * not disabled by {@code max_fails}, not at {@code max_conns}.
   */
  boolean isUsable(Peer peer);

  /**
   * Makes {@code peer} this attempt's choice: marks it tried, counts the connection, and (as nginx's hash
   * balancers do) restarts its {@code fail_timeout} window when that has passed. Call under the lock.
   */
  Peer take(Peer peer);

  /**
   * Makes {@code peer} this attempt's choice without touching its {@code checked} time (least_conn's rule when
   * there is no tie). Call under the lock.
   */
  Peer takeWithoutCheck(Peer peer);

  /**
   * Moves on to the backup group, with an empty tried set; returns it, or {@code null} (and stays on the current
   * group) when there is none.
   */
  PeerGroup switchToBackup();

  /** The round-robin pick of the current group with backup fallback: nginx's {@code get_round_robin_peer}. */
  Peer nextRoundRobin();

  /** The clock this selection reads, in whole seconds. */
  long nowSeconds();
}
