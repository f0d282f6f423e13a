package io.xgate.gateway.proxy;

import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.streams.ReadStream;
import io.xgate.gateway.http.HeaderNames;
import io.xgate.gateway.origin.OriginExchange;
import io.xgate.gateway.origin.OriginResponse;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A client request body read in full before it is proxied ({@code proxy_request_buffering on}, nginx's default):
 * in memory up to {@code client_body_buffer_size}, beyond that in a temp file under {@code client_body_temp_path}
 * written off the event loop. Because it is kept, it can be sent again to the next peer on a retry. The temp file is
 * deleted by {@link #discard()} (the request's end, whatever it was) and, after a crash, by
 * {@link TempFiles#clean} at the next start.
 */
public final class RequestBody {

  /** The body was larger than {@code client_max_body_size}. */
  static final class TooLarge extends RuntimeException {
    /** The body's bytes before the piece that went over the limit, and that piece's. */
    final long before;
    final long piece;

    TooLarge(long before, long piece) {   // also made by ClientBodyStream for a body that streams
      super("request body too large", null, false, false);
      this.before = before;
      this.piece = piece;
    }
  }

  private final Vertx vertx;
  private Buffer memory = Buffer.buffer();
  private Path file;
  private AsyncFile writer;
  private long length;
  private boolean discarded;

  private RequestBody(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Reads a request's body from {@code request} (paused; this resumes it).
   *
   * @param memoryLimit bytes kept in memory before spilling to a file
   * @param maxSize {@code client_max_body_size}, 0 = no limit; beyond it the future fails with {@link TooLarge}
   * @param tempDir where a spilled body goes
   * @param spilled told the temp file's path when one is made (nginx warns of it)
   */
  static Future<RequestBody> read(Vertx vertx, ReadStream<Buffer> request, long memoryLimit, long maxSize,
      Path tempDir, Consumer<Path> spilled) {
    RequestBody body = new RequestBody(vertx);
    Promise<RequestBody> done = Promise.promise();
    boolean[] spilling = {false};
    request.handler(buf -> {
      if (done.future().isComplete()) {
        return;
      }
      body.length += buf.length();
      if (maxSize > 0 && body.length > maxSize) {
        body.discard();
        done.tryFail(new TooLarge(body.length - buf.length(), buf.length()));
        return;
      }
      if (body.writer != null) {
        body.writer.write(buf);
        if (body.writer.writeQueueFull()) {
          request.pause();
          body.writer.drainHandler(v -> request.resume());
        }
        return;
      }
      body.memory.appendBuffer(buf);
      if (body.memory.length() > memoryLimit && !spilling[0]) {
        spilling[0] = true;
        request.pause();
        body.spill(tempDir, spilled).onComplete(ar -> {
          if (ar.failed()) {
            body.discard();
            done.tryFail(ar.cause());
          } else {
            request.resume();
          }
        });
      }
    });
    request.exceptionHandler(e -> {
      body.discard();
      done.tryFail(e);
    });
    request.endHandler(v -> {
      if (done.future().isComplete()) {
        return;
      }
      body.finish().onComplete(ar -> {
        if (ar.succeeded()) {
          done.tryComplete(body);
        } else {
          body.discard();
          done.tryFail(ar.cause());
        }
      });
    });
    request.resume();
    return done.future();
  }

  /** Moves what is in memory to a new temp file and writes there from now on. */
  private Future<Void> spill(Path tempDir, Consumer<Path> spilled) {
    return TempFiles.create(vertx, tempDir, TempFiles.BODY)
        .compose(path -> {
          file = path;
          spilled.accept(path);
          return vertx.fileSystem().open(path.toString(), new OpenOptions().setWrite(true).setTruncateExisting(true));
        })
        .map(f -> {
          if (discarded) {
            f.close();
            deleteFile();
            return null;
          }
          writer = f;
          writer.write(memory);
          memory = null;
          return null;
        });
  }

  /**
   * Completes when the whole body is kept: at once in memory, after the file's last write otherwise. (While the
   * file is being opened the request is paused, so its end cannot arrive before the writer exists.)
   */
  private Future<Void> finish() {
    if (writer == null) {
      return Future.succeededFuture();
    }
    AsyncFile w = writer;
    writer = null;
    return w.end();
  }

  /** The body's length in bytes. */
  long length() {
    return length;
  }

  /** Whether the body spilled to a temp file. */
  boolean inFile() {
    return file != null;
  }

  /**
   * Sends the body as {@code out}'s payload (again on every retry; the caller has declared its length, as nginx
   * sends a read body); {@code headRead} gets the response's head, or the failure.
   */
  void send(OriginExchange out, Completable<OriginResponse> headRead) {
    if (file == null) {
      out.send(memory, headRead);
      return;
    }
    vertx.fileSystem().open(file.toString(), new OpenOptions().setRead(true)).onComplete(opened -> {
      if (opened.failed()) {
        out.reset();
        headRead.fail(opened.cause());
        return;
      }
      AsyncFile in = opened.result();
      // bytes sent go with their length, as from memory (a proxy_set_header Content-Length "" only drops it when
      // the body is not sent: proxy_pass_request_body off)
      out.setHeader(HeaderNames.CONTENT_LENGTH, Long.toString(length()));
      out.send(in, (response, failure) -> {
        in.close();
        headRead.complete(response, failure);
      });
    });
  }

  /** Deletes the temp file, if any. Idempotent. */
  void discard() {
    discarded = true;
    if (writer != null) {
      AsyncFile w = writer;
      writer = null;
      w.close().onComplete(x -> deleteFile());
    } else if (file != null) {
      deleteFile();
    }
  }

  private void deleteFile() {
    if (file != null) {
      TempFiles.delete(vertx, file);
    }
  }

}
