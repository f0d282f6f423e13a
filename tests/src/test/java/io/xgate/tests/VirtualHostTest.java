package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.xgate.gateway.Gateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code server {}} a request goes to, chosen by its {@code Host} as nginx chooses (server_name rules). */
class VirtualHostTest {

  @TempDir
  Path temp;

  private Gateway gateway;
  private int shared;
  private int alone;

  @BeforeEach
  void start() throws Exception {
    shared = RawHttp.freePort();
    alone = RawHttp.freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n access_log off;\n"
        + server(shared, "", "exact.test *.wild.test", "exact")
        + server(shared, " default_server", "fallback.test", "default")
        + server(shared, "", "www.trail.*", "trailing")
        + server(shared, "", "*.more.wild.test", "longer wildcard")
        + server(shared, "", "~^api\\d+\\.re\\.test$", "regex")
        + server(alone, "", "alone.test", "alone")
        + "}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    Shutdown.stop(gateway);
  }

  private static String server(int port, String flags, String names, String answer) {
    return " server { listen 127.0.0.1:" + port + flags + "; server_name " + names + ";"
        + " location / { return 200 \"" + answer + "\"; } }\n";
  }

  @Test
  void anExactNameMatchesInAnyCaseAndWithAPort() throws Exception {
    assertThat(bodyFor(shared, "exact.test")).isEqualTo("exact");
    assertThat(bodyFor(shared, "EXACT.Test:8080")).isEqualTo("exact");
  }

  @Test
  void theLongestLeadingWildcardWinsThenTrailingWildcardsThenRegexes() throws Exception {
    assertThat(bodyFor(shared, "a.wild.test")).isEqualTo("exact");
    assertThat(bodyFor(shared, "a.more.wild.test")).isEqualTo("longer wildcard");
    assertThat(bodyFor(shared, "www.trail.org")).isEqualTo("trailing");
    assertThat(bodyFor(shared, "api7.re.test")).isEqualTo("regex");
  }

  @Test
  void anUnknownOrMissingHostGoesToTheDefaultServer() throws Exception {
    assertThat(bodyFor(shared, "nobody.test")).isEqualTo("default");
    assertThat(bodyFor(shared, "api.re.test")).isEqualTo("default");
    assertThat(body(RawHttp.exchange(shared, "GET / HTTP/1.0\r\n\r\n"))).isEqualTo("default");
  }

  @Test
  void theOnlyServerOfAnAddressTakesEveryHost() throws Exception {
    assertThat(bodyFor(alone, "alone.test")).isEqualTo("alone");
    assertThat(bodyFor(alone, "exact.test")).isEqualTo("alone");
    assertThat(body(RawHttp.exchange(alone, "GET / HTTP/1.0\r\n\r\n"))).isEqualTo("alone");
  }

  private static String bodyFor(int port, String host) throws Exception {
    return body(RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"));
  }

  private static String body(String response) {
    assertThat(response).startsWith("HTTP/1.1 200 ");
    return response.substring(response.indexOf("\r\n\r\n") + 4);
  }
}
