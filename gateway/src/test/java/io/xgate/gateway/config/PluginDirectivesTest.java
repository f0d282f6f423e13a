package io.xgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.xgate.gateway.upstream.UpstreamRegistry;
import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.BalancerRegistry;
import io.xgate.spi.ConfigException;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.ContentHandler;
import io.xgate.spi.ContentHandlerProvider;
import io.xgate.spi.ContentHandlerRegistry;
import io.xgate.spi.ContentResponse;
import io.xgate.spi.Directive;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.RequestView;
import io.xgate.spi.Selection;
import io.xgate.spi.TimeSource;
import io.xgate.spi.UpstreamContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SPI's plugin directives, with plugins the gateway has never heard of: a balancer provider's companion
 * directives reach it wherever they stand in the block, a location directive of a content handler provider makes
 * the location answer through it, mistakes name {@code file:line}, and every balancer of a chain is retired and
 * closed.
 */
class PluginDirectivesTest {

  @TempDir
  Path dir;

  /** A pass-through decorator named {@code probe}, owning {@code probe_send} and {@code probe_expect}. */
  static final class ProbeProvider extends BalancerProvider {
    final List<String> events = new ArrayList<>();

    @Override
    public String policyName() {
      return "probe";
    }

    @Override
    public Set<String> companionDirectives() {
      return Set.of("probe_send", "probe_expect");
    }

    @Override
    public ConfigOrError<?> parseConfig(Directive directive) {
      return ConfigOrError.error(directive.error("companions expected"));
    }

    @Override
    public ConfigOrError<?> parseConfig(Directive directive, List<Directive> companions) {
      List<String> seen = new ArrayList<>();
      for (Directive c : companions) {
        seen.add(c.name() + " " + String.join(" ", c.args()) + " @" + c.line());
      }
      return ConfigOrError.of(seen);
    }

    @Override
    public Balancer newBalancer(UpstreamContext upstream, Object config) {
      Balancer base = upstream.base();
      return new Balancer() {
        @Override
        public Selection select(RequestView request) {
          return base.select(request);
        }

        @Override
        public PeerGroup peers() {
          return base.peers();
        }

        @Override
        public void retire() {
          events.add("retire " + upstream.name());
        }

        @Override
        public void close() {
          events.add("close " + upstream.name());
        }
      };
    }
  }

  /** {@code hello NAME;}: answers {@code hello NAME}. */
  static final class HelloProvider extends ContentHandlerProvider {
    @Override
    public String directiveName() {
      return "hello";
    }

    @Override
    public ConfigOrError<?> parseConfig(Directive d) {
      return d.args().size() == 1 ? ConfigOrError.of(d.arg(0)) : ConfigOrError.error(d.invalidArgumentCount());
    }

    @Override
    public ContentHandler newHandler(Object config) {
      return request -> ContentResponse.of(200, "text/plain", Buffer.buffer("hello " + config));
    }
  }

  private final ProbeProvider probe = new ProbeProvider();

  private GatewayConfig load(String text) throws Exception {
    Path f = dir.resolve("xgate.conf");
    Files.writeString(f, text);
    List<BalancerProvider> providers = new ArrayList<>(BalancerRegistry.loadDefault().providers());
    providers.add(probe);
    return new ConfigLoader(BalancerRegistry.of(providers), ContentHandlerRegistry.of(List.of(new HelloProvider())),
        dir).load(f);
  }

  private void assertError(String text, String message) {
    Path f = dir.resolve("xgate.conf");
    assertThatThrownBy(() -> load(text)).isInstanceOf(ConfigException.class)
        .hasMessage(message.replace("FILE", f.toString()));
  }

  @Test
  void companionsReachTheirProviderWhereverTheyStand() throws Exception {
    GatewayConfig c = load("http {\n upstream u {\n  probe_send \"HEAD /\";\n  server 127.0.0.1:9001;\n"
        + "  probe on;\n  probe_expect a b;\n }\n"
        + " server { listen 127.0.0.1:8080; location / { proxy_pass http://u; } }\n}\n");
    assertThat(c.upstreams().get("u").balancers().get(0).config())
        .isEqualTo(List.of("probe_send HEAD / @3", "probe_expect a b @6"));
  }

  @Test
  void aCompanionWithoutItsDirectiveIsAnError() {
    assertError("http {\n upstream u {\n  server 127.0.0.1:9001;\n  probe_expect a;\n }\n}\n",
        "\"probe_expect\" directive needs \"probe\" in the same upstream in FILE:4");
  }

  @Test
  void aContentDirectiveMakesTheLocationAnswer() throws Exception {
    GatewayConfig c = load("http {\n server { listen 127.0.0.1:8080;\n  location = /hi { hello world; }\n }\n}\n");
    LocationConfig loc = c.servers().get(0).locations().get(0);
    ContentResponse r = loc.content().handle(null);
    assertThat(r.body().toString()).isEqualTo("hello world");
    assertThat(r.headers()).containsEntry("Content-Type", "text/plain");

    assertError("http {\n server { listen 127.0.0.1:8080;\n  location = /hi { hello; }\n }\n}\n",
        "invalid number of arguments in \"hello\" directive in FILE:3");
    assertError("http {\n server { listen 127.0.0.1:8080;\n  location = /hi { hello a; hello b; }\n }\n}\n",
        "\"hello\" directive is duplicate in FILE:3");
    assertError("http {\n server { listen 127.0.0.1:8080;\n  location = /hi { hello a; return 200; }\n }\n}\n",
        "location \"/hi\" has more than one handler in FILE:3");
    assertError("http {\n hello a;\n}\n", "\"hello\" directive is not allowed here in FILE:2");
  }

  @Test
  void everyBalancerOfAChainIsRetiredAndClosed() throws Exception {
    GatewayConfig c = load("http {\n upstream u { server 127.0.0.1:9001; probe; }\n"
        + " upstream v { server 127.0.0.1:9002; probe; hash $request_uri; }\n"
        + " server { listen 127.0.0.1:8080; location / { proxy_pass http://u; } }\n}\n");
    UpstreamRegistry registry = UpstreamRegistry.build(c, BalancerRegistry.of(List.of(probe,
        BalancerRegistry.loadDefault().provider("round_robin"), BalancerRegistry.loadDefault().provider("hash"))),
        TimeSource.SYSTEM, null);
    registry.retire();
    registry.close();
    // v's probe is decorated by hash: it is reached all the same
    assertThat(probe.events).containsExactlyInAnyOrder("retire u", "retire v", "close u", "close v");
  }
}
