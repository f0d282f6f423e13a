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
 * {@code allow} and {@code deny} as nginx 1.22.1 applied the same config to the same requests: the first rule that
 * matches the client decides, a level's own rules replace those it inherits, a network's host bits are cleared, a
 * denied request gets 403 with nginx's page and an error-log line, and {@code return} answers before the rules are
 * looked at (nginx's rewrite phase comes before its access phase); {@code limit_except} gives the methods it does
 * not name its block's rules.
 */
class AccessRulesTest {

  @TempDir
  static Path temp;

  private static Vertx vertx;
  private static Gateway gateway;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    int origin = vertx.createHttpServer().requestHandler(req -> req.response().end("origin"))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    port = RawHttp.freePort();
    String pass = " proxy_pass http://127.0.0.1:" + origin + ";";
    Path conf = temp.resolve("xgate.conf");
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n"
        + " log_format f '\"$request\" $status';\n access_log " + temp.resolve("access.log") + " f;\n"
        + " deny 10.0.0.0/8;\n"
        + " server { listen 127.0.0.1:" + port + "; server_name acc;\n"
        + "  location /inherited {" + pass + " }\n"
        + "  location /returned { deny all; return 200 \"x\"; }\n"
        + "  location /denied { deny 127.0.0.1; allow all;" + pass + " }\n"
        + "  location /allowed { allow 127.0.0.0/8; deny all;" + pass + " }\n"
        + "  location /masked { deny 127.0.0.5/8;" + pass + " }\n"
        + "  location /v6 { deny ::1; deny ::ffff:127.0.0.1;" + pass + " }\n"
        + "  location /limited { limit_except GET { deny all; }" + pass + " }\n"
        + "  location /inverted { deny 127.0.0.1; limit_except GET { allow all; }" + pass + " }\n"
        + "  location /empty { deny 127.0.0.1; limit_except POST { }" + pass + " }\n"
        + " }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    Shutdown.stop(gateway, vertx);
  }

  private static String get(String path) throws Exception {
    return RawHttp.exchange(port, "GET " + path + " HTTP/1.1\r\nHost: acc\r\nConnection: close\r\n\r\n");
  }

  @Test
  void aClientNoRuleMatchesGoesOnAndALevelsOwnRulesReplaceTheInheritedOnes() throws Exception {
    assertThat(get("/inherited")).startsWith("HTTP/1.1 200 OK\r\n").endsWith("origin");
    assertThat(get("/allowed")).startsWith("HTTP/1.1 200 OK\r\n").endsWith("origin");
  }

  @Test
  void theFirstMatchingRuleDecidesAndADeniedRequestGets403WithNginxsPageAndAnErrorLogLine() throws Exception {
    String answer = get("/denied");
    assertThat(answer).startsWith("HTTP/1.1 403 Forbidden\r\n").contains("\r\nContent-Type: text/html\r\n")
        .contains("<center><h1>403 Forbidden</h1></center>");
    String line = "#0: access forbidden by rule, client: 127.0.0.1, server: acc, request: \"GET /denied HTTP/1.1\","
        + " host: \"acc\"";
    LogFiles.awaitText(temp.resolve("error.log"), line + "\n");
    assertThat(Files.readAllLines(temp.resolve("error.log"))).filteredOn(l -> l.endsWith(line))
        .allMatch(l -> l.contains(" [error] "));
    LogFiles.awaitText(temp.resolve("access.log"), "\"GET /denied HTTP/1.1\" 403\n");
  }

  @Test
  void aNetworksHostBitsAreClearedAsNginxClearsThem() throws Exception {
    assertThat(get("/masked")).startsWith("HTTP/1.1 403 Forbidden\r\n");
  }

  @Test
  void returnAnswersBeforeTheRulesAreLookedAt() throws Exception {
    assertThat(get("/returned")).startsWith("HTTP/1.1 200 OK\r\n").endsWith("x");
  }

  private static int status(String method, String path) throws Exception {
    String answer = RawHttp.exchange(port, method + " " + path + " HTTP/1.1\r\nHost: acc\r\nContent-Length: 0\r\n"
        + "Connection: close\r\n\r\n");
    return Integer.parseInt(answer.substring(9, 12));
  }

  @Test
  void limitExceptAppliesItsBlocksRulesToTheMethodsItDoesNotNameAsNginxDoes() throws Exception {
    // each status as nginx 1.22.1 answered the same config
    assertThat(status("GET", "/limited")).isEqualTo(200);
    assertThat(status("HEAD", "/limited")).as("GET names HEAD too").isEqualTo(200);
    assertThat(status("POST", "/limited")).isEqualTo(403);
    assertThat(status("FOO", "/limited")).as("a method nginx does not know").isEqualTo(403);
    assertThat(status("GET", "/inverted")).as("a named method: the location's rules").isEqualTo(403);
    assertThat(status("POST", "/inverted")).isEqualTo(200);
    assertThat(status("GET", "/empty")).isEqualTo(403);
    assertThat(status("POST", "/empty")).as("a block without rules: the location's").isEqualTo(403);
  }

  @Test
  void anIpv4ClientIsNotMatchedByIpv6Rules() throws Exception {
    assertThat(get("/v6")).startsWith("HTTP/1.1 200 OK\r\n").endsWith("origin");
  }
}
