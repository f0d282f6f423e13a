package io.xgate.gateway.origin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.NetServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * nginx's upstream keep-alive cache, as {@link OriginPool} keeps it, against a real loopback origin that counts the
 * connections it sees: how many idle connections stay, which one a request takes, when they close.
 */
class OriginPoolTest {

  /** The length of the answers to /big*: several socket reads. */
  private static final int BIG = 256 * 1024;

  private final Vertx vertx = Vertx.vertx();
  private ContextInternal context;
  private HttpServer origin;
  private final AtomicInteger opened = new AtomicInteger();
  private final AtomicInteger closed = new AtomicInteger();
  /** Requests to /hold wait here until the test answers them. */
  private final List<HttpServerRequest> held = new ArrayList<>();

  @BeforeEach
  void startOrigin() throws Exception {
    context = (ContextInternal) vertx.getOrCreateContext();
    origin = vertx.createHttpServer()
        .connectionHandler(c -> {
          opened.incrementAndGet();
          c.closeHandler(v -> closed.incrementAndGet());
        })
        .requestHandler(req -> {
          if (req.path().startsWith("/big")) {
            req.response().end(Buffer.buffer(new byte[BIG]));
          } else if (req.path().equals("/hold")) {
            synchronized (held) {
              held.add(req);
            }
          } else if (!req.path().equals("/silent")) {
            req.response().end("ok " + req.path());
          }
        });
    origin.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void keepsAtMostKeepaliveIdleConnectionsClosingTheLeastRecentlyUsed() throws Exception {
    OriginPool pool = pool(2, 60_000, 1000);
    List<CompletableFuture<String>> answers = new ArrayList<>();
    List<OriginConnection> connections = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      OriginConnection c = acquire(pool);
      connections.add(c);
      answers.add(exchange(c, "/hold", 10_000));
    }
    await(() -> heldCount() == 3, "three requests at the origin, on three connections");
    for (int i = 0; i < 3; i++) {   // answered (and so released) in the order they were opened
      answerHeld(i);
      assertThat(answers.get(i).get(10, TimeUnit.SECONDS)).isEqualTo("ok /hold");
    }
    await(() -> closed.get() == 1, "the least recently used connection is closed when a third goes idle");
    assertThat(onContext(pool::idleCount)).isEqualTo(2);
    assertThat(connections.get(0).isOpen()).isFalse();
    assertThat(acquire(pool)).as("a request takes the most recently used idle connection")
        .isSameAs(connections.get(2));
    assertThat(acquire(pool)).isSameAs(connections.get(1));
    assertThat(opened.get()).isEqualTo(3);
  }

  @Test
  void aRequestsHeadersAreTheProxysOwnCheckedThenTheClientsPassedOnesAsDecoded() throws Exception {
    OriginPool pool = pool(4, 60_000, 1000);
    OriginConnection c = acquire(pool);
    assertThat(onContext(() -> {
      OriginExchange exchange = c.exchange(context, HttpMethod.GET, "/", HttpVersion.HTTP_1_1, 10_000, 10_000, 4096);
      try {
        io.netty.handler.codec.http.HttpHeaders decoded = new io.netty.handler.codec.http.DefaultHttpHeaders();
        decoded.add("X-From-Client", "v").add("X-Hop", "h");
        exchange.passClientHeaders(decoded, name -> !name.toString().equalsIgnoreCase("x-hop"));
        exchange.setHeader("Host", "origin");
        exchange.setHeader("Connection", "close");
        exchange.removeHeader("connection");
        StringBuilder seen = new StringBuilder();
        for (String[] bad : new String[][] {{"X-Injected", "a\r\nX-Evil: 1"}, {"Bad Name", "v"}}) {
          try {   // a plugin's or a variable's mistake
            exchange.setHeader(bad[0], bad[1]);
          } catch (IllegalArgumentException refused) {
            seen.append("refused; ");
          }
        }
        try {
          exchange.requestHeadersToEdit().add("X-Injected", "a\r\nX-Evil: 1");
        } catch (IllegalArgumentException refused) {
          seen.append("refused in the map; ");
        }
        exchange.requestHeaders().forEach((name, value) -> seen.append(name).append('=').append(value).append(' '));
        return seen.toString();
      } finally {
        exchange.reset();
      }
    })).isEqualTo("refused; refused; refused in the map; Host=origin X-From-Client=v ");
  }

  @Test
  void aConnectionCarriesAtMostKeepaliveRequests() throws Exception {
    OriginPool pool = pool(4, 60_000, 2);
    for (int i = 0; i < 5; i++) {
      assertThat(exchange(acquire(pool), "/" + i, 10_000).get(10, TimeUnit.SECONDS)).isEqualTo("ok /" + i);
    }
    assertThat(opened.get()).as("requests 1-2, 3-4 and 5 on their own connections").isEqualTo(3);
    await(() -> closed.get() == 2, "a connection is closed after its second request");
  }

  @Test
  void anIdleConnectionClosesAfterKeepaliveTimeout() throws Exception {
    OriginPool pool = pool(4, 300, 1000);
    exchange(acquire(pool), "/a", 10_000).get(10, TimeUnit.SECONDS);
    assertThat(onContext(pool::idleCount)).isEqualTo(1);
    await(() -> closed.get() == 1, "the idle connection closes after keepalive_timeout");
    assertThat(onContext(pool::idleCount)).isZero();
    assertThat(exchange(acquire(pool), "/b", 10_000).get(10, TimeUnit.SECONDS)).isEqualTo("ok /b");
    assertThat(opened.get()).isEqualTo(2);
  }

  @Test
  void withoutKeepaliveEveryConnectionClosesAfterItsAnswer() throws Exception {
    OriginPool pool = pool(0, 60_000, 1000);
    for (int i = 0; i < 2; i++) {
      exchange(acquire(pool), "/" + i, 10_000).get(10, TimeUnit.SECONDS);
    }
    assertThat(opened.get()).isEqualTo(2);
    await(() -> closed.get() == 2, "both connections are closed");
    assertThat(onContext(pool::idleCount)).isZero();
  }

  @Test
  void aConnectionTheOriginClosesLeavesTheCacheAndTheNextRequestOpensANewOne() throws Exception {
    OriginPool pool = pool(4, 60_000, 1000);
    OriginConnection first = acquire(pool);
    exchange(first, "/a", 10_000).get(10, TimeUnit.SECONDS);
    await(() -> opened.get() == 1, "connected");
    origin.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);   // closes its connections
    await(() -> idleCount(pool) == 0, "the closed connection leaves the cache");
    startOrigin();
    assertThat(exchange(acquire(pool), "/b", 10_000).get(10, TimeUnit.SECONDS)).isEqualTo("ok /b");
  }

  @Test
  void retiringClosesIdleConnectionsNowAndBusyOnesWhenTheirAnswerIsRead() throws Exception {
    OriginPool pool = pool(4, 60_000, 1000);
    OriginConnection busy = acquire(pool);
    CompletableFuture<String> answer = exchange(busy, "/hold", 10_000);
    await(() -> heldCount() == 1, "one connection is busy");
    OriginConnection idle = acquire(pool);
    assertThat(idle).as("a new connection, since the only one is busy").isNotSameAs(busy);
    onContext(() -> {
      pool.giveBack(idle);
      pool.retire();
      return null;
    });
    await(() -> !idle.isOpen(), "the idle connection closes at the retirement");
    assertThat(busy.isOpen()).isTrue();
    answerHeld(0);
    assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo("ok /hold");
    await(() -> !busy.isOpen(), "the busy one closes once its answer is read");
    assertThat(onContext(pool::idleCount)).isZero();
  }

  @Test
  void anOriginSilentForTheTimeoutFailsTheExchangeWithATimeoutAndItsConnectionCloses() throws Exception {
    OriginPool pool = pool(4, 60_000, 1000);
    CompletableFuture<String> answer = exchange(acquire(pool), "/silent", 300);
    assertThat(answer).failsWithin(10, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(TimeoutException.class);
    await(() -> closed.get() == 1, "the timed-out connection is closed, never reused");
    assertThat(onContext(pool::idleCount)).isZero();
  }

  @Test
  void anUnreadableStatusLineIsAnInvalidHeaderAndAnAnswerCutShortAPrematureClose() throws Exception {
    NetServer raw = vertx.createNetServer().connectHandler(socket -> socket.handler(buf -> {
      if (buf.toString().startsWith("GET /bad")) {
        socket.write("HTTP/1.1 abc Nope\r\n\r\n");
      } else {
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part").onComplete(x -> socket.close());
      }
    }));
    int port = raw.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
        .actualPort();
    OriginPool pool = pool(4, 60_000, 1000);
    assertThat(exchange(acquire(pool, port), "/bad", 10_000)).failsWithin(10, TimeUnit.SECONDS)
        .withThrowableOfType(ExecutionException.class).havingCause().isInstanceOf(OriginExchange.InvalidHeader.class);
    assertThat(exchange(acquire(pool, port), "/short", 10_000)).failsWithin(10, TimeUnit.SECONDS)
        .withThrowableOfType(ExecutionException.class).havingCause().isInstanceOf(OriginExchange.PrematureClose.class);
    assertThat(onContext(pool::idleCount)).isZero();
  }

  @Test
  void aRefusedConnectionFailsTheAcquire() throws Exception {
    int port;
    try (java.net.ServerSocket closedAgain = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = closedAgain.getLocalPort();
    }
    OriginPool pool = pool(4, 60_000, 1000);
    CompletableFuture<OriginConnection> acquired = acquiring(pool, port);
    assertThat(acquired).failsWithin(10, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(java.net.ConnectException.class);
  }

  @Test
  void noPooledMemoryOutlivesItsExchangeWhetherTheBodyWasReadOrDroppedWhilePaused() throws Exception {
    // no thread caches: a freed buffer goes back to its arena at once, so the arena's count of live ones is exact
    PooledByteBufAllocator memory = new PooledByteBufAllocator(true, 0, 1, 8192, 9, 0, 0, false);
    OriginPool pool = onContext(() -> new OriginPool(context, 4, 60_000, 1000, memory));
    for (int i = 0; i < 3; i++) {
      assertThat(exchange(acquire(pool), "/big", 10_000).get(10, TimeUnit.SECONDS)).hasSize(BIG);
    }
    CompletableFuture<Void> reset = new CompletableFuture<>();
    OriginConnection connection = acquire(pool);
    context.runOnContext(v -> {
      OriginExchange exchange = connection.exchange(context, HttpMethod.GET, "/big", HttpVersion.HTTP_1_1, 10_000,
          10_000, 4096);
      exchange.send((response, failure) -> {
        response.pause();   // the first read's pieces wait in the exchange
        response.handler(BodyPieces::free);
        vertx.setTimer(200, t -> {
          response.reset();
          reset.complete(null);
        });
      });
    });
    reset.get(10, TimeUnit.SECONDS);
    await(() -> liveBuffers(memory) == 0, "every pooled buffer is back in its arena");
  }

  private static long liveBuffers(PooledByteBufAllocator memory) {
    return memory.metric().directArenas().stream().mapToLong(PoolArenaMetric::numActiveAllocations).sum();
  }

  // ------------------------------------------------------------------ helpers

  private OriginPool pool(int keepalive, long keepaliveTimeoutMs, long keepaliveRequests) throws Exception {
    return onContext(() -> new OriginPool(context, keepalive, keepaliveTimeoutMs, keepaliveRequests));
  }

  private OriginConnection acquire(OriginPool pool) throws Exception {
    return acquire(pool, origin.actualPort());
  }

  private OriginConnection acquire(OriginPool pool, int port) throws Exception {
    return acquiring(pool, port).get(10, TimeUnit.SECONDS);
  }

  private CompletableFuture<OriginConnection> acquiring(OriginPool pool, int port) {
    CompletableFuture<OriginConnection> acquired = new CompletableFuture<>();
    context.runOnContext(v -> pool.acquire("127.0.0.1", port, 5_000, context, (c, e) -> {
      if (e != null) {
        acquired.completeExceptionally(e);
      } else {
        acquired.complete(c);
      }
    }));
    return acquired;
  }

  /** One GET over {@code connection}: the body's text, or the failure. */
  private CompletableFuture<String> exchange(OriginConnection connection, String path, long timeoutMs) {
    CompletableFuture<String> answer = new CompletableFuture<>();
    context.runOnContext(v -> {
      OriginExchange exchange = connection.exchange(context, HttpMethod.GET, path, HttpVersion.HTTP_1_1, timeoutMs,
          timeoutMs, 4096);
      exchange.requestHeaders().set("Host", "origin");
      exchange.send((response, failure) -> {
        if (failure != null) {
          answer.completeExceptionally(failure);
          return;
        }
        Buffer body = Buffer.buffer();
        response.handler(piece -> {
          body.appendBuffer(piece);
          BodyPieces.free(piece);
        });
        response.exceptionHandler(answer::completeExceptionally);
        response.endHandler(x -> answer.complete(body.toString()));
      });
    });
    return answer;
  }

  private int heldCount() {
    synchronized (held) {
      return held.size();
    }
  }

  private void answerHeld(int i) {
    HttpServerRequest req;
    synchronized (held) {
      req = held.get(i);
    }
    req.response().end("ok /hold");
  }

  private <T> T onContext(Callable<T> task) throws Exception {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> {
      try {
        done.complete(task.call());
      } catch (Exception e) {
        done.fail(e);
      }
    });
    return done.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static void await(BooleanSupplier condition, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(20);
    }
  }

  private int idleCount(OriginPool pool) {
    try {
      return onContext(pool::idleCount);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
