package io.xgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventTimeTest {

  /** Spins until the clock has moved past {@code nanos}. */
  private static void clockPasses(long nanos) {
    while (System.nanoTime() - nanos <= 0) {
      Thread.onSpinWait();
    }
  }

  private static void clockPassesMillis(long millis) {
    while (System.currentTimeMillis() <= millis) {
      Thread.onSpinWait();
    }
  }

  @Test
  void outsideAnEventEveryReadingIsTheClocks() {
    long first = EventTime.nanos();
    clockPasses(first);
    assertThat(EventTime.nanos()).isGreaterThan(first);
    long wall = EventTime.wallMillis();
    clockPassesMillis(wall);
    assertThat(EventTime.wallMillis()).isGreaterThan(wall);
  }

  @Test
  void withinAnEventEveryReadingIsTheEventsStart() {
    long before = System.nanoTime();
    EventTime event = EventTime.begin();
    try {
      long start = EventTime.nanos();
      assertThat(start).isGreaterThanOrEqualTo(before);
      clockPasses(start);
      assertThat(EventTime.nanos()).isEqualTo(start);
      long wall = EventTime.wallMillis();
      clockPassesMillis(wall);
      assertThat(EventTime.wallMillis()).isEqualTo(wall);
    } finally {
      event.end();
    }
  }

  @Test
  void aNestedEventKeepsTheOuterTimeAndTheClockIsReadAgainAfterTheOuterEnds() {
    EventTime outer = EventTime.begin();
    long start;
    try {
      start = EventTime.nanos();
      clockPasses(start);
      EventTime inner = EventTime.begin();
      try {
        assertThat(EventTime.nanos()).isEqualTo(start);
      } finally {
        inner.end();
      }
      assertThat(EventTime.nanos()).isEqualTo(start);   // the outer event is still under way
    } finally {
      outer.end();
    }
    assertThat(EventTime.nanos()).isGreaterThan(start);
  }

  @Test
  void eachEventReadsTheClockAnew() {
    long first;
    EventTime event = EventTime.begin();
    try {
      first = EventTime.nanos();
    } finally {
      event.end();
    }
    clockPasses(first);
    event = EventTime.begin();
    try {
      assertThat(EventTime.nanos()).isGreaterThan(first);
    } finally {
      event.end();
    }
  }
}
