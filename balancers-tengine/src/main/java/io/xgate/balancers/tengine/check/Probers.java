package io.xgate.balancers.tengine.check;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The probers of one process (one {@link Vertx}): one {@link Prober} per checked address and check, however many
 * upstreams, event loops and config generations use it. Upstreams acquire a prober when they are built and
 * release it when they are retired or closed; the last release stops it. A reload builds the new generation
 * before it retires the old one, so an address checked by both keeps its prober and its state.
 *
 * <p>All probers run on one event-loop context created for them, apart from the contexts of the server
 * verticles, with one {@link NetClient}.
 */
final class Probers {

  /** What makes two checks the same: the address and every setting of the check. */
  record Key(String host, int port, CheckSpec spec) {
  }

  private static final Map<Vertx, Probers> BY_VERTX = new IdentityHashMap<>();

  private final Vertx vertx;
  private final Context context;
  private final NetClient client;
  private final Map<Key, Prober> probers = new HashMap<>();
  private final Map<Prober, Integer> refs = new IdentityHashMap<>();

  private Probers(Vertx vertx) {
    this.vertx = vertx;
    this.context = vertx instanceof VertxInternal vi ? vi.createEventLoopContext() : vertx.getOrCreateContext();
    // the check's own timeout bounds the connect; this one only keeps a lost connect from lingering
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(60_000).setTcpNoDelay(true));
  }

  /** The probers of {@code vertx}'s process. */
  static Probers of(Vertx vertx) {
    synchronized (BY_VERTX) {
      return BY_VERTX.computeIfAbsent(vertx, Probers::new);
    }
  }

  /** The prober of {@code key}, started if it is new; pair with {@link #release}. */
  Prober acquire(Key key) {
    synchronized (BY_VERTX) {
      Prober p = probers.get(key);
      if (p == null) {
        p = new Prober(vertx, context, client, key.host(), key.port(), key.spec());
        probers.put(key, p);
        p.start();
      }
      refs.merge(p, 1, Integer::sum);
      return p;
    }
  }

  /** Gives back one {@link #acquire}: the last one stops the prober. */
  void release(Prober p) {
    synchronized (BY_VERTX) {
      Integer n = refs.get(p);
      if (n == null) {
        return;
      }
      if (n > 1) {
        refs.put(p, n - 1);
        return;
      }
      refs.remove(p);
      probers.values().remove(p);
      p.stop();
      if (probers.isEmpty()) {
        BY_VERTX.remove(vertx);
        try {
          client.close();
        } catch (RuntimeException closed) {
          // Vert.x is closing already
        }
      }
    }
  }

  /** How many probers run in {@code vertx}'s process (tests). */
  static int running(Vertx vertx) {
    synchronized (BY_VERTX) {
      Probers p = BY_VERTX.get(vertx);
      return p == null ? 0 : p.probers.size();
    }
  }
}
