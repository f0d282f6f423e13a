package io.xgate.gateway.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.ReadStream;
import io.xgate.gateway.origin.BodyPieces;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * {@code proxy_buffering on}: takes an origin's response body as fast as the origin sends it and hands it to the
 * client as fast as the client reads, so a slow client never holds the origin's connection (nginx's event pipe).
 * What the client cannot take yet waits in memory, up to {@code proxy_buffers} (number × size), then in a temp file
 * under {@code proxy_temp_path}, up to {@code proxy_max_temp_file_size} (0: no file); only when both are full is
 * the origin paused; it is paused too while more than {@code proxy_buffers} of spilled bytes wait for the disk, so
 * memory stays bounded when the disk is slower than the origin. Bytes reach the client in the order they came,
 * whichever of the three places they waited in. The proxy makes one when the client first lags behind: until then
 * a body passes straight through, as it would through an empty buffer.
 *
 * <p>The temp file is created on the first spill, written and read through Vert.x's {@link AsyncFile} (off the event
 * loop), and deleted when the response is done or abandoned; {@link TempFiles#clean} removes what a crashed process
 * left. Runs on the request's event loop; not thread-safe.
 */
final class ResponseBuffer {

  /** A stretch of the temp file, {@code [start, end)}, not yet sent to the client. */
  private static final class FileRange {
    long start;
    long end;

    FileRange(long start, long end) {
      this.start = start;
      this.end = end;
    }
  }

  /** A write to the temp file, in the order issued; done when its bytes can be read back. */
  private static final class FileWrite {
    final long end;
    boolean done;

    FileWrite(long end) {
      this.end = end;
    }
  }

  private final Vertx vertx;
  private final ReadStream<Buffer> origin;
  private final HttpServerResponse client;
  private final long memoryLimit;
  private final long fileLimit;
  private final int readChunk;
  private final String tempDir;
  private final Consumer<Path> spilled;
  private final Runnable whenSent;

  /** What waits for the client, oldest first: {@link Buffer}s in memory and {@link FileRange}s of the temp file. */
  private final ArrayDeque<Object> waiting = new ArrayDeque<>();
  private long memoryBytes;

  private Path filePath;
  private AsyncFile file;
  private boolean fileOpening;
  /** Spilled bytes waiting for the file to open, with their offsets. */
  private ArrayDeque<Object[]> unopenedWrites;   // created at the first spill: most responses never spill
  private ArrayDeque<FileWrite> fileWrites;
  private long fileLength;
  private long fileReadable;
  /** Bytes handed to the file but not yet written (held in memory until then), counted against memoryLimit. */
  private long fileBacklog;
  private boolean reading;
  private long peakFileLength;

  private boolean clientEnded;
  private boolean originPaused;
  private boolean originEnded;
  private boolean over;

  /**
   * @param vertx for the temp file
   * @param origin the origin's body, paused here when memory and file are full
   * @param client the client's response the body goes to
   * @param memoryLimit {@code proxy_buffers}: bytes held in memory
   * @param fileLimit {@code proxy_max_temp_file_size}: bytes written to the temp file at most; 0 = none
   * @param readChunk {@code proxy_temp_file_write_size}: bytes read back from the file at once
   * @param tempDir {@code proxy_temp_path}
   * @param spilled told the temp file's path when one is made (nginx warns of it)
   * @param whenSent called once the whole body (after {@link #end()}) was handed to the client and its response
   *     ended
   */
  ResponseBuffer(Vertx vertx, ReadStream<Buffer> origin, HttpServerResponse client, long memoryLimit,
      long fileLimit, long readChunk, String tempDir, Consumer<Path> spilled, Runnable whenSent) {
    this.vertx = vertx;
    this.origin = origin;
    this.client = client;
    this.memoryLimit = memoryLimit;
    this.fileLimit = fileLimit;
    this.readChunk = (int) Math.min(readChunk, 1 << 20);
    this.tempDir = tempDir;
    this.spilled = spilled;
    this.whenSent = whenSent;
    client.drainHandler(v -> pump());
  }

  /**
   * The next bytes of the origin's body; {@code last} when they complete its declared length, so that the client's
   * response can end with them (one write for head, body and end when nothing waits).
   */
  void write(Buffer data, boolean last) {
    if (over) {
      BodyPieces.free(data);
      return;
    }
    if (waiting.isEmpty() && !client.writeQueueFull()) {
      if (last) {
        clientEnded = true;
        BodyPieces.end(client, data);
      } else {
        BodyPieces.write(client, data);
      }
      return;
    }
    if (memoryBytes + data.length() <= memoryLimit) {
      keepInMemory(BodyPieces.keep(data));
    } else if (fileLength + data.length() <= fileLimit) {
      keepInFile(BodyPieces.keep(data));
      if (fileBacklog > memoryLimit) {
        pauseOrigin();   // the disk is slower than the origin: wait for the writes
      }
    } else {
      keepInMemory(BodyPieces.keep(data));   // one read's worth over: the origin is paused until the client takes some
      pauseOrigin();
    }
  }

  private void pauseOrigin() {
    if (!originPaused) {
      originPaused = true;
      origin.pause();
    }
  }

  /** Resumes the origin once its next bytes have a place (memory or file) and the disk has caught up. */
  private void resumeOriginIfRoom() {
    boolean room = memoryBytes < memoryLimit || fileLength < fileLimit;
    if (originPaused && !over && room && fileBacklog <= memoryLimit) {
      originPaused = false;
      origin.resume();
    }
  }

  /** The origin's body is complete: what still waits goes out, then {@code whenSent} runs. */
  void end() {
    originEnded = true;
    pump();
  }

  /** Abandons the response (the client left, or the origin failed): drops what waits and deletes the temp file. */
  void discard() {
    if (over) {
      return;
    }
    over = true;
    waiting.clear();
    if (unopenedWrites != null) {
      unopenedWrites.clear();
    }
    memoryBytes = 0;
    deleteFile();
  }

  /** The largest the temp file grew, in bytes (0 when nothing spilled). */
  long peakFileLength() {
    return peakFileLength;
  }

  /** The temp file while it exists, else {@code null}. */
  Path tempFile() {
    return filePath;
  }

  private void keepInMemory(Buffer data) {
    waiting.add(data);
    memoryBytes += data.length();
  }

  private void keepInFile(Buffer data) {
    long start = fileLength;
    fileBacklog += data.length();
    fileLength += data.length();
    peakFileLength = fileLength;
    if (waiting.peekLast() instanceof FileRange last && last.end == start) {
      last.end = fileLength;
    } else {
      waiting.add(new FileRange(start, fileLength));
    }
    if (file != null) {
      writeToFile(data, start);
      return;
    }
    if (unopenedWrites == null) {
      unopenedWrites = new ArrayDeque<>();
      fileWrites = new ArrayDeque<>();
    }
    unopenedWrites.add(new Object[] {data, start});
    if (!fileOpening) {
      fileOpening = true;
      TempFiles.create(vertx, Path.of(tempDir), TempFiles.RESPONSE)
          .compose(path -> {
            filePath = path;
            spilled.accept(path);
            return vertx.fileSystem().open(path.toString(),
                new OpenOptions().setRead(true).setWrite(true).setTruncateExisting(true));
          })
          .onComplete(ar -> {
            fileOpening = false;
            if (ar.failed()) {
              fail();
              return;
            }
            file = ar.result();
            if (over) {
              deleteFile();
              return;
            }
            while (!unopenedWrites.isEmpty()) {
              Object[] w = unopenedWrites.poll();
              writeToFile((Buffer) w[0], (Long) w[1]);
            }
          });
    }
  }

  /** Writes {@code data} at {@code position}; writes are issued in offset order, and read back once all before are done. */
  private void writeToFile(Buffer data, long position) {
    FileWrite w = new FileWrite(position + data.length());
    fileWrites.add(w);
    file.write(data, position).onComplete(ar -> {
      if (ar.failed()) {
        fail();
        return;
      }
      w.done = true;
      fileBacklog -= data.length();
      while (!fileWrites.isEmpty() && fileWrites.peek().done) {
        fileReadable = fileWrites.poll().end;
      }
      pump();
    });
  }

  /** Hands waiting bytes to the client while it takes them; resumes the origin when there is room again. */
  private void pump() {
    while (!over && !reading && !waiting.isEmpty() && !client.writeQueueFull()) {
      Object head = waiting.peek();
      if (head instanceof Buffer data) {
        waiting.poll();
        memoryBytes -= data.length();
        client.write(data);
      } else {
        FileRange range = (FileRange) head;
        if (file == null || range.start >= fileReadable) {
          return;   // its bytes are still being written: the write's completion pumps again
        }
        readBack(range);
      }
    }
    if (over) {
      return;
    }
    resumeOriginIfRoom();
    if (originEnded && waiting.isEmpty()) {
      over = true;
      deleteFile();
      if (!clientEnded) {
        client.end();
      }
      whenSent.run();
    }
  }

  private void readBack(FileRange range) {
    int length = (int) Math.min(readChunk, Math.min(range.end, fileReadable) - range.start);
    reading = true;
    file.read(Buffer.buffer(length), 0, range.start, length).onComplete(ar -> {
      reading = false;
      if (over) {
        return;
      }
      if (ar.failed()) {
        fail();
        return;
      }
      Buffer data = ar.result();
      range.start += data.length();
      if (range.start >= range.end) {
        waiting.poll();
      }
      client.write(data);
      pump();
    });
  }

  /** The temp file failed: the client's response cannot be completed, so its connection is closed. */
  private void fail() {
    discard();
    client.reset();
  }

  private void deleteFile() {
    AsyncFile f = file;
    Path p = filePath;
    file = null;
    filePath = null;
    if (f != null) {
      f.close().onComplete(x -> TempFiles.delete(vertx, p));
    } else if (p != null) {
      TempFiles.delete(vertx, p);
    }
  }
}
