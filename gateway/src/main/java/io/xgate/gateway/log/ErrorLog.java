package io.xgate.gateway.log;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * nginx's {@code error_log}: lines as {@code 2026/11/22 03:00:00 [error] 4242#0: message}, at or above the
 * configured level, written off the event loop by a {@link LogFile}.
 */
public final class ErrorLog implements AutoCloseable {

  private static final List<String> LEVELS =
      List.of("debug", "info", "notice", "warn", "error", "crit", "alert", "emerg");
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss");

  private final LogFile file;
  private final int threshold;
  private final long pid = ProcessHandle.current().pid();

  /**
   * @param file where lines go
   * @param level the lowest level written
   */
  public ErrorLog(LogFile file, String level) {
    this.file = file;
    int i = LEVELS.indexOf(level);
    this.threshold = i < 0 ? LEVELS.indexOf("error") : i;
  }

  /** Whether {@code level} would be written. */
  public boolean enabled(String level) {
    return LEVELS.indexOf(level) >= threshold;
  }

  /** Writes {@code message} at {@code level} when enabled. */
  public void log(String level, String message) {
    if (enabled(level)) {
      file.append(TIME.format(LocalDateTime.now()) + " [" + level + "] " + pid + "#0: " + message);
    }
  }

  public void error(String message) {
    log("error", message);
  }

  public void warn(String message) {
    log("warn", message);
  }

  public void notice(String message) {
    log("notice", message);
  }

  public void info(String message) {
    log("info", message);
  }

  /** Waits, at most {@code maxMillis}, until every line logged so far is on disk. */
  public boolean awaitFlushed(long maxMillis) {
    return file.awaitFlushed(maxMillis);
  }

  @Override
  public void close() {
    file.close();
  }
}
