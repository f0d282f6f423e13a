package io.xgate.balancers.builtin;

import io.xgate.spi.TimeSource;

/** A clock the test moves by hand. */
final class FakeTime implements TimeSource {

  private long millis;

  FakeTime(long startMillis) {
    this.millis = startMillis;
  }

  void set(long millis) {
    this.millis = millis;
  }

  void advanceSeconds(long seconds) {
    millis += seconds * 1000;
  }

  @Override
  public long nowSeconds() {
    return millis / 1000;
  }

  @Override
  public long nowMillis() {
    return millis;
  }
}
