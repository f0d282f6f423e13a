package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.xgate.gateway.Gateway;
import io.xgate.gateway.config.EventMethod;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The gateway serves the same on each event method this machine has ({@code events { use ...; }}; the rest of
 * the suite runs on the default, the first available of io_uring and epoll): kept-alive requests, a large
 * response streamed with {@code proxy_buffering off} (written as the client takes it), and one buffered through a
 * temp file, a request body larger than {@code client_body_buffer_size} (spilled, then sent on) arriving intact.
 */
class EventMethodsTest {

  private static final int BIG = 6 * 1024 * 1024;
  private static final byte[] PAYLOAD = new byte[BIG];

  static {
    new Random(7).nextBytes(PAYLOAD);
  }

  @TempDir
  Path temp;
  private Vertx origins;
  private Gateway gateway;

  @AfterEach
  void stop() throws Exception {
    Shutdown.stop(gateway, origins);
  }

  @ParameterizedTest
  @EnumSource(value = EventMethod.class, names = {"IO_URING", "EPOLL"})
  void requestsAndBodiesPassTheSameOnEachMethod(EventMethod method) throws Exception {
    assumeTrue(method.available(), () -> method + " is not available here: " + method.unavailabilityCause());
    origins = Vertx.vertx();
    int origin = origins.createHttpServer().requestHandler(req -> {
      HttpServerResponse res = req.response();
      switch (req.path()) {
        case "/small" -> res.end("small answer");
        case "/big", "/unbuffered/big" -> res.end(Buffer.buffer(PAYLOAD));
        default -> req.body().onSuccess(body -> res.end(Digests.sha256(body.getBytes())));   // /upload
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    int port = RawHttp.freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\n"
        + "events {\n use " + method + ";\n}\n"
        + "http {\n access_log off;\n proxy_temp_path " + temp.resolve("proxy_temp") + ";\n"
        + " client_body_temp_path " + temp.resolve("body_temp") + ";\n"
        + " upstream u { server 127.0.0.1:" + origin + "; keepalive 4; }\n"
        + " server { listen 127.0.0.1:" + port + ";\n"
        + "  client_max_body_size 16m;\n"
        + "  location / { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection \"\"; }\n"
        + "  location /unbuffered/ { proxy_buffering off; proxy_pass http://u; }\n"
        + " }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    LogFiles.awaitText(temp.resolve("error.log"), "1 worker(s), " + method + " transport");

    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    URI base = URI.create("http://127.0.0.1:" + port);
    for (int i = 0; i < 3; i++) {   // one client connection, kept alive
      HttpResponse<String> small = client.send(HttpRequest.newBuilder(base.resolve("/small")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(small.statusCode()).isEqualTo(200);
      assertThat(small.body()).isEqualTo("small answer");
    }
    for (String path : new String[] {"/big", "/unbuffered/big"}) {
      HttpResponse<InputStream> big = client.send(HttpRequest.newBuilder(base.resolve(path)).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertThat(big.statusCode()).isEqualTo(200);
      try (InputStream in = big.body()) {
        byte[] start = in.readNBytes(64 * 1024);
        Thread.sleep(200);   // the client lags: the proxy holds (or spills) the rest meanwhile
        byte[] rest = in.readAllBytes();
        assertThat(start.length + rest.length).as(path).isEqualTo(BIG);
        assertThat(Digests.sha256(concat(start, rest))).as(path).isEqualTo(Digests.sha256(PAYLOAD));
      }
    }
    HttpResponse<String> upload = client.send(HttpRequest.newBuilder(base.resolve("/upload"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(PAYLOAD)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(upload.statusCode()).isEqualTo(200);
    assertThat(upload.body()).isEqualTo(Digests.sha256(PAYLOAD));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

}
