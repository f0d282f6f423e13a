package io.xgate.gateway.http;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * The time of the event an event loop is handling, read from the clock once per event, as nginx caches its time
 * once per wake-up ({@code ngx_current_msec}, {@code ngx_time_update}). A proxied request takes a dozen timestamps
 * (its start, its attempt's start, connect, header and response times, its origin connection's last activity, the
 * response's {@code Date}); each clock read costs ~30 ns here, about as much as parsing a header line, so they are
 * taken from the event's one read instead.
 *
 * <p>The handlers where network reads enter ({@link EdgeRequestDecoder} for clients, the origin connection for
 * origins) bracket their work with {@link #begin()} and {@link #end()}; everything they call synchronously (Vert.x
 * dispatches a request's handlers on the same thread) sees that event's time. Outside a bracket (a timer, a connect
 * completing, a test's thread) {@link #nanos()} and {@link #wallMillis()} read the clock, so a reading is never
 * older than the event it is taken in.
 */
public final class EventTime {

  private static final FastThreadLocal<EventTime> OF_THREAD = new FastThreadLocal<>() {
    @Override
    protected EventTime initialValue() {
      return new EventTime();
    }
  };

  private int depth;
  private long nanos;
  private long wallMillis;
  private boolean wallRead;

  private EventTime() {
  }

  /**
   * An event starts on this thread: the clock is read now (unless an event is already under way here, whose time
   * stays). Pair with {@link #end()} in a {@code finally}.
   */
  public static EventTime begin() {
    EventTime t = OF_THREAD.get();
    if (t.depth++ == 0) {
      t.nanos = System.nanoTime();
      t.wallRead = false;
    }
    return t;
  }

  /** The event this bracket began is handled. */
  public void end() {
    depth--;
  }

  /** {@link System#nanoTime()} at the start of the current event, or now outside one. */
  public static long nanos() {
    EventTime t = OF_THREAD.get();
    return t.depth > 0 ? t.nanos : System.nanoTime();
  }

  /**
   * {@link System#currentTimeMillis()} as first read in the current event (so every use in one event agrees), or
   * now outside one.
   */
  public static long wallMillis() {
    EventTime t = OF_THREAD.get();
    if (t.depth == 0) {
      return System.currentTimeMillis();
    }
    if (!t.wallRead) {
      t.wallMillis = System.currentTimeMillis();
      t.wallRead = true;
    }
    return t.wallMillis;
  }
}
