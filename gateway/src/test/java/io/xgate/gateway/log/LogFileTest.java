package io.xgate.gateway.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A log file's lines reach the disk in order, and a flush waited for means the lines before it are there. */
class LogFileTest {

  @TempDir
  Path dir;

  @Test
  void aLineQueuedBeforeAFlushIsOnDiskWhenTheFlushReturns() throws Exception {
    Path path = dir.resolve("logs/error.log");
    LogFile log = LogFile.open(path.toString());
    try {
      for (int i = 0; i < 300; i++) {
        log.append("line " + i);   // the writer takes each from the queue while the flush is being waited for
        assertThat(log.awaitFlushed(10_000)).isTrue();
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(i + 1).last().isEqualTo("line " + i);
      }
    } finally {
      log.close();
    }
  }

  @Test
  void closingWritesWhatIsQueued() throws Exception {
    Path path = dir.resolve("access.log");
    LogFile log = LogFile.open(path.toString());
    for (int i = 0; i < 1000; i++) {
      log.append("request " + i);
    }
    log.close();
    List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(1000).startsWith("request 0").endsWith("request 999");
    assertThat(log.dropped()).isZero();
  }
}
