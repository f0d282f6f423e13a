package io.xgate.gateway.proxy;

import io.xgate.gateway.http.EventTime;

/**
 * One entry of nginx's {@code r->upstream_states}: an attempt on a peer, or the "no live upstreams" mark.
 * Mutable while the attempt runs; read by {@code $upstream_*} variables.
 */
final class UpstreamAttempt {

  /** The peer's address ({@code 127.0.0.1:8080}), or the upstream's name when no peer was left. */
  final String peer;
  final long startNanos;
  int status;
  long connectNanos = -1;
  long headerNanos = -1;
  long responseNanos = -1;

  UpstreamAttempt(String peer, long startNanos) {
    this.peer = peer;
    this.startNanos = startNanos;
  }

  /** nginx's "no live upstreams" mark: the upstream's name stands in {@code $upstream_addr}, with status 502. */
  static UpstreamAttempt noLivePeer(String upstream) {
    UpstreamAttempt mark = new UpstreamAttempt(upstream, EventTime.nanos());
    mark.status = 502;
    mark.responseNanos = 0;
    return mark;
  }
}
