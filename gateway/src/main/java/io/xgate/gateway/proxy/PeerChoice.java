package io.xgate.gateway.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.xgate.gateway.config.LocationConfig;
import io.xgate.gateway.http.EventTime;
import io.xgate.gateway.http.HeaderNames;
import io.xgate.gateway.upstream.LeaseRegistry;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerLease;

/**
 * {@code upstream_by_bgn NAME}: answers the peer the upstream chooses for this request instead of proxying to it.
 *
 * <ul>
 *   <li>Choose (any request without a lease id): the request's URI, arguments, headers, cookies and address feed
 *       the balancer exactly as a proxied request's would. {@code 200}, body {@code IP:PORT\n}, headers
 *       {@code X-Upstream-Addr} and {@code X-Upstream-Lease}. No live peer: {@code 502} with the reason.</li>
 *   <li>Report ({@code POST} with the lease id in {@code X-Upstream-Lease} or the {@code lease} argument, and
 *       {@code outcome=ok|failed|timeout}, optionally {@code response_time=MS}): ends the leased attempt as a
 *       proxied attempt would end ({@code failed} and {@code timeout} count against {@code max_fails}), then
 *       closes the lease ({@code 204}); with {@code next=on} after a failure, answers the next peer under the same
 *       lease instead, as {@code proxy_next_upstream} would pick it. Unknown or expired lease: {@code 404}.</li>
 * </ul>
 * An unreported lease closes after {@code upstream_by_bgn_lease_timeout} (default 60s) as a request that did not
 * fail. A balancer plugin that throws (a bug in it) gets the request a {@code 500}; the error log says why.
 */
public final class PeerChoice {

  /** The response header carrying the lease id. */
  public static final String LEASE_HEADER = "X-Upstream-Lease";
  /** The response header carrying the tried peers (as {@code $upstream_addr}). */
  public static final String ADDR_HEADER = "X-Upstream-Addr";

  /** What to answer; the caller adds {@code add_header}s, logs and sends it. */
  public record Answer(int status, Buffer body, MultiMap headers) {
  }

  private PeerChoice() {
  }

  /** Handles a request to an {@code upstream_by_bgn} location. */
  public static Answer handle(HttpServerRequest req, LocationConfig loc, RequestVariables vars,
      LeaseRegistry leases) {
    String leaseId = req.getHeader(LEASE_HEADER);
    if (leaseId == null) {
      leaseId = req.getParam("lease");
    }
    try {
      if (req.method() == HttpMethod.POST && leaseId != null) {
        return report(req, leases.find(leaseId), vars);
      }
      vars.locationSettings = loc.settings();
      String upstream = loc.upstreamByBgn().evaluate(vars);
      PeerLease lease;
      try {
        lease = leases.select(upstream, vars, loc.settings().leaseTimeoutMs());
      } catch (IllegalArgumentException e) {
        return text(502, "no upstream \"" + upstream + "\"\n");
      }
      return chosen(lease, vars);
    } catch (IllegalStateException e) {
      // a balancer plugin failed (the registry logged it): nginx's answer to a module's internal error
      return text(500, "balancer failed\n");
    }
  }

  private static Answer report(HttpServerRequest req, PeerLease lease, RequestVariables vars) {
    if (lease == null) {
      return text(404, "unknown, closed or expired lease\n");
    }
    Outcome o = LeaseRegistry.outcome(req.getParam("outcome"));
    if (o == null) {
      return text(400, "\"outcome\" must be ok, failed or timeout\n");
    }
    long responseTime = -1;
    String rt = req.getParam("response_time");
    if (rt != null) {
      try {
        responseTime = Long.parseLong(rt);
      } catch (NumberFormatException e) {
        return text(400, "\"response_time\" must be milliseconds\n");
      }
    }
    lease.report(o, responseTime);
    String next = req.getParam("next");
    if (o != Outcome.SUCCESS && ("on".equals(next) || "1".equals(next))) {
      lease.next();
      return chosen(lease, vars);
    }
    lease.close();
    return new Answer(204, null, MultiMap.caseInsensitiveMultiMap());
  }

  private static Answer chosen(PeerLease lease, RequestVariables vars) {
    for (String peer : lease.tried().split(", ")) {
      if (!peer.isEmpty()) {
        UpstreamAttempt a = new UpstreamAttempt(peer, EventTime.nanos());
        a.responseNanos = 0;
        vars.attempts.add(a);
      }
    }
    Peer p = lease.peer();
    if (p == null) {
      vars.attempts.add(UpstreamAttempt.noLivePeer(lease.upstream()));
      return text(502, "no live upstreams in upstream \"" + lease.upstream() + "\"\n");
    }
    Answer a = text(200, p.host() + ":" + p.port() + "\n");
    a.headers().set(LEASE_HEADER, lease.id());
    return a;
  }

  private static Answer text(int status, String body) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.set(HeaderNames.CONTENT_TYPE, "text/plain");
    return new Answer(status, Buffer.buffer(body), headers);
  }
}
