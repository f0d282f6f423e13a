package io.xgate.balancers.tengine.check;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.xgate.spi.Peer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The active check of one address, shared by every upstream (and every generation) that checks it the same way:
 * Tengine's {@code ngx_http_upstream_check_peer_t} with its shared-memory state.
 *
 * <p>Timing as Tengine's: the first check starts after a random delay in {@code [0, max(interval, 1000))} ms;
 * afterwards a timer fires every {@code interval/2} ms and starts a check when none is running and at least
 * {@code interval} ms have passed since the last one finished. A check is a TCP connect ({@code type=tcp}) or
 * {@code check_http_send} written verbatim and the status line's class held against
 * {@code check_http_expect_alive} ({@code type=http}); {@code timeout} bounds all of it. {@code fall} consecutive
 * failures take the address down, {@code rise} consecutive successes bring it up; the counts keep growing past
 * those limits, as the status page shows.
 *
 * <p>Threading: every timer, connection and state change runs on the context the {@link Probers} of the process
 * own, never on a server event loop's context. The state is read from any thread.
 */
final class Prober {

  private final Vertx vertx;
  private final Context context;
  private final NetClient client;
  private final String host;
  private final int port;
  private final CheckSpec spec;
  private final List<Peer> peers = new CopyOnWriteArrayList<>();
  private final AtomicLong checksStarted = new AtomicLong();

  // the state: written under this object's monitor, on the context
  private volatile boolean down;
  private volatile int riseCount;
  private volatile int fallCount;

  // on the context only
  private boolean stopped;
  private boolean busy;
  private long lastFinishedNanos;
  private boolean finishedOnce;
  private long timerId = -1;
  private NetSocket kept;
  private int keptRequests;
  private Attempt current;

  Prober(Vertx vertx, Context context, NetClient client, String host, int port, CheckSpec spec) {
    this.vertx = vertx;
    this.context = context;
    this.client = client;
    this.host = host;
    this.port = port;
    this.spec = spec;
    this.down = spec.defaultDown();
  }

  /** Schedules the first check (random delay) and the {@code interval/2} timer after it. */
  void start() {
    context.runOnContext(v -> {
      if (stopped) {
        return;
      }
      long delay = ThreadLocalRandom.current().nextLong(Math.max(spec.intervalMs(), 1000));
      timerId = vertx.setTimer(Math.max(1, delay), id -> {
        if (stopped) {
          return;
        }
        timerId = vertx.setPeriodic(Math.max(1, spec.intervalMs() / 2), p -> begin());
        begin();
      });
    });
  }

  /** Stops the timers and closes the connections; a check in flight ends without changing the state. */
  void stop() {
    try {
      context.runOnContext(v -> {
        stopped = true;
        if (timerId >= 0) {
          vertx.cancelTimer(timerId);
          timerId = -1;
        }
        if (current != null) {
          current.abandon();
        }
        closeKept();
      });
    } catch (RuntimeException closed) {
      // Vert.x is closing: its timers and connections go with it
    }
  }

  /** Adds a peer whose {@link Peer#healthDown(boolean)} follows this address, and gives it the state now. */
  synchronized void subscribe(Peer peer) {
    peers.add(peer);
    peer.healthDown(down);
  }

  synchronized void unsubscribe(Peer peer) {
    peers.remove(peer);
  }

  boolean down() {
    return down;
  }

  int riseCount() {
    return riseCount;
  }

  int fallCount() {
    return fallCount;
  }

  /** Checks started so far (tests). */
  long checksStarted() {
    return checksStarted.get();
  }

  /** The address checked ({@code host:port}). */
  String address() {
    return host + ":" + port;
  }

  private void begin() {
    long now = System.nanoTime();
    if (stopped || busy || (finishedOnce && now - lastFinishedNanos < spec.intervalMs() * 1_000_000L)) {
      return;
    }
    busy = true;
    checksStarted.incrementAndGet();
    Attempt a = new Attempt();
    current = a;
    a.timer = vertx.setTimer(spec.timeoutMs(), id -> a.finish(false, false));
    NetSocket reuse = kept;
    kept = null;
    if (reuse != null) {
      a.use(reuse);
      return;
    }
    keptRequests = 0;
    client.connect(port, host).onComplete(ar -> {
      if (ar.failed()) {
        a.finish(false, false);
      } else if (a.done) {
        ar.result().close();   // timed out or stopped meanwhile
      } else {
        a.use(ar.result());
      }
    });
  }

  private void closeKept() {
    if (kept != null) {
      kept.close();
      kept = null;
    }
  }

  /** Tengine's {@code ngx_http_upstream_check_status_update}. */
  private void update(boolean ok) {
    synchronized (this) {
      boolean was = down;
      if (ok) {
        riseCount++;
        fallCount = 0;
        if (down && riseCount >= spec.rise()) {
          down = false;
        }
      } else {
        riseCount = 0;
        fallCount++;
        if (!down && fallCount >= spec.fall()) {
          down = true;
        }
      }
      if (was != down) {
        for (Peer p : peers) {
          p.healthDown(down);
        }
      }
    }
  }

  /** One check: connect (or reuse a kept connection), send, read the status line. */
  private final class Attempt {
    boolean done;
    long timer;
    NetSocket socket;
    Buffer received = Buffer.buffer();
    int status = -1;

    void use(NetSocket s) {
      socket = s;
      if (spec.type() == CheckSpec.Type.TCP) {
        finish(true, false);
        return;
      }
      s.handler(this::received);
      s.closeHandler(v -> {
        socket = null;
        finish(status > 0 && spec.alive(status), false);
      });
      s.exceptionHandler(e -> finish(false, false));
      keptRequests++;
      s.write(Buffer.buffer(spec.send().getBytes(StandardCharsets.ISO_8859_1)));
    }

    void received(Buffer data) {
      if (done) {
        return;
      }
      received.appendBuffer(data);
      String text = received.toString(StandardCharsets.ISO_8859_1);
      if (status < 0) {
        int eol = text.indexOf('\n');
        if (eol < 0) {
          if (text.length() > 8192) {
            finish(false, false);
          }
          return;
        }
        status = statusCode(text.substring(0, eol));
        if (status < 0) {
          finish(false, false);
          return;
        }
        if (spec.keepaliveRequests() <= 1) {
          finish(spec.alive(status), false);
          return;
        }
      }
      // keepalive: the connection is reused only once the whole response is in
      int headersEnd = text.indexOf("\r\n\r\n");
      if (headersEnd < 0) {
        return;
      }
      String headers = text.substring(0, headersEnd).toLowerCase(Locale.ROOT);
      long bodyLength = bodyLength(headers);
      boolean reusable = bodyLength >= 0 && !headers.contains("\nconnection: close")
          && keptRequests < spec.keepaliveRequests();
      if (bodyLength >= 0 && text.length() < headersEnd + 4 + bodyLength) {
        return;
      }
      finish(spec.alive(status), reusable);
    }

    private long bodyLength(String headers) {
      if (spec.send().startsWith("HEAD ") || status / 100 == 1 || status == 204 || status == 304) {
        return 0;
      }
      int i = headers.indexOf("\ncontent-length:");
      if (i < 0) {
        return -1;
      }
      int end = headers.indexOf('\r', i + 1);
      try {
        return Long.parseLong(headers.substring(i + 16, end < 0 ? headers.length() : end).trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    /** A check ended: keep or close the connection, count the result, free the next check. */
    void finish(boolean ok, boolean keep) {
      if (done) {
        return;
      }
      done = true;
      vertx.cancelTimer(timer);
      if (keep && socket != null && !stopped) {
        NetSocket s = socket;
        s.handler(b -> { });
        s.closeHandler(v -> {
          if (kept == s) {
            kept = null;
          }
        });
        kept = s;
      } else if (socket != null) {
        socket.close();
      }
      socket = null;
      if (current == this) {
        current = null;
      }
      busy = false;
      if (stopped) {
        return;
      }
      update(ok);
      lastFinishedNanos = System.nanoTime();
      finishedOnce = true;
    }

    void abandon() {
      done = true;
      vertx.cancelTimer(timer);
      if (socket != null) {
        socket.close();
      }
      busy = false;
    }
  }

  /** The code of an HTTP status line ({@code HTTP/1.0 200 OK}), or -1 when it is none. */
  static int statusCode(String line) {
    if (!line.startsWith("HTTP/")) {
      return -1;
    }
    int sp = line.indexOf(' ');
    if (sp < 0 || line.length() < sp + 4) {
      return -1;
    }
    int code = 0;
    for (int i = sp + 1; i < sp + 4; i++) {
      char c = line.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      code = code * 10 + (c - '0');
    }
    if (line.length() > sp + 4 && line.charAt(sp + 4) != ' ' && line.charAt(sp + 4) != '\r') {
      return -1;
    }
    return code;
  }
}
