package io.xgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the buffers of one proxied small request cost: taken from Netty's pooled allocator and given back, or handed
 * out again by {@link ReusedBuffers}. The benchmark threads are made as Netty makes an event loop's (a
 * {@code FastThreadLocalThread}), since {@link ReusedBuffers} keeps buffers for such threads only. Run with the
 * {@code bench} profile (see BENCHMARKS.md); not part of the default build.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.allocator.type=pooled", "-Djmh.executor=CUSTOM",
    "-Djmh.executor.class=io.xgate.gateway.http.BufferBenchmark$EventLoopThreads"})
@State(Scope.Thread)
public class BufferBenchmark {

  @Param({"pooled", "reused"})
  public String allocator;

  private ByteBufAllocator buffers;
  private long sequence;

  @Setup
  public void setUp() {
    buffers = allocator.equals("pooled") ? ByteBufAllocator.DEFAULT : ReusedBuffers.DEFAULT;
  }

  /**
   * The four buffers of a proxied request, held as the proxy holds them: the client's request read (held while the
   * request head is written to the origin), the origin's answer read (held while the response head is written).
   */
  @Benchmark
  public int proxiedRequest() {
    long n = sequence++;
    ByteBuf clientRead = buffers.ioBuffer(2048).writeLong(n);
    ByteBuf originWrite = buffers.buffer(256).writeLong(n);
    int bytes = originWrite.readableBytes();
    originWrite.release();
    clientRead.release();
    ByteBuf originRead = buffers.ioBuffer(2048).writeLong(n);
    ByteBuf clientWrite = buffers.buffer(300).writeLong(n);
    bytes += clientWrite.readableBytes();
    clientWrite.release();
    originRead.release();
    return bytes;
  }

  /** JMH's benchmark threads, made by Netty's thread factory as an event loop's are. */
  public static class EventLoopThreads extends ThreadPoolExecutor {
    public EventLoopThreads(int maxThreads, String prefix) {
      super(maxThreads, maxThreads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
          new DefaultThreadFactory(prefix));
    }
  }
}
