package io.xgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelOption;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;
import io.xgate.gateway.config.ConfigLoader;
import io.xgate.gateway.config.GatewayConfig;
import io.xgate.gateway.config.LocationConfig;
import io.xgate.spi.BalancerRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a request's location sets on its client's socket ({@link EdgeRequestDecoder#requestRules}). */
class ClientSocketRulesTest {

  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void eachRequestGivesItsClientsSocketItsLocationsTcpNodelay() throws Exception {
    Path conf = dir.resolve("xgate.conf");
    Files.writeString(conf, "http {\n upstream u { server 127.0.0.1:9001; }\n server {\n  listen 127.0.0.1:8080;\n"
        + "  location / { proxy_pass http://u; }\n  location /nagle/ { tcp_nodelay off; proxy_pass http://u; }\n"
        + " }\n}\n");
    GatewayConfig config = new ConfigLoader(BalancerRegistry.loadDefault(), dir).load(conf);
    List<LocationConfig> locations = config.servers().get(0).locations();
    HttpServerOptions options = new HttpServerOptions().setTcpNoDelay(true);
    HttpServer server = vertx.createHttpServer(options)
        .connectionHandler(conn -> EdgeRequestDecoder.install(conn, options,
            EdgeRequestDecoder.ClientRules.of(locations.get(0).settings())))
        .requestHandler(req -> {
          LocationConfig loc = locations.get(req.path().startsWith("/nagle/") ? 1 : 0);
          EdgeRequestDecoder.requestRules(req.connection(), loc.settings());
          Object noDelay = ((ConnectionBase) req.connection()).channel().config().getOption(ChannelOption.TCP_NODELAY);
          req.response().end(String.valueOf(noDelay));
        });
    int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
        .actualPort();
    List<String> seen = new ArrayList<>();
    try (Socket s = new Socket("127.0.0.1", port)) {   // one kept connection, its requests in turn
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      for (String path : new String[] {"/a", "/nagle/b", "/nagle/c", "/d"}) {
        out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        int length = 0;
        for (String line; !(line = in.readLine()).isEmpty(); ) {
          if (line.toLowerCase().startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        char[] body = new char[length];
        for (int n = 0; n < length; ) {
          n += in.read(body, n, length - n);
        }
        seen.add(new String(body));
      }
    }
    assertThat(seen).containsExactly("true", "false", "false", "true");
  }
}
