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
        + " server { listen 127.0.0.1:" + shared + "; server_name line.test;"
        + " location / { return 200 \"$host $request_uri $http_host\"; } }\n"
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

  @Test
  void aTrailingDotOfTheHostIsDroppedAsNginxDropsIt() throws Exception {
    assertThat(bodyFor(shared, "EXACT.test.")).isEqualTo("exact");
    assertThat(bodyFor(shared, "line.test.:8080")).isEqualTo("line.test / line.test.:8080");
  }

  @Test
  void anAbsoluteFormRequestLineNamesTheServerAndItsPathIsTheRequestUri() throws Exception {
    // each answer as nginx 1.22.1 gave it: $host from the line, $request_uri its path, $http_host the header
    assertThat(body(RawHttp.exchange(shared, "GET http://Line.Test:8080/a/../b?x=1 HTTP/1.1\r\nHost: exact.test\r\n"
        + "Connection: close\r\n\r\n"))).isEqualTo("line.test /a/../b?x=1 exact.test");
    assertThat(body(RawHttp.exchange(shared, "GET HTTP://line.test HTTP/1.0\r\n\r\n"))).isEqualTo("line.test / ");
  }

  @Test
  void aHostNginxRefusesOrAnHttp11RequestWithoutOneIs400() throws Exception {
    for (String head : new String[] {"GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost:\r\n",
        "GET / HTTP/1.1\r\nHost: a b\r\n", "GET / HTTP/1.1\r\nHost: a..test\r\n", "GET / HTTP/1.0\r\nHost: a/b\r\n",
        "GET http://a..test/ HTTP/1.1\r\nHost: exact.test\r\n", "GET http://u@line.test/ HTTP/1.1\r\nHost: exact.test\r\n",
        "GET http://line.test/ HTTP/1.1\r\n"}) {
      assertThat(RawHttp.exchange(shared, head + "Connection: close\r\n\r\n")).as(head)
          .startsWith("HTTP/1.1 400 Bad Request\r\n");
    }
  }

  private static String bodyFor(int port, String host) throws Exception {
    return body(RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"));
  }

  private static String body(String response) {
    assertThat(response).startsWith("HTTP/1.1 200 ");
    return response.substring(response.indexOf("\r\n\r\n") + 4);
  }
}
