package io.xgate.gateway.origin;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.Function;

/**
 * The pieces of an origin's response body, as {@link OriginExchange} hands them out, are Netty's pooled memory as the
 * socket read them: relayed to the client without a copy (a 64 KiB response was copied twice before, into a heap
 * buffer and back into direct memory for the client's socket). The garbage collector never returns pooled memory
 * to its pool, so whoever takes a piece passes it on in one of three ways: to the client's response with
 * {@link #write} or {@link #end} (freed once written, or once the write failed), as a heap copy with {@link #keep}
 * (for bytes that wait: in memory or for a temp file), or dropped with {@link #free}. Pieces that are plain heap
 * buffers (from Vert.x's client, or a test) go through the same calls unchanged.
 */
public final class BodyPieces {

  private BodyPieces() {
  }

  /** A piece of pooled memory as a Vert.x buffer; freed at most once. */
  private static final class Pooled extends BufferImpl {
    private ByteBuf memory;

    Pooled(ByteBuf memory) {
      super(memory);
      this.memory = memory;
    }

    void free() {
      ByteBuf m = memory;
      if (m != null) {
        memory = null;
        m.release();
      }
    }
  }

  /** {@code memory} (one reference of it) as a piece. */
  static Buffer wrap(ByteBuf memory) {
    return new Pooled(memory);
  }

  /** Writes {@code piece} to {@code response}; the piece is freed once written. */
  public static Future<Void> write(HttpServerResponse response, Buffer piece) {
    return pass(response::write, piece);
  }

  /** Ends {@code response} with {@code piece}; the piece is freed once written. */
  public static Future<Void> end(HttpServerResponse response, Buffer piece) {
    return pass(response::end, piece);
  }

  private static Future<Void> pass(Function<Buffer, Future<Void>> write, Buffer piece) {
    Future<Void> written;
    try {
      written = write.apply(piece);
    } catch (RuntimeException e) {
      free(piece);
      throw e;
    }
    if (piece instanceof Pooled pooled) {
      written.onComplete(x -> pooled.free());
    }
    return written;
  }

  /** A copy of {@code piece} on the heap, for bytes that wait; the piece itself is freed. */
  public static Buffer keep(Buffer piece) {
    if (piece instanceof Pooled pooled) {
      Buffer copy = Buffer.buffer(piece.getBytes());
      pooled.free();
      return copy;
    }
    return piece;
  }

  /** Drops {@code piece}. */
  public static void free(Buffer piece) {
    if (piece instanceof Pooled pooled) {
      pooled.free();
    }
  }
}
