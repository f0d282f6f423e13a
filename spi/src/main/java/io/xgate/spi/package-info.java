/**
 * The xgate balancer plugin contract.
 *
 * <p>Modelled on nginx's upstream peer API ({@code init_upstream}, {@code init_peer}, {@code peer.get},
 * {@code peer.free}) in Java terms:
 * <ul>
 *   <li>{@link io.xgate.spi.BalancerProvider} is found with {@link java.util.ServiceLoader}; it owns a directive of
 *       the {@code upstream {}} block ({@code hash}, {@code least_conn}, ...), validates it into a config value, and
 *       builds a {@link io.xgate.spi.Balancer} decorating the chain built so far. The round-robin base (policy
 *       {@value io.xgate.spi.BalancerProvider#ROUND_ROBIN}) is the root of every chain.</li>
 *   <li>{@link io.xgate.spi.Balancer}: one per upstream, shared by all event loops, thread-safe. It opens a
 *       {@link io.xgate.spi.Selection} per request.</li>
 *   <li>{@link io.xgate.spi.Selection}: one request's walk over the peers: {@code next()} for each attempt,
 *       {@code report(peer, outcome)} when that attempt ends; it may change the headers the origin receives
 *       ({@code onRequestHeaders}) and the client receives ({@code onResponseHeaders}).</li>
 *   <li>{@link io.xgate.spi.Peer} and {@link io.xgate.spi.PeerGroup}: the servers of an upstream, with nginx's
 *       per-peer balancing state.</li>
 *   <li>{@link io.xgate.spi.RequestView}: the request as nginx variables see it, for hash keys, and the values of
 *       the provider-owned directives of its location
 *       ({@link io.xgate.spi.BalancerProvider#locationDirectives()}).</li>
 *   <li>{@link io.xgate.spi.ContentHandlerProvider}: a plugin's {@code location {}} directive whose
 *       {@link io.xgate.spi.ContentHandler} answers the location's requests itself (Tengine's {@code check_status}).
 *       </li>
 * </ul>
 * A provider may own companion directives of its block ({@link io.xgate.spi.BalancerProvider#companionDirectives()});
 * a balancer that runs background work (health probes) stops it in {@link io.xgate.spi.Balancer#retire()} and
 * {@link io.xgate.spi.Balancer#close()}.
 * Registration: list the provider class in {@code META-INF/services/io.xgate.spi.BalancerProvider} (content
 * handlers: {@code META-INF/services/io.xgate.spi.ContentHandlerProvider}).
 */
package io.xgate.spi;
