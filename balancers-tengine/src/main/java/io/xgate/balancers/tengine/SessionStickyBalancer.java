package io.xgate.balancers.tengine;

import io.vertx.core.MultiMap;
import io.xgate.spi.Balancer;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.PeerSelection;
import io.xgate.spi.RequestView;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.Selection;
import io.xgate.spi.TimeSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Tengine's {@code session_sticky} ({@code ngx_http_upstream_session_sticky_module.c}): a request whose cookie
 * names a server goes to that server; any other request is placed by round robin and, in insert mode, told its
 * server in a {@code Set-Cookie}.
 *
 * <ul>
 *   <li>The cookie's server is used even when passive failure accounting ({@code max_fails}) has disabled it, and
 *       even when it is marked {@code down}; only the active health check keeps a request away (round robin with
 *       {@code fallback=on}, a 502 without an attempt with {@code fallback=off}).</li>
 *   <li>{@code fallback=on}: one attempt on the cookie's server, then round robin for the next attempts.
 *       {@code fallback=off}: every attempt goes to the cookie's server (as many as {@code tries}), and a cookie
 *       naming no server is a 502 without an attempt.</li>
 *   <li>Failure accounting is the round-robin base's, as Tengine frees every attempt through it.</li>
 * </ul>
 * The request's cookie is read once, when the selection opens; the request and response headers are changed in
 * {@link Selection#onRequestHeaders} and {@link Selection#onResponseHeaders}. The cookie's server is found in a map
 * built once; the round-robin picks are the base's.
 */
final class SessionStickyBalancer implements Balancer {

  private final Balancer base;
  private final RoundRobin rr;
  private final PeerGroup peers;
  private final String upstream;
  private final StickyConfig config;
  private final TimeSource time;
  private final Map<String, Peer> bySid = new HashMap<>();
  private final String[] sids;

  /**
   * @param base the chain built before this balancer, closed with it (picks build on {@code rr}, as Tengine's
   *     session_sticky builds on round robin)
   */
  SessionStickyBalancer(Balancer base, RoundRobin rr, PeerGroup peers, String upstream, StickyConfig config,
      TimeSource time) {
    this.base = base;
    this.rr = rr;
    this.peers = peers;
    this.upstream = upstream;
    this.config = config;
    this.time = time;
    this.sids = new String[peers.size()];
    for (Peer p : peers.peers()) {
      String sid = sidOf(p, config);
      sids[p.index()] = sid;
      bySid.putIfAbsent(sid, p);   // Tengine takes the first server of an id
    }
  }

  /** The id in a server's cookie: MD5 of {@code ip:port}, or with {@code hash=plain} its {@code id=} or address. */
  static String sidOf(Peer peer, StickyConfig config) {
    if (config.has(StickyConfig.PLAIN)) {
      String id = peer.parameter("id");
      return id != null && !id.isEmpty() ? id : peer.name();
    }
    return StickyCookies.md5Hex(peer.name());
  }

  @Override
  public Selection select(RequestView request) {
    PeerSelection base = rr.select(request);
    StickyCookies.Lookup cookie = StickyCookies.lookup(request.headerValues("Cookie"), config, time.nowSeconds());
    Object hide = request.locationDirective(SessionStickyProvider.HIDE_COOKIE);
    boolean hidden = hide instanceof SessionStickyProvider.HideCookie h && h.upstream().equals(upstream);
    return new StickySelection(base, cookie, hidden);
  }

  @Override
  public PeerGroup peers() {
    return peers;
  }

  @Override
  public void close() {
    if (base != null) {
      base.close();
    }
  }

  /** One request: Tengine's {@code get_peer} over the cookie, and its header handler and filter. */
  private final class StickySelection implements Selection {
    private final PeerSelection rr;
    private final StickyCookies.Lookup cookie;
    /** {@code session_sticky_hide_cookie} names this upstream in the request's location. */
    private final boolean hidden;
    /** Placed by round robin (Tengine's {@code frist}): insert mode tells the client its server. */
    private boolean placed;
    /** Attempts left on the cookie's server with {@code fallback=on}. */
    private int stickyTries = 1;
    /** The last {@code null} from {@link #next()} was this module's refusal, which names no peer. */
    private boolean refused;

    StickySelection(PeerSelection rr, StickyCookies.Lookup cookie, boolean hidden) {
      this.rr = rr;
      this.cookie = cookie;
      this.hidden = hidden;
      this.placed = cookie.placed();
    }

    @Override
    public Peer next() {
      refused = false;
      boolean fallbackOff = config.has(StickyConfig.FALLBACK_OFF);
      if (!placed && !cookie.sid().isEmpty() && (stickyTries > 0 || fallbackOff)) {
        Peer peer = bySid.get(cookie.sid());
        if (peer != null) {
          if (!peer.healthDown()) {
            stickyTries--;
            return takeSticky(peer);
          }
          if (fallbackOff) {
            refused = true;
            return null;
          }
        }
      }
      if (!placed && fallbackOff) {
        refused = true;
        return null;
      }
      Peer peer = rr.nextRoundRobin();
      if (peer != null) {
        placed = true;
      }
      return peer;
    }

    /** Counts the attempt on the cookie's server without the round robin's availability tests. */
    private Peer takeSticky(Peer peer) {
      ReentrantLock lock = rr.group().lock();
      lock.lock();
      try {
        return rr.takeWithoutCheck(peer);
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void report(Peer peer, Outcome outcome) {
      rr.report(peer, outcome);
    }

    @Override
    public int tries() {
      return rr.tries();
    }

    @Override
    public String noPeerName(String upstreamName) {
      return refused ? "" : rr.noPeerName(upstreamName);
    }

    /** Tengine's header handler: with hide_cookie the origin never sees the sticky part of the cookie. */
    @Override
    public void onRequestHeaders(Peer peer, MultiMap headers) {
      rr.onRequestHeaders(peer, headers);
      if (!hidden || cookie.line() < 0 || config.has(StickyConfig.REWRITE)) {
        return;
      }
      List<String> lines = new ArrayList<>(headers.getAll("Cookie"));
      if (cookie.line() >= lines.size()) {
        return;
      }
      // field values carry no surrounding whitespace (RFC 9110 5.5): the cut leaves none behind
      lines.set(cookie.line(), cookie.cut().strip());
      headers.remove("Cookie");
      for (String line : lines) {
        headers.add("Cookie", line);
      }
    }

    /** Tengine's header filter: insert, rewrite or prefix the cookie on responses below 400. */
    @Override
    public void onResponseHeaders(Peer peer, int status, MultiMap headers) {
      rr.onResponseHeaders(peer, status, headers);
      if (status >= 400) {
        return;
      }
      if (!hidden && (config.has(StickyConfig.PREFIX) || config.has(StickyConfig.INDIRECT))) {
        return;
      }
      String sid = sids[peer.index()];   // session_sticky refuses backup servers: every peer is a primary one
      if (config.has(StickyConfig.PREFIX) || config.has(StickyConfig.REWRITE)) {
        List<String> setCookies = new ArrayList<>(headers.getAll("Set-Cookie"));
        for (int i = 0; i < setCookies.size(); i++) {
          String changed = config.has(StickyConfig.REWRITE)
              ? StickyCookies.rewrite(setCookies.get(i), config, sid)
              : StickyCookies.prefix(setCookies.get(i), config, sid);
          if (changed != null) {
            setCookies.set(i, changed);
            replaceAll(headers, setCookies);
            return;
          }
        }
      } else if (config.has(StickyConfig.INSERT) && (placed || config.timed())) {
        String value = StickyCookies.insert(config, sid, cookie.lastseen(), cookie.firstseen(), time.nowSeconds());
        if (config.has(StickyConfig.INDIRECT)) {
          List<String> setCookies = new ArrayList<>(headers.getAll("Set-Cookie"));
          for (int i = 0; i < setCookies.size(); i++) {
            if (StickyCookies.mentions(setCookies.get(i), config)) {
              setCookies.set(i, value);
              replaceAll(headers, setCookies);
              return;
            }
          }
        }
        headers.add("Set-Cookie", value);
      }
    }

    private void replaceAll(MultiMap headers, List<String> setCookies) {
      headers.remove("Set-Cookie");
      for (String c : setCookies) {
        headers.add("Set-Cookie", c);
      }
    }
  }
}
