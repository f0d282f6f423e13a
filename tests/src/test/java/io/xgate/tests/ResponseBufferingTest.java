package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.xgate.gateway.Gateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code proxy_buffering on} (nginx's default): a fast origin and a client that does not read. The origin's answer
 * is taken in full, past {@code proxy_buffers} into a temp file that exists during the transfer and is gone after,
 * so the origin is done long before the client; the client still gets every byte in order. With buffering off, or
 * {@code X-Accel-Buffering: no} from the origin, or no room for a temp file, the origin waits for the client.
 */
class ResponseBufferingTest {

  /**
   * Larger than what the socket buffers on both sides of the gateway can hold: two receive and two send buffers at
   * the most the kernel lets them grow to (Linux 6 grows a busy reader's up to 32 MiB, {@code tcp_rmem}), and more.
   */
  private static final int SIZE = (int) Math.max(24L << 20,
      2 * (maxBuffer("/proc/sys/net/ipv4/tcp_rmem") + maxBuffer("/proc/sys/net/ipv4/tcp_wmem")) + (8L << 20));
  private static final byte[] PAYLOAD = new byte[SIZE];

  static {
    new Random(7).nextBytes(PAYLOAD);
  }

  /** The largest size the kernel gives a socket buffer ({@code min default max} in {@code file}); 0 if unknown. */
  private static long maxBuffer(String file) {
    try {
      String[] sizes = Files.readString(Path.of(file)).trim().split("\\s+");
      return Math.min(Long.parseLong(sizes[sizes.length - 1]), 64L << 20);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  @TempDir
  Path temp;

  private Vertx vertx;
  private Gateway gateway;
  private int origin;
  private volatile CompletableFuture<Void> originDone = new CompletableFuture<>();

  @BeforeEach
  void startOrigin() throws Exception {
    vertx = Vertx.vertx();
    origin = vertx.createHttpServer().requestHandler(r -> {
      HttpServerResponse out = r.response().putHeader("Content-Length", Integer.toString(SIZE));
      if (r.path().equals("/unbuffered")) {
        out.putHeader("X-Accel-Buffering", "no");
      }
      CompletableFuture<Void> done = originDone;
      writeFrom(out, 0, done);
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
  }

  /** Writes the payload with backpressure, as a real origin does; completes {@code done} when all was taken. */
  private static void writeFrom(HttpServerResponse out, int offset, CompletableFuture<Void> done) {
    int at = offset;
    while (at < SIZE && !out.writeQueueFull()) {
      int n = Math.min(16 * 1024, SIZE - at);
      out.write(Buffer.buffer().appendBytes(PAYLOAD, at, n));
      at += n;
    }
    if (at == SIZE) {
      out.end().onComplete(ar -> done.complete(null));
      return;
    }
    int next = at;
    out.drainHandler(v -> writeFrom(out, next, done));
  }

  @AfterEach
  void stop() throws Exception {
    Shutdown.stop(gateway, vertx);
  }

  @Test
  void aFastOriginIsReadInFullIntoATempFileWhileTheClientReadsNothing() throws Exception {
    int port = start("proxy_buffers 4 4k;");
    try (Socket client = request(port, "/")) {
      originDone.get(20, TimeUnit.SECONDS);   // the whole answer left the origin: nothing was read by the client
      Path[] spilled = tempFiles();
      assertThat(spilled).as("the part the client has not taken waits in a temp file").hasSize(1);
      assertThat(Files.size(spilled[0])).isPositive();
      assertThat(readBody(client)).isEqualTo(Digests.sha256(PAYLOAD));
    }
    awaitNoTempFiles();
    LogFiles.awaitMatch(temp.resolve("error.log"), "\\[warn\\] .*: an upstream response is buffered to a temporary"
        + " file " + java.util.regex.Pattern.quote(temp.resolve("proxy_temp").toString()) + "/\\S+ while reading"
        + " upstream, client: 127\\.0\\.0\\.1, server: , request: \"GET / HTTP/1\\.1\", upstream:"
        + " \"http://127\\.0\\.0\\.1:" + origin + "/\", host: \"t\"$");
  }

  @Test
  void withBufferingOffTheOriginWaitsForTheClient() throws Exception {
    int port = start("proxy_buffering off;");
    assertOriginWaitsForTheClient(port, "/");
  }

  @Test
  void xAccelBufferingNoFromTheOriginTurnsBufferingOffForThatResponse() throws Exception {
    int port = start("proxy_buffers 4 4k;");
    assertOriginWaitsForTheClient(port, "/unbuffered");
  }

  @Test
  void withNoRoomForATempFileTheOriginWaitsWhenMemoryIsFull() throws Exception {
    int port = start("proxy_buffers 4 4k; proxy_max_temp_file_size 0;");
    assertOriginWaitsForTheClient(port, "/");
  }

  @Test
  void anOriginWaitingForALaggingClientIsNotTimedOutByProxyReadTimeout() throws Exception {
    // nginx stops reading the origin while its client takes nothing, and so stops timing it: the client lags 1.5 s
    int port = start("proxy_buffering off; proxy_read_timeout 1s;");
    assertOriginWaitsForTheClient(port, "/");
  }

  @Test
  void anOriginWaitingForALaggingClientWithBuffersFullIsNotTimedOutByProxyReadTimeout() throws Exception {
    int port = start("proxy_buffers 4 4k; proxy_max_temp_file_size 0; proxy_read_timeout 1s;");
    assertOriginWaitsForTheClient(port, "/");
  }

  @Test
  void theTempFileIsDeletedWhenTheClientGoesAway() throws Exception {
    int port = start("proxy_buffers 4 4k;");
    try (Socket client = request(port, "/")) {
      originDone.get(20, TimeUnit.SECONDS);
      assertThat(tempFiles()).hasSize(1);
    }
    awaitNoTempFiles();
  }

  @Test
  void responsesLeftByACrashedProcessAreDeletedAtStart() throws Exception {
    Path dir = Files.createDirectories(temp.resolve("proxy_temp"));
    Path stale = Files.writeString(dir.resolve("xgate-response-42.tmp"), "left over");
    Path unrelated = Files.writeString(dir.resolve("keep.me"), "not ours");
    start("");
    assertThat(stale).doesNotExist();
    assertThat(unrelated).exists();
  }

  /**
   * The origin (asked for {@code Connection: close}, as xgate asks without {@code keepalive}) closes its connection
   * right after its last byte, while most of the response still waits for the client: every byte must still arrive
   * (what Netty reads of the paused connection at the close waits in the OriginExchange).
   */
  private void assertOriginWaitsForTheClient(int port, String uri) throws Exception {
    try (Socket client = request(port, uri)) {
      Thread.sleep(1500);
      assertThat(originDone).as("the origin cannot finish while the client reads nothing").isNotDone();
      assertThat(tempFiles()).isEmpty();
      assertThat(readBody(client)).isEqualTo(Digests.sha256(PAYLOAD));
      originDone.get(20, TimeUnit.SECONDS);
    }
  }

  private int start(String locationDirectives) throws Exception {
    int port = freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n access_log off;\n"
        + " proxy_temp_path " + temp.resolve("proxy_temp") + ";\n"
        + " server { listen 127.0.0.1:" + port + ";\n  location / { proxy_pass http://127.0.0.1:" + origin + "; "
        + locationDirectives + " }\n }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return port;
  }

  /** A client with a small receive window that sends one request and reads nothing yet. */
  private static Socket request(int port, String uri) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(16 * 1024);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setSoTimeout(20_000);
    s.getOutputStream().write(("GET " + uri + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    return s;
  }

  /** Reads the response to its end and returns the body's digest. */
  private static String readBody(Socket s) throws Exception {
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed in the header: " + head);
      }
      head.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
    }
    assertThat(head.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    byte[] chunk = new byte[64 * 1024];
    long total = 0;
    for (int n; (n = in.read(chunk)) > 0; ) {
      digest.update(chunk, 0, n);
      total += n;
    }
    assertThat(total).isEqualTo(SIZE);
    return HexFormat.of().formatHex(digest.digest());
  }

  private Path[] tempFiles() {
    return TempFilesSeen.in(temp.resolve("proxy_temp"), "xgate-response-");
  }

  private void awaitNoTempFiles() throws InterruptedException {
    TempFilesSeen.awaitNone(temp.resolve("proxy_temp"), "xgate-response-");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
