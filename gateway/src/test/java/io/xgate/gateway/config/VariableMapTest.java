package io.xgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xgate.spi.BalancerRegistry;
import io.xgate.spi.ConfigException;
import io.xgate.spi.RequestView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code map} as nginx's map module evaluates it: exact strings compared case-insensitively, {@code ''} for an
 * empty or unset source, regular expressions in order, then {@code default} (else empty); values may hold
 * variables; and {@code large_client_header_buffers}.
 */
class VariableMapTest {

  @TempDir
  Path dir;

  private GatewayConfig load(String http) throws Exception {
    Path f = dir.resolve("xgate.conf");
    Files.writeString(f, "http {\n" + http + "\n upstream u { server 127.0.0.1:9001; }\n"
        + " server { listen 127.0.0.1:8080; location / { proxy_pass http://u; } }\n}\n");
    return new ConfigLoader(BalancerRegistry.loadDefault(), dir).load(f);
  }

  private static RequestView request(Map<String, String> vars) {
    return vars::get;
  }

  @Test
  void theConnectionUpgradeMapNginxUsersWrite() throws Exception {
    VariableMap m = load("map $http_upgrade $connection_upgrade { default upgrade; '' close; }")
        .maps().get("connection_upgrade");
    assertThat(m.evaluate(request(Map.of("http_upgrade", "websocket")))).isEqualTo("upgrade");
    assertThat(m.evaluate(request(Map.of("http_upgrade", "")))).isEqualTo("close");
    assertThat(m.evaluate(request(Map.of()))).as("unset source").isEqualTo("close");
  }

  @Test
  void exactStringsFirstAndCaselessThenRegexesInOrderThenDefault() throws Exception {
    VariableMap m = load("map $uri $kind {\n  /Exact  exact;\n  ~^/api/v(\\d+)  api;\n  ~*\\.PNG$  image;\n"
        + "  ~^/api  never-reached-first;\n  \\~tilde  escaped;\n  default  other-$host;\n }").maps().get("kind");
    assertThat(m.evaluate(request(Map.of("uri", "/exact")))).isEqualTo("exact");
    assertThat(m.evaluate(request(Map.of("uri", "/api/v2/x")))).isEqualTo("api");
    assertThat(m.evaluate(request(Map.of("uri", "/img/a.png")))).isEqualTo("image");
    assertThat(m.evaluate(request(Map.of("uri", "/api")))).isEqualTo("never-reached-first");
    assertThat(m.evaluate(request(Map.of("uri", "~tilde")))).isEqualTo("escaped");
    assertThat(m.evaluate(request(Map.of("uri", "/none", "host", "h")))).isEqualTo("other-h");
  }

  @Test
  void withoutDefaultAnUnmatchedValueIsEmpty() throws Exception {
    VariableMap m = load("map $arg_x $y { a 1; }").maps().get("y");
    assertThat(m.evaluate(request(Map.of("arg_x", "b")))).isEmpty();
    assertThat(m.evaluate(request(Map.of("arg_x", "A")))).isEqualTo("1");
  }

  @Test
  void mistakesAreReportedWithFileAndLine() throws Exception {
    Path f = dir.resolve("xgate.conf");
    assertThatThrownBy(() -> load("map $a $b { default 1; default 2; }")).isInstanceOf(ConfigException.class)
        .hasMessage("duplicate default map parameter in " + f + ":2");
    assertThatThrownBy(() -> load("map $a $b { x 1; X 2; }")).hasMessage("conflicting parameter \"X\" in " + f + ":2");
    assertThatThrownBy(() -> load("map $a b { x 1; }")).hasMessage("invalid variable name \"b\" in " + f + ":2");
    assertThatThrownBy(() -> load("map $a $b { x 1 2; }"))
        .hasMessage("invalid number of the map parameters in " + f + ":2");
    assertThatThrownBy(() -> load("map $a $b { x 1; }\nmap $c $b { y 2; }"))
        .hasMessage("the duplicate \"b\" variable in " + f + ":3");
  }

  @Test
  void largeClientHeaderBuffersDefaultsToFourOf8kAndIsSetInHttpOrServer() throws Exception {
    ProxySettings defaults = load("").servers().get(0).settings();
    assertThat(defaults.largeHeaderBuffers()).isEqualTo(4);
    assertThat(defaults.largeHeaderBufferSize()).isEqualTo(8192);
    ProxySettings set = load("large_client_header_buffers 2 1k;").servers().get(0).settings();
    assertThat(set.largeHeaderBuffers()).isEqualTo(2);
    assertThat(set.largeHeaderBufferSize()).isEqualTo(1024);
  }
}
