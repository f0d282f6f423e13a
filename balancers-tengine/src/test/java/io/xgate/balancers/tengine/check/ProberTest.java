package io.xgate.balancers.tengine.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.xgate.spi.Balancer;
import io.xgate.spi.ConfigException;
import io.xgate.spi.Directive;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.RequestView;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.Selection;
import io.xgate.spi.TimeSource;
import io.xgate.spi.UpstreamContext;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The probers against real loopback servers: servers start down, come up after {@code rise} passing checks, go
 * down after {@code fall} failing ones; one prober per address for the whole process, shared by upstreams and
 * carried across generations; no probe after the last upstream using it is retired or closed.
 */
class ProberTest {

  private Vertx vertx;
  private Vertx backends;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    backends = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    backends.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void httpCheckTakesAServerUpAfterRiseAndDownAfterFall() throws Exception {
    int port = freePort();
    AtomicInteger probes = new AtomicInteger();
    HttpServer backend = listen(port, 200, probes);
    Peer peer = peer(port);
    CheckBalancer check = check(spec("interval=100", "rise=2", "fall=3", "timeout=300", "type=http"),
        List.of(peer));
    assertThat(peer.healthDown()).as("servers start down (default_down)").isTrue();
    await(() -> !peer.healthDown(), 3000);
    Prober prober = check.probes().get(0).prober();
    assertThat(prober.riseCount()).isGreaterThanOrEqualTo(2);
    assertThat(probes.get()).isGreaterThanOrEqualTo(2);

    backend.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    await(peer::healthDown, 3000);
    assertThat(prober.fallCount()).isGreaterThanOrEqualTo(3);
    assertThat(prober.riseCount()).isZero();

    listen(port, 200, probes);
    await(() -> !peer.healthDown(), 3000);
    check.close();
  }

  @Test
  void checkKeepaliveRequestsReusesOneConnection() throws Exception {
    int port = freePort();
    AtomicInteger connections = new AtomicInteger();
    AtomicInteger requests = new AtomicInteger();
    backends.createHttpServer().connectionHandler(c -> connections.incrementAndGet())
        .requestHandler(req -> {
          requests.incrementAndGet();
          req.response().putHeader("Content-Length", "2").end("ok");
        }).listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    Peer peer = peer(port);
    CheckBalancer check = new CheckBalancer(context(new PeerGroup("u", List.of(peer), null), vertx),
        CheckSpec.parse(new Directive("check", List.of("interval=50", "rise=1", "fall=1", "timeout=300", "type=http"),
            "test.conf", 1), List.of(new Directive("check_http_send", List.of("GET / HTTP/1.1\r\nHost: b\r\n\r\n"),
            "test.conf", 2), new Directive("check_keepalive_requests", List.of("3"), "test.conf", 3))));
    await(() -> requests.get() >= 7, 5000);
    assertThat(peer.healthDown()).isFalse();
    // three checks per connection: 7 checks need at least 3 connections, and no more than one per 3 checks + 1
    assertThat(connections.get()).isBetween(3, requests.get() / 3 + 1);
    check.close();
  }

  @Test
  void statusOutsideTheExpectedClassesIsAFailure() throws Exception {
    int port = freePort();
    listen(port, 503, new AtomicInteger());
    Peer peer = peer(port);
    CheckBalancer check = check(spec("interval=100", "rise=1", "fall=1", "timeout=300", "type=http"),
        List.of(peer));
    Prober prober = check.probes().get(0).prober();
    await(() -> prober.fallCount() >= 3, 3000);
    assertThat(peer.healthDown()).isTrue();
    check.close();
  }

  @Test
  void tcpCheckIsAConnectAndPortReplacesTheServersPort() throws Exception {
    int checked = freePort();
    listen(checked, 200, new AtomicInteger());
    Peer peer = peer(freePort());   // nothing listens on the server's own port
    CheckBalancer check = check(spec("interval=100", "rise=1", "fall=2", "timeout=300", "type=tcp",
        "port=" + checked), List.of(peer));
    await(() -> !peer.healthDown(), 3000);
    assertThat(check.probes().get(0).prober().address()).isEqualTo("127.0.0.1:" + checked);
    check.close();
  }

  @Test
  void oneProberPerAddressSharedByUpstreamsAndCarriedOverAReload() throws Exception {
    int port = freePort();
    AtomicInteger probes = new AtomicInteger();
    listen(port, 200, probes);
    CheckSpec spec = spec("interval=100", "rise=1", "fall=2", "timeout=300", "type=http");
    Peer a = peer(port);
    Peer b = peer(port);
    CheckBalancer first = check(spec, List.of(a));
    CheckBalancer second = check(spec, List.of(b));
    assertThat(Probers.running(vertx)).isEqualTo(1);
    assertThat(first.probes().get(0).prober()).isSameAs(second.probes().get(0).prober());
    await(() -> !a.healthDown() && !b.healthDown(), 3000);

    // a reload: the new generation is built while the old one still holds the prober, then the old one retires
    Peer next = peer(port);
    CheckBalancer reloaded = check(spec, List.of(next));
    assertThat(next.healthDown()).as("the state carries over to the new generation").isFalse();
    first.retire();
    second.retire();
    assertThat(Probers.running(vertx)).isEqualTo(1);

    reloaded.close();
    assertThat(Probers.running(vertx)).isZero();
    Thread.sleep(300);   // a check in flight when it stopped may still arrive
    int after = probes.get();
    Thread.sleep(600);
    assertThat(probes.get()).as("no probe after the last upstream let go").isEqualTo(after);
  }

  @Test
  void withoutVertxTheCheckStartsNothingAndLeavesPeersAlone() throws Exception {
    Peer peer = peer(freePort());
    PeerGroup group = new PeerGroup("u", List.of(peer), null);
    CheckBalancer check = new CheckBalancer(context(group, null),
        spec("interval=100", "type=http"));
    assertThat(check.probes()).isEmpty();
    assertThat(peer.healthDown()).isFalse();
  }

  private CheckBalancer check(CheckSpec spec, List<Peer> peers) {
    return new CheckBalancer(context(new PeerGroup("u", peers, null), vertx), spec);
  }

  private static CheckSpec spec(String... args) throws ConfigException {
    return CheckSpec.parse(new Directive("check", List.of(args), "test.conf", 1), List.of());
  }

  private static Peer peer(int port) {
    return new Peer("127.0.0.1:" + port, "127.0.0.1", port, 1, 1, 10, 0, false, false, Map.of());
  }

  private HttpServer listen(int port, int status, AtomicInteger probes) throws Exception {
    return backends.createHttpServer().requestHandler(req -> {
      probes.incrementAndGet();
      req.response().setStatusCode(status).end();
    }).listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private static void await(BooleanSupplier condition, long millis) throws InterruptedException {
    long end = System.nanoTime() + millis * 1_000_000;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within " + millis + " ms").isLessThan(end);
      Thread.sleep(10);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static UpstreamContext context(PeerGroup group, Vertx vertx) {
    Balancer base = new Balancer() {
      @Override
      public Selection select(RequestView request) {
        throw new UnsupportedOperationException("not used by the check");
      }

      @Override
      public PeerGroup peers() {
        return group;
      }
    };
    return new UpstreamContext() {
      @Override
      public String name() {
        return group.name();
      }

      @Override
      public PeerGroup peers() {
        return group;
      }

      @Override
      public Balancer base() {
        return base;
      }

      @Override
      public RoundRobin roundRobin() {
        throw new UnsupportedOperationException("not used by the check");
      }

      @Override
      public TimeSource time() {
        return TimeSource.SYSTEM;
      }

      @Override
      public Vertx vertx() {
        return vertx;
      }
    };
  }
}
