package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.xgate.gateway.Gateway;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connection upgrades as nginx users configure them: {@code map $http_upgrade $connection_upgrade} plus
 * {@code proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade;}. The origin's
 * 101 is relayed, then WebSocket frames pass both ways until either side closes; the peer is released (and the
 * request logged) when the tunnel ends. Without those headers an upgrade request is plain HTTP, as in nginx.
 */
class WebSocketUpgradeTest {

  @TempDir
  Path temp;

  private Vertx vertx;
  private Gateway gateway;
  private int origin;
  private int refusing = 1;
  private final BlockingQueue<String> originEvents = new LinkedBlockingQueue<>();
  private final List<Map.Entry<String, String>> plainRequestHeaders = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startOrigin() throws Exception {
    vertx = Vertx.vertx();
    HttpServer server = vertx.createHttpServer()
        .webSocketHandler(ws -> {
          originEvents.add("open " + ws.path());
          ws.textMessageHandler(text -> {
            if (text.equals("close, please")) {
              ws.close();
            } else {
              ws.writeTextMessage(text);
            }
          });
          ws.binaryMessageHandler(ws::writeBinaryMessage);
          ws.closeHandler(v -> originEvents.add("closed"));
        })
        .requestHandler(req -> {
          plainRequestHeaders.addAll(req.headers().entries());
          req.response().end("plain answer");
        });
    origin = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
        .actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    Shutdown.stop(gateway, vertx);
  }

  @Test
  void textAndBinaryFramesAreEchoedThroughTheTunnelAndAClientCloseReachesTheOrigin() throws Exception {
    int port = start("60s");
    WebSocket ws = connect(port);
    assertThat(originEvents.poll(5, TimeUnit.SECONDS)).isEqualTo("open /ws");
    BlockingQueue<Object> received = collect(ws);

    ws.writeTextMessage("hello through xgate");
    assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("hello through xgate");

    byte[] binary = new byte[200_000];   // many frames and TCP segments: the relay's backpressure path is taken
    new Random(7).nextBytes(binary);
    ws.writeBinaryMessage(Buffer.buffer(binary));
    assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(Buffer.buffer(binary));

    ws.close();
    assertThat(originEvents.poll(5, TimeUnit.SECONDS)).isEqualTo("closed");
    assertThat(awaitAccessLog()).as("logged once the tunnel ended, with the peer released")
        .isEqualTo("GET /ws 101 127.0.0.1:" + origin);
  }

  @Test
  void theTunnelHoldsItsPeerUntilItEnds() throws Exception {
    int port = start("60s");
    WebSocket ws = connect(port, "/one/ws");   // upstream "one": a single server with max_conns=1
    // proxy_pass http://one/ replaces the location's prefix
    assertThat(originEvents.poll(5, TimeUnit.SECONDS)).isEqualTo("open /ws");
    assertThat(RawHttp.exchange(port, "GET /one/plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .as("the peer is at max_conns while the tunnel is open").startsWith("HTTP/1.1 502 ");
    ws.close();
    assertThat(originEvents.poll(5, TimeUnit.SECONDS)).isEqualTo("closed");
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    String after;
    do {
      after = RawHttp.exchange(port, "GET /one/plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    } while (!after.startsWith("HTTP/1.1 200 ") && System.nanoTime() < end);
    assertThat(after).as("released when the tunnel ended").startsWith("HTTP/1.1 200 ").endsWith("plain answer");
  }

  @Test
  void aRefusedUpgradeIsAnOrdinaryResponseAndItsOriginConnectionIsClosed() throws Exception {
    CompletableFuture<Void> originConnectionClosed = new CompletableFuture<>();
    refusing = vertx.createNetServer().connectHandler(so -> {
      so.handler(buf -> so.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\ndenied"));   // keeps it open
      so.closeHandler(v -> originConnectionClosed.complete(null));
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    int port = start("60s");
    String answer = RawHttp.exchange(port, "GET /refused HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\n"
        + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 403 Forbidden").endsWith("denied");
    originConnectionClosed.get(5, TimeUnit.SECONDS);
  }

  @Test
  void anOriginCloseReachesTheClient() throws Exception {
    int port = start("60s");
    WebSocket ws = connect(port);
    CompletableFuture<Void> clientClosed = new CompletableFuture<>();
    ws.closeHandler(v -> clientClosed.complete(null));
    ws.writeTextMessage("close, please");
    clientClosed.get(5, TimeUnit.SECONDS);
    assertThat(awaitAccessLog()).isEqualTo("GET /ws 101 127.0.0.1:" + origin);
  }

  @Test
  void proxyReadTimeoutClosesAnIdleTunnelButNotABusyOne() throws Exception {
    int port = start("1s");
    WebSocket ws = connect(port);
    BlockingQueue<Object> received = collect(ws);
    CompletableFuture<Long> closedAt = new CompletableFuture<>();
    ws.closeHandler(v -> closedAt.complete(System.nanoTime()));
    long start = System.nanoTime();
    for (int i = 0; i < 6; i++) {   // 1.8 s of traffic, longer than the timeout: the tunnel stays
      ws.writeTextMessage("ping " + i);
      assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("ping " + i);
      Thread.sleep(300);
    }
    assertThat(closedAt).isNotDone();
    long idleFrom = System.nanoTime();
    long closed = closedAt.get(5, TimeUnit.SECONDS);
    assertThat(TimeUnit.NANOSECONDS.toMillis(closed - idleFrom)).isBetween(500L, 2500L);
    assertThat(TimeUnit.NANOSECONDS.toMillis(closed - start)).isGreaterThan(2000L);
    assertThat(originEvents.poll(5, TimeUnit.SECONDS)).isEqualTo("open /ws");
    assertThat(originEvents.poll(5, TimeUnit.SECONDS)).as("the origin's side is closed too").isEqualTo("closed");
  }

  @Test
  void withoutTheUpgradeHeadersConfiguredAnUpgradeRequestIsPlainHttp() throws Exception {
    int port = start("60s");
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(("GET /plain HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
          + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String head = readHead(s.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 200 OK");
    }
    assertThat(plainRequestHeaders).extracting(Map.Entry::getKey).map(String::toLowerCase)
        .doesNotContain("upgrade").contains("sec-websocket-key");
    assertThat(plainRequestHeaders).filteredOn(e -> e.getKey().equalsIgnoreCase("connection"))
        .extracting(Map.Entry::getValue).containsExactly("close");
  }

  private int start(String readTimeout) throws Exception {
    int port = RawHttp.freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n"
        + " log_format brief '$request_method $uri $status $upstream_addr';\n"
        + " access_log " + temp.resolve("access.log") + " brief;\n"
        + " map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
        + " upstream u { server 127.0.0.1:" + origin + "; }\n"
        + " upstream one { server 127.0.0.1:" + origin + " max_conns=1; }\n"
        + " upstream refusing { server 127.0.0.1:" + refusing + "; keepalive 4; }\n"
        + " server { listen 127.0.0.1:" + port + ";\n"
        + "  location /ws { proxy_pass http://u; proxy_http_version 1.1;\n"
        + "   proxy_read_timeout " + readTimeout + "; proxy_send_timeout " + readTimeout + ";\n"
        + "   proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; }\n"
        + "  location /plain { proxy_pass http://u; }\n"
        + "  location /refused { proxy_pass http://refusing; proxy_http_version 1.1;\n"
        + "   proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; }\n"
        + "  location /one/ { proxy_pass http://one/; proxy_http_version 1.1;\n"
        + "   proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; }\n"
        + " }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return port;
  }

  private WebSocket connect(int port) throws Exception {
    return connect(port, "/ws");
  }

  private WebSocket connect(int port, String uri) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient();
    return client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static BlockingQueue<Object> collect(WebSocket ws) {
    BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    ws.textMessageHandler(received::add);
    ws.binaryMessageHandler(received::add);
    return received;
  }

  private String awaitAccessLog() throws Exception {
    Path log = temp.resolve("access.log");
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < end) {
      if (Files.exists(log) && !Files.readString(log).isBlank()) {
        return Files.readString(log).strip();
      }
      Thread.sleep(20);
    }
    return "";
  }

  static String readHead(InputStream in) throws Exception {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      sb.append((char) c);
      if (sb.toString().endsWith("\r\n\r\n")) {
        break;
      }
    }
    return sb.toString();
  }
}
