package io.xgate.gateway.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The temp files of buffered request bodies ({@code client_body_temp_path}) and responses ({@code proxy_temp_path}):
 * named {@code xgate-KIND-*.tmp}, created and deleted through Vert.x's file system (off the event loop), and what a
 * crashed process left removed at the next start.
 */
public final class TempFiles {

  /** Request bodies. */
  static final String BODY = "body";
  /** Buffered responses. */
  static final String RESPONSE = "response";

  private static final String PREFIX = "xgate-";

  private TempFiles() {
  }

  /** Creates a new empty temp file of {@code kind} in {@code dir} (made if missing). */
  static Future<Path> create(Vertx vertx, Path dir, String kind) {
    return vertx.fileSystem().mkdirs(dir.toString())
        .compose(x -> vertx.fileSystem().createTempFile(dir.toString(), PREFIX + kind + "-", ".tmp", (String) null))
        .map(Path::of);
  }

  /** Deletes {@code file}; a file already gone is fine. */
  static void delete(Vertx vertx, Path file) {
    vertx.fileSystem().delete(file.toString()).onFailure(e -> { });
  }

  /** Deletes every xgate temp file a previous process left in {@code dir} (at start; blocking, not on an event loop). */
  public static void clean(Path dir) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*.tmp")) {
      for (Path f : files) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      // best effort: a file left over is only disk space
    }
  }
}
