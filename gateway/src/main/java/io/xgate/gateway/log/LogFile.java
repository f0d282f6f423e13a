package io.xgate.gateway.log;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An append-only log file written by its own thread: event loops only {@link #append} a line to a queue (never
 * blocking; lines beyond the queue's bound are counted and dropped rather than stalling requests), and the writer
 * thread batches them to disk, flushing whenever the queue runs empty. {@code "stderr"} writes to standard error.
 */
public final class LogFile implements AutoCloseable {

  private static final int QUEUE_LIMIT = 65_536;
  private static final String STOP = new String("stop");

  private final String path;
  private final BlockingQueue<String> queue = new LinkedBlockingQueue<>(QUEUE_LIMIT);
  private final Thread writerThread;
  private volatile long dropped;
  /** Lines queued so far, and lines written and flushed so far: a flush waits for the second to reach the first. */
  private final AtomicLong queued = new AtomicLong();
  private volatile long flushed;

  private LogFile(String path, Writer writer) {
    this.path = path;
    this.writerThread = new Thread(() -> drain(writer), "xgate-log " + path);
    this.writerThread.setDaemon(true);
    this.writerThread.start();
  }

  /**
   * Opens {@code path} for appending (creating its folders), or standard error for {@code "stderr"}. Lines are
   * written one byte per char (ISO-8859-1): what they quote of a request or a config is a byte string, and goes out
   * as the bytes that came in, as nginx writes them.
   */
  public static LogFile open(String path) throws IOException {
    Writer writer;
    if (path.equals("stderr")) {
      writer = new OutputStreamWriter(System.err, StandardCharsets.ISO_8859_1);
    } else {
      Path p = Path.of(path);
      if (p.getParent() != null) {
        Files.createDirectories(p.getParent());
      }
      writer = Files.newBufferedWriter(p, StandardCharsets.ISO_8859_1, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }
    return new LogFile(path, writer);
  }

  public String path() {
    return path;
  }

  /** Queues one line (without its newline). Never blocks. */
  public void append(String line) {
    if (queue.offer(line)) {
      queued.incrementAndGet();
    } else {
      dropped++;
    }
  }

  /** Lines dropped because the writer fell behind. */
  public long dropped() {
    return dropped;
  }

  private void drain(Writer writer) {
    List<String> batch = new ArrayList<>(256);
    long written = 0;
    try (Writer w = writer instanceof BufferedWriter ? writer : new BufferedWriter(writer)) {
      while (true) {
        String first = queue.take();
        batch.add(first);
        queue.drainTo(batch, 4096);
        boolean stop = false;
        for (String line : batch) {
          if (line == STOP) {
            stop = true;
            break;
          }
          w.write(line);
          w.write('\n');
          written++;
        }
        batch.clear();
        if (queue.isEmpty() || stop) {
          w.flush();
          flushed = written;
        }
        if (stop) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      System.err.println("xgate: writing " + path + " failed: " + e);
    }
  }

  /**
   * Waits until every line queued so far is written and flushed, at most {@code maxMillis}; returns whether it
   * got there. Unlike {@link #close()} the writer keeps running.
   */
  public boolean awaitFlushed(long maxMillis) {
    long deadline = System.nanoTime() + maxMillis * 1_000_000;
    long target = queued.get();
    while (flushed < target) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.onSpinWait();
    }
    return true;
  }

  /** Writes what is queued, then stops the writer. */
  @Override
  public void close() {
    try {
      queue.put(STOP);
      writerThread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
