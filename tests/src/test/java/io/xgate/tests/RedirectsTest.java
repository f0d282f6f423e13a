package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.xgate.gateway.Gateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redirects as nginx 1.22 sends them (each expectation below is what nginx answered to the same config and
 * request): {@code proxy_redirect}'s default rule for the location's {@code proxy_pass}, {@code off}, explicit
 * rules with variables, case-sensitive, and regular expression rules with their groups, on {@code Location} and on
 * a {@code Refresh}'s URL; and
 * {@code absolute_redirect} making a redirect to a path a whole URL with the request's host and the listener's
 * port ({@code port_in_redirect}, {@code server_name_in_redirect}), also for {@code return 301 /path}.
 */
class RedirectsTest {

  @TempDir
  static Path temp;

  private static Vertx vertx;
  private static Gateway gateway;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    int origin = vertx.createHttpServer().requestHandler(req -> {
      String path = req.path();
      if (path.endsWith("/refresh")) {
        req.response().putHeader("Refresh", "5; url=http://u/r").end("x");
      } else if (path.endsWith("/rel")) {
        req.response().setStatusCode(302).putHeader("Location", "/rel/d").end();
      } else if (path.endsWith("/other")) {
        req.response().setStatusCode(302).putHeader("Location", "http://elsewhere/x").end();
      } else if (path.endsWith("/case")) {
        req.response().setStatusCode(302).putHeader("Location", "HTTP://U/x").end();
      } else {
        req.response().setStatusCode(302).putHeader("Location", "http://u" + path + "/d").end();
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    port = RawHttp.freePort();
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n access_log off;\n"
        + " upstream u { server 127.0.0.1:" + origin + "; keepalive 4; }\n"
        + " server { listen 127.0.0.1:" + port + "; server_name gw.test;\n"
        + "  location /ret { return 301 /x; }\n"
        + "  location / { proxy_pass http://u; }\n"
        + "  location /one/ { proxy_pass http://u/two/; }\n"
        + "  location /off/ { proxy_redirect off; proxy_pass http://u/; }\n"
        + "  location /np/ { port_in_redirect off; proxy_pass http://u/; }\n"
        + "  location /sn/ { server_name_in_redirect on; proxy_pass http://u/; }\n"
        + "  location /ar/ { absolute_redirect off; proxy_pass http://u/; }\n"
        + "  location /ex/ { proxy_pass http://u/; proxy_redirect http://u/ http://$host:9/z/; }\n"
        + "  location /rx/ { proxy_pass http://u/; proxy_redirect ~^http://u/(\\w+)/(.*)$ /re/$2/$1; }\n"
        + "  location /rxcase/ { proxy_pass http://u/; proxy_redirect ~^http://U/(\\w+)/(.*)$ /re/$2/$1; }\n"
        + "  location /rxi/ { proxy_pass http://u/; proxy_redirect ~*^http://U/(\\w+)/(.*)$ http://$host/i/$1; }\n"
        + "  location /rxr/ { proxy_pass http://u/; proxy_redirect ~u/r$ /$scheme-refresh; }\n"
        + " }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    Shutdown.stop(gateway, vertx);
  }

  /** The value of {@code header} in the answer to a GET of {@code path} with {@code host} as its Host. */
  private static String header(String path, String host, String header) throws Exception {
    String answer = RawHttp.exchange(port, "GET " + path + " HTTP/1.1\r\nHost: " + host
        + "\r\nConnection: close\r\n\r\n");
    for (String line : answer.substring(0, answer.indexOf("\r\n\r\n")).split("\r\n")) {
      if (line.regionMatches(true, 0, header + ":", 0, header.length() + 1)) {
        return line.substring(header.length() + 1).trim();
      }
    }
    return null;
  }

  private static String location(String path) throws Exception {
    return header(path, "Example.ORG:8080", "Location");
  }

  @Test
  void aReturnedRedirectToAPathIsAWholeUrlWithTheRequestsHostAndTheListenersPort() throws Exception {
    assertThat(location("/ret")).isEqualTo("http://example.org:" + port + "/x");
    String noHost = RawHttp.exchange(port, "GET /ret HTTP/1.0\r\n\r\n");
    assertThat(noHost).contains("\r\nLocation: http://127.0.0.1:" + port + "/x\r\n");
  }

  @Test
  void theDefaultRuleReplacesTheProxyPassUrlByTheLocationAndMakesTheResultWhole() throws Exception {
    assertThat(location("/abs")).isEqualTo("http://example.org:" + port + "/abs/d");
    assertThat(location("/one/c")).isEqualTo("http://example.org:" + port + "/one/c/d");   // http://u/two/c/d
  }

  @Test
  void whatNoRuleMatchesGoesOnAsItIsEvenAPathAndTheMatchIsCaseSensitive() throws Exception {
    assertThat(location("/rel")).isEqualTo("/rel/d");
    assertThat(location("/other")).isEqualTo("http://elsewhere/x");
    assertThat(location("/case")).isEqualTo("HTTP://U/x");
  }

  @Test
  void aRefreshsUrlIsRewrittenButNotMadeWhole() throws Exception {
    assertThat(header("/refresh", "example.org", "Refresh")).isEqualTo("5; url=/r");
  }

  @Test
  void offExplicitRulesAndTheRedirectFlagsAreNginxs() throws Exception {
    assertThat(location("/off/abs")).isEqualTo("http://u/abs/d");
    assertThat(location("/np/abs")).isEqualTo("http://example.org/np/abs/d");
    assertThat(location("/sn/abs")).isEqualTo("http://gw.test:" + port + "/sn/abs/d");
    assertThat(location("/ar/abs")).isEqualTo("/ar/abs/d");
    assertThat(location("/ex/abs")).isEqualTo("http://example.org:9/z/abs/d");
  }

  @Test
  void aRegularExpressionRuleReplacesTheWholeValueWithItsGroupsAndIsCaseSensitiveUnlessStarred() throws Exception {
    assertThat(location("/rx/abs/b")).isEqualTo("http://example.org:" + port + "/re/b/d/abs");
    assertThat(location("/rxcase/abs/b")).isEqualTo("http://u/abs/b/d");
    assertThat(location("/rxi/abs/b")).isEqualTo("http://example.org/i/abs");
    assertThat(header("/rxr/refresh", "Example.ORG:8080", "Refresh")).isEqualTo("5; url=/http-refresh");
  }

  @Test
  void aRepeatedRedirectHeadGetsEachRequestsOwnHost() throws Exception {
    for (String host : new String[] {"a.test", "b.test", "a.test"}) {   // the origin repeats its head byte for byte
      assertThat(header("/same", host, "Location")).isEqualTo("http://" + host + ":" + port + "/same/d");
    }
  }
}
