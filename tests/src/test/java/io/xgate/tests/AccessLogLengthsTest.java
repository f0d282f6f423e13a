package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.xgate.gateway.Gateway;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code $request_length} and {@code $bytes_sent} count what crossed the client's connection, as nginx counts them:
 * every byte of the request (line, headers, body with its chunk framing) and of the response (status line, headers,
 * body). Checked against the bytes the test itself sent and received; nginx 1.22.1 logged the same numbers for the
 * same requests (its {@code Server} header aside).
 */
class AccessLogLengthsTest {

  @TempDir
  Path temp;

  private Vertx vertx;
  private Gateway gateway;
  private int port;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    int origin = vertx.createHttpServer().requestHandler(req -> req.body().onComplete(b -> req.response()
        .putHeader("X-Origin", "o").end("answer of " + req.path())))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    port = RawHttp.freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n"
        + " log_format n '$request_uri $status $bytes_sent $request_length';\n"
        + " access_log " + temp.resolve("access.log") + " n;\n"
        + " server { listen 127.0.0.1:" + port + ";\n"
        + "  location / { proxy_pass http://127.0.0.1:" + origin + "; }\n"
        + "  location = /returned { return 200 \"returned text\"; }\n"
        + "  location = /refused { proxy_pass http://127.0.0.1:" + RawHttp.freePort() + "; }\n }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    Shutdown.stop(gateway, vertx);
  }

  @Test
  void eachRequestLogsTheBytesItsClientSentAndReceived() throws Exception {
    List<String> expected = new ArrayList<>();
    for (String request : new String[] {
        "GET /plain?a=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: test/1\r\nConnection: close\r\n\r\n",
        "POST /sized HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world",
        "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        "HEAD /head HTTP/1.0\r\n\r\n",
        "GET /returned HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /refused HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"}) {
      int received = exchange(request);
      String uri = request.substring(request.indexOf(' ') + 1, request.indexOf(" HTTP/"));
      String status = uri.equals("/refused") ? "502" : "200";
      expected.add(uri + " " + status + " " + received + " " + request.length());
    }
    Path log = temp.resolve("access.log");
    for (String line : expected) {
      LogFiles.awaitText(log, line + "\n");
    }
  }

  @Test
  void pipelinedRequestsAreCountedEachOnItsOwn() throws Exception {
    String first = "GET /first HTTP/1.1\r\nHost: x\r\n\r\n";
    String second = "GET /second-one HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    String both = new String(sendAndRead(first + second), StandardCharsets.ISO_8859_1);
    int split = both.indexOf("HTTP/1.1 ", 1);   // the second response's status line
    Path log = temp.resolve("access.log");
    LogFiles.awaitText(log, "/first 200 " + split + " " + first.length() + "\n");
    LogFiles.awaitText(log, "/second-one 200 " + (both.length() - split) + " " + second.length() + "\n");
  }

  private int exchange(String request) throws Exception {
    return sendAndRead(request).length;
  }

  private byte[] sendAndRead(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      in.transferTo(got);
      return got.toByteArray();
    }
  }
}
