package io.xgate.gateway.config;

import io.vertx.config.spi.ConfigStore;
import io.vertx.config.spi.ConfigStoreFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.xgate.spi.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A vertx-config store (type {@value #TYPE}) for an nginx-syntax config file: it answers
 * {@code {"path": ..., "fingerprint": ...}}, the fingerprint covering the main file and every file it includes, so a
 * {@code ConfigRetriever} scanning it sees a change whenever any of them changes. The gateway then reloads as on
 * SIGHUP; a bad new config is rejected there, never here (its files still change the fingerprint).
 *
 * <p>Store configuration: {@code {"path": "/etc/xgate/xgate.conf"}}. Reads files on a worker thread.
 */
public final class NginxConfigStore implements ConfigStore {

  /** The store type for {@code ConfigStoreOptions.setType}. */
  public static final String TYPE = "xgate-nginx";

  private final Vertx vertx;
  private final Path path;

  NginxConfigStore(Vertx vertx, Path path) {
    this.vertx = vertx;
    this.path = path;
  }

  @Override
  public Future<Buffer> get() {
    return vertx.executeBlocking(() -> new JsonObject().put("path", path.toString())
        .put("fingerprint", fingerprint(path)).toBuffer(), false);
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  /** A digest of {@code file} and the files it includes (as far as they parse), with their names. */
  static String fingerprint(Path file) {
    NginxConfigParser parser = new NginxConfigParser(file.toAbsolutePath().getParent());
    String error = "";
    try {
      parser.parseFile(file.toAbsolutePath());
    } catch (ConfigException e) {
      error = e.getMessage();   // the files read so far still count; the error text marks where it stopped
    }
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Path f : parser.filesRead()) {
        digest.update(f.toString().getBytes(StandardCharsets.UTF_8));
        try {
          digest.update(Files.readAllBytes(f));
        } catch (IOException e) {
          digest.update((byte) 0);   // missing or unreadable: a state of its own
        }
      }
      digest.update(error.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Found by vertx-config through ServiceLoader. */
  public static final class Factory implements ConfigStoreFactory {

    @Override
    public String name() {
      return TYPE;
    }

    @Override
    public ConfigStore create(Vertx vertx, JsonObject configuration) {
      return new NginxConfigStore(vertx, Path.of(configuration.getString("path")));
    }
  }
}
