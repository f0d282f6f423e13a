package io.xgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HttpDateTest {

  @Test
  void aDateIsTheImfFixdateOfItsSecondWithATwoDigitDay() {
    assertThat(HttpDate.of(0)).isEqualTo("Thu, 01 Jan 1970 00:00:00 GMT");
    assertThat(HttpDate.of(1_796_167_251_999L)).isEqualTo("Tue, 01 Dec 2026 23:20:51 GMT");
  }

  @Test
  void oneSecondIsFormattedOnceAndTheNextSecondAnew() {
    String first = HttpDate.of(1_796_167_251_000L);
    assertThat(HttpDate.of(1_796_167_251_999L)).isSameAs(first);
    assertThat(HttpDate.of(1_796_167_252_000L)).isEqualTo("Tue, 01 Dec 2026 23:20:52 GMT");
  }
}
