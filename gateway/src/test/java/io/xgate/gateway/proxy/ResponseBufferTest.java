package io.xgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.ReadStream;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The buffer between a fast origin and a slow client, driven by hand: what goes where, and when the origin waits. */
class ResponseBufferTest {

  private static final int CHUNK = 16 * 1024;

  @TempDir
  Path temp;

  private final Vertx vertx = Vertx.vertx();
  private final Origin origin = new Origin();
  private final Client client = new Client();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void spilledBytesPauseTheOriginUntilTheDiskHasThemAndEveryByteArrivesInOrder() throws Exception {
    byte[] body = new byte[64 * CHUNK];
    new Random(1).nextBytes(body);
    CompletableFuture<Void> sent = new CompletableFuture<>();
    ResponseBuffer[] buffer = new ResponseBuffer[1];
    boolean pausedAfterWrites = onContext(() -> {
      buffer[0] = new ResponseBuffer(vertx, origin, client.response, 2 * CHUNK, 1 << 30, 2 * CHUNK,
          temp.resolve("proxy_temp").toString(), path -> { }, () -> sent.complete(null));
      client.full = true;
      for (int i = 0; i < 64; i++) {
        buffer[0].write(Buffer.buffer().appendBytes(body, i * CHUNK, CHUNK), false);
      }
      // read here: once this task ends, the disk may catch up and resume the origin before the test looks
      return origin.paused;
    });
    assertThat(pausedAfterWrites).as("62 chunks went to the file faster than it could write them").isTrue();
    await(() -> !origin.paused, "the origin resumes once the disk has caught up");
    Path file = onContext(() -> buffer[0].tempFile());
    assertThat(Files.size(file)).isEqualTo(62L * CHUNK);
    assertThat(client.received.length()).isZero();

    onContext(() -> {
      client.full = false;
      buffer[0].end();
      client.drain.handle(null);
      return null;
    });
    sent.get(10, TimeUnit.SECONDS);
    assertThat(client.received.getBytes()).isEqualTo(body);
    assertThat(client.ends).as("the client's response ended once, after the last byte").isEqualTo(1);
    await(() -> !Files.exists(file), "the temp file is deleted once the client has everything");
  }

  @Test
  void withoutATempFileTheOriginPausesWhenMemoryIsFullAndResumesWhenTheClientTakesIt() throws Exception {
    ResponseBuffer buffer = onContext(() -> {
      ResponseBuffer b = new ResponseBuffer(vertx, origin, client.response, 2 * CHUNK, 0, CHUNK,
          temp.resolve("proxy_temp").toString(), path -> { }, () -> { });
      client.full = true;
      for (int i = 0; i < 3; i++) {
        b.write(Buffer.buffer(new byte[CHUNK]), false);
      }
      return b;
    });
    assertThat(origin.paused).isTrue();
    onContext(() -> {
      client.full = false;
      client.drain.handle(null);
      return null;
    });
    assertThat(origin.paused).isFalse();
    assertThat(client.received.length()).isEqualTo(3 * CHUNK);
    assertThat(onContext(buffer::tempFile)).isNull();
  }

  @Test
  void theLastBytesOfADeclaredLengthEndTheResponseInOneWriteWhenNothingWaits() throws Exception {
    int ends = sendBodyEndingWithLastBytes(false);
    assertThat(ends).as("ended with the last bytes, before the origin's end").isEqualTo(1);
    assertThat(client.ends).as("the origin's end does not end the response again").isEqualTo(1);
  }

  @Test
  void lastBytesThatMustWaitEndTheResponseWhenTheyAreSent() throws Exception {
    int ends = sendBodyEndingWithLastBytes(true);
    assertThat(ends).as("nothing ended while the last bytes waited").isZero();
    assertThat(client.ends).isEqualTo(1);
  }

  /**
   * Sends a chunk and then the last 7 bytes of a declared length (the client's queue full meanwhile when
   * {@code clientFull}), then the origin's end, then lets the client drain; returns how often the client's response
   * was ended before the origin's end.
   */
  private int sendBodyEndingWithLastBytes(boolean clientFull) throws Exception {
    CompletableFuture<Void> sent = new CompletableFuture<>();
    int endsBeforeOriginEnd = onContext(() -> {
      ResponseBuffer b = new ResponseBuffer(vertx, origin, client.response, 2 * CHUNK, 0, CHUNK,
          temp.resolve("proxy_temp").toString(), path -> { }, () -> sent.complete(null));
      client.full = clientFull;
      b.write(Buffer.buffer(new byte[CHUNK]), false);
      b.write(Buffer.buffer(new byte[7]), true);
      int ends = client.ends;
      b.end();
      client.full = false;
      client.drain.handle(null);
      return ends;
    });
    sent.get(10, TimeUnit.SECONDS);
    assertThat(client.received.length()).isEqualTo(CHUNK + 7);
    return endsBeforeOriginEnd;
  }

  private <T> T onContext(java.util.concurrent.Callable<T> action) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      try {
        done.complete(action.call());
      } catch (Exception e) {
        done.completeExceptionally(e);
      }
    });
    return done.get(10, TimeUnit.SECONDS);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean() && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }

  /** The origin's body stream: only its pause state matters here. */
  private static final class Origin implements ReadStream<Buffer> {
    volatile boolean paused;

    @Override
    public ReadStream<Buffer> pause() {
      paused = true;
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      paused = false;
      return this;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
      return this;
    }
  }

  /** A client response whose write queue is full while {@link #full} says so; keeps what it was given. */
  private static final class Client {
    volatile boolean full;
    volatile int ends;
    final Buffer received = Buffer.buffer();
    Handler<Void> drain;
    final HttpServerResponse response = (HttpServerResponse) Proxy.newProxyInstance(
        HttpServerResponse.class.getClassLoader(), new Class<?>[] {HttpServerResponse.class}, (proxy, m, args) -> {
          switch (m.getName()) {
            case "writeQueueFull":
              return full;
            case "write":
              received.appendBuffer((Buffer) args[0]);
              return io.vertx.core.Future.succeededFuture();
            case "end":
              if (args != null && args.length == 1) {
                received.appendBuffer((Buffer) args[0]);
              }
              ends++;
              return io.vertx.core.Future.succeededFuture();
            case "drainHandler":
              drain = (Handler<Void>) args[0];
              return proxy;
            default:
              throw new UnsupportedOperationException(m.getName());
          }
        });
  }
}
