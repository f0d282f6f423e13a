package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The gateway's temp files ({@code xgate-KIND-*.tmp}) in a folder, as a test sees them from outside. */
final class TempFilesSeen {

  private TempFilesSeen() {
  }

  /** The files of {@code dir} whose name starts with {@code prefix}; none when the folder does not exist. */
  static Path[] in(Path dir, String prefix) {
    if (!Files.isDirectory(dir)) {
      return new Path[0];
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().startsWith(prefix)).toArray(Path[]::new);
    } catch (IOException e) {
      return new Path[0];
    }
  }

  /** Waits up to 5 s for those files to be deleted, then asserts that none is left. */
  static void awaitNone(Path dir, String prefix) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (in(dir, prefix).length > 0 && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    assertThat(in(dir, prefix)).as(prefix + "* files in " + dir + " once the request is over").isEmpty();
  }
}
