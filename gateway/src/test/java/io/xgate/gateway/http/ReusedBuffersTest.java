package io.xgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * An event loop's buffers are handed out again once every user released them, never while one still holds them,
 * and go back to the pool when the loop's thread ends.
 */
class ReusedBuffersTest {

  /** No thread caches: a freed buffer goes back to its arena at once, so the arena's count of live ones is exact. */
  private final PooledByteBufAllocator pool = new PooledByteBufAllocator(true, 0, 1, 8192, 9, 0, 0, false);
  private final ReusedBuffers buffers = new ReusedBuffers(pool);

  @Test
  void aReleasedBufferIsHandedOutAgainEmptyWithoutTouchingThePool() throws Exception {
    onEventLoopThread(() -> {
      ByteBuf first = buffers.directBuffer(300);
      first.writeBytes("response head".getBytes(StandardCharsets.US_ASCII));
      first.release();
      long allocationsBefore = allocations();
      ByteBuf second = buffers.ioBuffer(400);
      assertThat(second).isSameAs(first);
      assertThat(second.readableBytes()).isZero();
      assertThat(second.capacity()).isEqualTo(512);
      assertThat(allocations()).isEqualTo(allocationsBefore);
      second.release();
    });
    assertThat(liveBuffers()).isZero();
  }

  @Test
  void aBufferSomeoneStillHoldsIsLeftAloneUntilItsLastHolderReleasesIt() throws Exception {
    onEventLoopThread(() -> {
      ByteBuf read = buffers.directBuffer(2048);
      read.writeBytes("a body piece".getBytes(StandardCharsets.US_ASCII));
      ByteBuf piece = read.retainedSlice(2, 4);   // waits in a slow client's socket queue
      read.release();
      ByteBuf next = buffers.directBuffer(2048);
      next.writeBytes("overwritten?".getBytes(StandardCharsets.US_ASCII));
      assertThat(next).isNotSameAs(read);
      assertThat(piece.toString(StandardCharsets.US_ASCII)).isEqualTo("body");
      piece.release();
      next.release();
      assertThat(buffers.directBuffer(2048)).isSameAs(read).satisfies(ByteBuf::release);
    });
    assertThat(liveBuffers()).isZero();
  }

  @Test
  void whenEveryBufferOfASizeIsHeldTheOldestIsLetGoAndFreedByItsLastHolder() throws Exception {
    onEventLoopThread(() -> {
      List<ByteBuf> held = new ArrayList<>();
      for (int i = 0; i < ReusedBuffers.PER_SIZE + 3; i++) {
        held.add(buffers.directBuffer(1000));
      }
      assertThat(held.stream().map(System::identityHashCode)).doesNotHaveDuplicates();
      assertThat(liveBuffers()).isEqualTo(ReusedBuffers.PER_SIZE + 3);
      held.forEach(ByteBuf::release);
      assertThat(liveBuffers()).as("only the loop's own buffers stay").isEqualTo(ReusedBuffers.PER_SIZE);
      assertThat(held.get(0).refCnt()).as("let go, then released by its holder").isZero();
    });
    assertThat(liveBuffers()).as("the loop's buffers go back when its thread ends").isZero();
  }

  @Test
  void aBufferGrownByItsUserIsHandedOutAgainAtItsSize() throws Exception {
    onEventLoopThread(() -> {
      ByteBuf head = buffers.directBuffer(200);
      head.writeBytes(new byte[3000]);   // a response head larger than guessed
      head.release();
      ByteBuf again = buffers.directBuffer(200);
      assertThat(again).isSameAs(head);
      assertThat(again.capacity()).isEqualTo(512);
      again.release();
    });
    assertThat(liveBuffers()).isZero();
  }

  @Test
  void aBufferReleasedOnceTooOftenIsReplacedNotHandedOutDead() throws Exception {
    onEventLoopThread(() -> {
      ByteBuf buggy = buffers.directBuffer(100);
      buggy.release(2);   // a user's bug takes the allocator's reference too
      ByteBuf next = buffers.directBuffer(100);   // the pool may hand the same object out again, alive
      assertThat(next.refCnt()).as("the user's and the allocator's").isEqualTo(2);
      assertThat(next.writeByte(1).readableBytes()).isEqualTo(1);
      next.release();
    });
    assertThat(liveBuffers()).isZero();
  }

  @Test
  void largeOrLimitedOrHeapBuffersAndOtherThreadsGoToThePool() throws Exception {
    onEventLoopThread(() -> {
      ByteBuf large = buffers.directBuffer(100_000);
      large.release();
      assertThat(large.refCnt()).isZero();
      ByteBuf limited = buffers.directBuffer(100, 100);
      limited.release();
      assertThat(limited.refCnt()).isZero();
      ByteBuf heap = buffers.heapBuffer(100);
      assertThat(heap.hasArray()).isTrue();
      heap.release();
    });
    ByteBuf fromTestThread = buffers.directBuffer(100);   // not an event loop: nothing kept for it
    fromTestThread.release();
    assertThat(fromTestThread.refCnt()).isZero();
    assertThat(liveBuffers()).isZero();
  }

  // ------------------------------------------------------------------ helpers

  /** Runs {@code body} on a thread made as Netty makes an event loop's (its fast thread locals removed at its end). */
  private static void onEventLoopThread(Runnable body) throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread loop = new DefaultThreadFactory("loop").newThread(() -> {
      try {
        body.run();
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    loop.start();
    loop.join(10_000);
    assertThat(loop.isAlive()).isFalse();
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
  }

  private long liveBuffers() {
    return pool.metric().directArenas().stream().mapToLong(PoolArenaMetric::numActiveAllocations).sum();
  }

  private long allocations() {
    return pool.metric().directArenas().stream().mapToLong(PoolArenaMetric::numAllocations).sum();
  }
}
