package io.xgate.spi;

/**
 * How one attempt on a peer ended, as nginx's {@code peer.free} states it.
 */
public enum Outcome {
  /** The peer answered and its answer was used (nginx state 0). */
  SUCCESS,
  /**
   * The attempt failed in a way that counts against {@code max_fails}: connect error, timeout, invalid header, or a
   * status listed in {@code proxy_next_upstream} (nginx {@code NGX_PEER_FAILED}).
   */
  FAILURE,
  /** The peer was passed over without blame, e.g. for {@code http_403}/{@code http_404} (nginx {@code NGX_PEER_NEXT}). */
  NEXT
}
