package io.xgate.gateway.upstream;

import io.xgate.spi.Balancer;

/**
 * A running upstream: its balancer chain and the per-peer connection pool settings.
 *
 * @param name the upstream's name (for a direct {@code proxy_pass http://host:port}, that address)
 * @param balancer the chain: the round-robin base decorated by the block's balancer directives
 * @param keepalive idle connections kept per worker for all peers together ({@code keepalive N}); 0 = close after
 *     each request
 * @param keepaliveTimeoutMs how long an idle pooled connection is kept
 * @param keepaliveRequests requests served over one pooled connection before it is closed
 */
public record Upstream(String name, Balancer balancer, int keepalive, long keepaliveTimeoutMs,
    long keepaliveRequests) {
}
