package io.xgate.spi;

/**
 * The clocks balancers read. Production uses the system clock; tests pin time.
 */
public interface TimeSource {

  /** The system clock. */
  TimeSource SYSTEM = new TimeSource() {
    @Override
    public long nowSeconds() {
      return System.currentTimeMillis() / 1000;
    }

    @Override
    public long nowMillis() {
      return System.currentTimeMillis();
    }
  };

  /** Whole seconds since the epoch, as nginx's {@code ngx_time()} (fail_timeout runs on this clock). */
  long nowSeconds();

  /** Milliseconds since the epoch. */
  long nowMillis();
}
