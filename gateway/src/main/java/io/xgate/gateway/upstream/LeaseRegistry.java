package io.xgate.gateway.upstream;

import io.vertx.core.Vertx;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerLease;
import io.xgate.spi.PeerLeases;
import io.xgate.spi.RequestView;
import io.xgate.spi.Selection;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The gateway's {@link PeerLeases}: leases drawn from the upstreams being served (after a reload, new leases use
 * the new upstreams; open ones finish on the old). Every open lease has a timer that closes it after its timeout,
 * so a caller that never reports leaks no {@code conns} count.
 *
 * <p>A balancer plugin that throws (a bug in it) is contained as on the proxy path: the error log says which
 * upstream and why; a failed selection throws {@link IllegalStateException} to the caller and leaves no lease
 * open; a failed report ends the attempt all the same, and the lease's next pick throws.
 */
public final class LeaseRegistry implements PeerLeases {

  /** The lease timeout of {@link #select(String, RequestView)}. */
  public static final long DEFAULT_TIMEOUT_MS = 60_000;

  private final Supplier<UpstreamRegistry> upstreams;
  private final Vertx vertx;
  private final Consumer<String> errors;
  private final Map<String, Lease> open = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();

  /**
   * @param upstreams the upstreams being served, read at every {@link #select}
   * @param vertx runs the expiry timers
   * @param errors the error log, told of a balancer plugin's failure
   */
  public LeaseRegistry(Supplier<UpstreamRegistry> upstreams, Vertx vertx, Consumer<String> errors) {
    this.upstreams = upstreams;
    this.vertx = vertx;
    this.errors = errors;
  }

  @Override
  public PeerLease select(String upstream, RequestView request) {
    return select(upstream, request, DEFAULT_TIMEOUT_MS);
  }

  /** {@link #select(String, RequestView)} with a lease timeout of {@code timeoutMs} (at least 1 ms). */
  public PeerLease select(String upstream, RequestView request, long timeoutMs) {
    Upstream u = upstreams.get().get(upstream);
    if (u == null) {
      throw new IllegalArgumentException("no upstream \"" + upstream + "\"");
    }
    Selection selection;
    int tries;
    try {
      selection = u.balancer().select(request);
      tries = selection.tries();
    } catch (RuntimeException e) {
      throw pluginFailed("selection", u.name(), e);
    }
    Lease lease = new Lease(newId(), u.name(), selection, tries);
    if (lease.first() != null) {
      open.put(lease.id, lease);
      lease.timer = vertx.setTimer(Math.max(1, timeoutMs), t -> lease.close());
      if (!lease.isOpen()) {   // closed by another thread before the timer was set
        vertx.cancelTimer(lease.timer);
      }
    }
    return lease;
  }

  /**
   * The outcome a lease report names: {@code ok} is a success, {@code failed} and {@code timeout} are failures (they
   * count against {@code max_fails}); {@code null} for anything else.
   */
  public static Outcome outcome(String word) {
    if ("ok".equals(word)) {
      return Outcome.SUCCESS;
    }
    if ("failed".equals(word) || "timeout".equals(word)) {
      return Outcome.FAILURE;
    }
    return null;
  }

  @Override
  public PeerLease find(String id) {
    return id == null ? null : open.get(id);
  }

  /** How many leases are open. */
  public int openCount() {
    return open.size();
  }

  /** Closes every open lease (at stop). */
  public void closeAll() {
    open.values().forEach(Lease::close);
  }

  /** Logs a balancer plugin's failure and returns the exception the caller gets. */
  private IllegalStateException pluginFailed(String where, String upstream, RuntimeException e) {
    String message = "balancer " + where + " of upstream \"" + upstream + "\" failed: " + e;
    errors.accept(message);
    return new IllegalStateException(message, e);
  }

  private String newId() {
    byte[] bytes = new byte[12];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** One lease: a balancer selection plus the attempt under way, as a proxied request keeps them. */
  private final class Lease implements PeerLease {

    private final String id;
    private final String upstream;
    private final Selection selection;
    private final StringBuilder tried = new StringBuilder();
    private int triesLeft;
    private Peer current;
    private boolean closed;
    private long timer = -1;
    /** What the balancer threw at a report, which also ends every later pick. */
    private IllegalStateException failure;

    Lease(String id, String upstream, Selection selection, int tries) {
      this.id = id;
      this.upstream = upstream;
      this.selection = selection;
      this.triesLeft = tries;
    }

    /** The first pick; closes the lease when there is no peer. */
    synchronized Peer first() {
      return pick();
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String upstream() {
      return upstream;
    }

    @Override
    public synchronized Peer peer() {
      return current;
    }

    @Override
    public synchronized void report(Outcome outcome, long responseTimeMillis) {
      if (closed || current == null) {
        return;
      }
      end(outcome);
      if (outcome == Outcome.SUCCESS) {
        close();
      }
    }

    @Override
    public synchronized Peer next() {
      if (closed) {
        return null;
      }
      if (current != null) {
        end(Outcome.FAILURE);
      }
      return pick();
    }

    @Override
    public synchronized String tried() {
      return tried.toString();
    }

    @Override
    public synchronized boolean isOpen() {
      return !closed;
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      if (current != null) {
        end(Outcome.SUCCESS);
      }
      closed = true;
      open.remove(id);
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    }

    private Peer pick() {
      if (failure != null) {
        close();
        throw failure;
      }
      Peer p;
      try {
        p = triesLeft > 0 ? selection.next() : null;
      } catch (RuntimeException e) {
        close();
        throw pluginFailed("selection", upstream, e);
      }
      if (p == null) {
        close();
        return null;
      }
      current = p;
      if (tried.length() > 0) {
        tried.append(", ");
      }
      tried.append(p.name());
      return p;
    }

    /** Reports the current attempt, using up one try (nginx's peer.free and tries rule, as ProxyRequest does). */
    private void end(Outcome outcome) {
      Peer p = current;
      current = null;
      try {
        selection.report(p, outcome);
        triesLeft = Math.max(0, Math.min(triesLeft - 1, selection.tries()));
      } catch (RuntimeException e) {
        failure = pluginFailed("report", upstream, e);   // the attempt is over all the same; no further pick
      }
    }
  }
}
