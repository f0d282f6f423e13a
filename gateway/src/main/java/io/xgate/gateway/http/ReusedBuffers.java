package io.xgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;

/**
 * The channels' buffer allocator: each event loop keeps a few direct buffers of its own and hands one out again as
 * soon as everyone it was handed to has released it, as nginx reads and writes through the same few buffers of a
 * connection instead of taking new memory for every read and every write.
 *
 * <p>A proxied request takes four buffers (the client's request read, the request head written to the origin, the
 * origin's answer read, the response head written to the client), each used for a microsecond or two. Taking each
 * from Netty's pool and giving it back (its thread cache's queue, a recycled buffer object, the reference count's
 * way to zero, the memory's way back to the cache) was ~15 % of the gateway's user CPU on small responses. Here a
 * buffer handed out is the same object with one more reference: {@code retain} on the way out, the user's
 * {@code release} on the way back, nothing freed.
 *
 * <p>The rule that makes it safe is Netty's own reference counting: this allocator keeps one reference to each of
 * its buffers, so a buffer whose count is 1 is held by nobody else (no reader, no slice of a body piece waiting in a
 * slow client's socket queue, no decoder's cumulation) and may be cleared and handed out again. A buffer still held
 * is left alone: the next free one is taken, and when all of a size's buffers are held, the oldest is let go (the
 * allocator drops its reference; the last holder's release frees it) and a new one takes its place, so memory held
 * by slow connections is what it would be with the pool.
 *
 * <p>Sizes: a request for up to 64 KiB gets a buffer of the next power of two from 512 bytes on (a size keeps
 * {@value #PER_SIZE} buffers per event loop, made on first use: at most ~512 KiB a loop). Larger requests, heap
 * buffers, buffers with a capacity limit and requests from threads that are not event loops go to the pool as
 * before. A loop's buffers are released when its thread ends.
 */
public final class ReusedBuffers implements ByteBufAllocator {

  /** Buffers kept per size and event loop. */
  static final int PER_SIZE = 4;
  private static final int SMALLEST_SHIFT = 9;   // 512 bytes
  private static final int LARGEST_SHIFT = 16;   // 64 KiB

  private final ByteBufAllocator pool;
  private final FastThreadLocal<LoopBuffers> ofLoop = new FastThreadLocal<>() {
    @Override
    protected LoopBuffers initialValue() {
      return new LoopBuffers();
    }

    @Override
    protected void onRemoval(LoopBuffers buffers) {
      buffers.releaseAll();
    }
  };

  /** Hands out buffers of {@code pool}, and takes what it does not keep from it. */
  public ReusedBuffers(ByteBufAllocator pool) {
    this.pool = pool;
  }

  /** The one the gateway's channels use, over Netty's default allocator. */
  public static final ReusedBuffers DEFAULT = new ReusedBuffers(ByteBufAllocator.DEFAULT);

  @Override
  public ByteBuf directBuffer(int initialCapacity, int maxCapacity) {
    if (maxCapacity != Integer.MAX_VALUE || initialCapacity > (1 << LARGEST_SHIFT) || initialCapacity < 0
        || !(Thread.currentThread() instanceof FastThreadLocalThread)) {
      return pool.directBuffer(initialCapacity, maxCapacity);
    }
    return ofLoop.get().take(initialCapacity);
  }

  @Override
  public ByteBuf directBuffer(int initialCapacity) {
    return directBuffer(initialCapacity, Integer.MAX_VALUE);
  }

  @Override
  public ByteBuf directBuffer() {
    return directBuffer(256, Integer.MAX_VALUE);
  }

  @Override
  public ByteBuf buffer() {
    return pool.isDirectBufferPooled() ? directBuffer() : pool.heapBuffer();
  }

  @Override
  public ByteBuf buffer(int initialCapacity) {
    return pool.isDirectBufferPooled() ? directBuffer(initialCapacity) : pool.heapBuffer(initialCapacity);
  }

  @Override
  public ByteBuf buffer(int initialCapacity, int maxCapacity) {
    return pool.isDirectBufferPooled() ? directBuffer(initialCapacity, maxCapacity)
        : pool.heapBuffer(initialCapacity, maxCapacity);
  }

  @Override
  public ByteBuf ioBuffer() {
    return directBuffer();
  }

  @Override
  public ByteBuf ioBuffer(int initialCapacity) {
    return directBuffer(initialCapacity);
  }

  @Override
  public ByteBuf ioBuffer(int initialCapacity, int maxCapacity) {
    return directBuffer(initialCapacity, maxCapacity);
  }

  @Override
  public ByteBuf heapBuffer() {
    return pool.heapBuffer();
  }

  @Override
  public ByteBuf heapBuffer(int initialCapacity) {
    return pool.heapBuffer(initialCapacity);
  }

  @Override
  public ByteBuf heapBuffer(int initialCapacity, int maxCapacity) {
    return pool.heapBuffer(initialCapacity, maxCapacity);
  }

  @Override
  public CompositeByteBuf compositeBuffer() {
    return pool.compositeBuffer();
  }

  @Override
  public CompositeByteBuf compositeBuffer(int maxNumComponents) {
    return pool.compositeBuffer(maxNumComponents);
  }

  @Override
  public CompositeByteBuf compositeHeapBuffer() {
    return pool.compositeHeapBuffer();
  }

  @Override
  public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
    return pool.compositeHeapBuffer(maxNumComponents);
  }

  @Override
  public CompositeByteBuf compositeDirectBuffer() {
    return pool.compositeDirectBuffer();
  }

  @Override
  public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
    return pool.compositeDirectBuffer(maxNumComponents);
  }

  @Override
  public boolean isDirectBufferPooled() {
    return pool.isDirectBufferPooled();
  }

  @Override
  public int calculateNewCapacity(int minNewCapacity, int maxCapacity) {
    return pool.calculateNewCapacity(minNewCapacity, maxCapacity);
  }

  /** One event loop's buffers, by size; used on that loop's thread only. */
  private final class LoopBuffers {
    private final ByteBuf[][] bySize = new ByteBuf[LARGEST_SHIFT - SMALLEST_SHIFT + 1][PER_SIZE];
    private final int[] oldest = new int[bySize.length];

    ByteBuf take(int capacity) {
      int shift = capacity <= (1 << SMALLEST_SHIFT) ? SMALLEST_SHIFT : 32 - Integer.numberOfLeadingZeros(capacity - 1);
      int size = 1 << shift;
      ByteBuf[] kept = bySize[shift - SMALLEST_SHIFT];
      for (int i = 0; i < kept.length; i++) {
        ByteBuf b = kept[i];
        if (b == null) {
          b = pool.directBuffer(size, Integer.MAX_VALUE);
          kept[i] = b;
          return b.retain();
        }
        int references = b.refCnt();
        if (references == 0) {   // released once too often by a user: no longer this allocator's
          b = pool.directBuffer(size, Integer.MAX_VALUE);
          kept[i] = b;
          return b.retain();
        }
        if (references == 1) {   // only this allocator's reference: nobody uses it
          if (b.capacity() != size) {
            b.capacity(size);   // a user grew it; it goes back to its size
          }
          b.clear();
          return b.retain();
        }
      }
      int i = oldest[shift - SMALLEST_SHIFT];
      oldest[shift - SMALLEST_SHIFT] = (i + 1) % kept.length;
      kept[i].release();   // its holders keep it as long as they need it
      ByteBuf b = pool.directBuffer(size, Integer.MAX_VALUE);
      kept[i] = b;
      return b.retain();
    }

    void releaseAll() {
      for (ByteBuf[] kept : bySize) {
        for (int i = 0; i < kept.length; i++) {
          if (kept[i] != null) {
            kept[i].release();
            kept[i] = null;
          }
        }
      }
    }
  }
}
