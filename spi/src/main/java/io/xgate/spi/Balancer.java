package io.xgate.spi;

/**
 * The balancer of one upstream: holds the algorithm's state (current weights, rings, tables) and opens one
 * {@link Selection} per request.
 *
 * <p>Thread safety: one instance serves every event loop, so implementations must be thread-safe. Keep the work
 * done under a lock short: a pick is O(1) or O(log N) where the algorithm allows it.
 */
public interface Balancer extends AutoCloseable {

  /**
   * Opens the selection for one request (nginx's {@code init_peer}). Must not block and should not throw.
   *
   * @param request the request, for keys such as {@code $request_uri}; {@link RequestView#NONE} when there is none
   */
  Selection select(RequestView request);

  /** The primary peer group (its {@link PeerGroup#backup()} is the backup group). */
  PeerGroup peers();

  /**
   * Called once when a reload has replaced this balancer's upstream: new requests no longer select through it,
   * requests in flight still may, and {@link #close()} follows later. Background work whose results only new
   * requests would use (active health probes) should stop here. Peers keep the state they have.
   */
  default void retire() {
  }

  /**
   * Releases what the balancer started (timers, probes) when its upstream is replaced or the gateway stops.
   * Selections already open stay usable.
   */
  @Override
  default void close() {
  }
}
