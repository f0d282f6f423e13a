package io.xgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Times in {@code $request_time}, {@code $upstream_*_time} and {@code $msec} read as nginx prints them. */
class SecondsWithMillisTest {

  @Test
  void secondsAlwaysCarryThreeDigitsOfMilliseconds() {
    assertThat(RequestVariables.secondsWithMillis(0)).isEqualTo("0.000");
    assertThat(RequestVariables.secondsWithMillis(5)).isEqualTo("0.005");
    assertThat(RequestVariables.secondsWithMillis(45)).isEqualTo("0.045");
    assertThat(RequestVariables.secondsWithMillis(999)).isEqualTo("0.999");
    assertThat(RequestVariables.secondsWithMillis(1000)).isEqualTo("1.000");
    assertThat(RequestVariables.secondsWithMillis(12_045)).isEqualTo("12.045");
    assertThat(RequestVariables.secondsWithMillis(1_764_600_000_123L)).isEqualTo("1764600000.123");
  }
}
