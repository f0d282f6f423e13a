package io.xgate.tests;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Log files as tests read them: each log is written by its own thread, so a line shows up a moment after its event.
 * A log holds bytes, read one char per byte (ISO-8859-1), as the gateway writes them.
 */
final class LogFiles {

  private LogFiles() {
  }

  /** Waits until {@code log} contains {@code text}; fails with the log's content after 10 s. */
  static void awaitText(Path log, String text) throws Exception {
    awaitText(log, text, 10);
  }

  /** Waits until a line of {@code log} matches {@code regex} in part; fails with the log's content after 10 s. */
  static void awaitMatch(Path log, String regex) throws Exception {
    java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(regex);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readAllLines(log, ISO_8859_1).stream().anyMatch(l -> pattern.matcher(l).find())) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no line matching " + regex + " in " + log + " after 10 s: "
        + (Files.exists(log) ? Files.readString(log, ISO_8859_1) : "(no file)"));
  }

  /** Waits until {@code log} contains {@code text}; fails with the log's content after {@code seconds}. */
  static void awaitText(Path log, String text, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log, ISO_8859_1).contains(text)) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no \"" + text + "\" in " + log + " after " + seconds + " s: "
        + (Files.exists(log) ? Files.readString(log, ISO_8859_1) : "(no file)"));
  }
}
