package io.xgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.BalancerRegistry;
import io.xgate.spi.ConfigException;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.Directive;
import io.xgate.spi.Peer;
import io.xgate.spi.UpstreamContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config files are read as nginx reads them, and every mistake is reported with nginx's words and file:line. */
class ConfigLoaderTest {

  @TempDir
  Path dir;

  private GatewayConfig load(String text) throws Exception {
    Path f = dir.resolve("xgate.conf");
    Files.writeString(f, text);
    return new ConfigLoader(BalancerRegistry.loadDefault(), dir).load(f);
  }

  private void assertError(String text, String message) throws IOException {
    Path f = dir.resolve("xgate.conf");
    assertThatThrownBy(() -> load(text)).isInstanceOf(ConfigException.class)
        .hasMessage(message.replace("FILE", f.toString()));
  }

  private static final String UPSTREAM = "upstream u { server 127.0.0.1:9001; }\n";

  @Test
  void readsUpstreamServersWithTheirParameters() throws Exception {
    GatewayConfig c = load("http {\n upstream u {\n  server 127.0.0.1:9001 weight=5 max_fails=3 fail_timeout=30s;\n"
        + "  server 127.0.0.1:9002 max_conns=7 down;\n  server 127.0.0.1:9003 backup;\n  keepalive 16;\n }\n"
        + " server { listen 127.0.0.1:8080; location / { proxy_pass http://u; } }\n}\n");
    UpstreamConfig u = c.upstreams().get("u");
    Peer first = u.peers().get(0);
    assertThat(first.name()).isEqualTo("127.0.0.1:9001");
    assertThat(first.weight()).isEqualTo(5);
    assertThat(first.maxFails()).isEqualTo(3);
    assertThat(first.failTimeoutSeconds()).isEqualTo(30);
    assertThat(u.peers().get(1).maxConns()).isEqualTo(7);
    assertThat(u.peers().get(1).isDown()).isTrue();
    assertThat(u.peers().backup().get(0).name()).isEqualTo("127.0.0.1:9003");
    assertThat(u.keepalive()).isEqualTo(16);
    assertThat(c.servers().get(0).locations().get(0).proxyPass().upstream()).isEqualTo("u");
  }

  @Test
  void sendfileTcpNopushAndTcpNodelayAreReadAsNginxReadsThem() throws Exception {
    GatewayConfig c = load("http {\n sendfile on;\n tcp_nopush on;\n tcp_nodelay on;\n" + UPSTREAM
        + " server {\n  listen 127.0.0.1:8080;\n  location / { proxy_pass http://u; }\n"
        + "  location /nagle/ { tcp_nodelay off; sendfile off; proxy_pass http://u; }\n }\n}\n");
    List<LocationConfig> locations = c.servers().get(0).locations();
    assertThat(locations.get(0).settings().tcpNoDelay()).isTrue();
    assertThat(locations.get(1).settings().tcpNoDelay()).isFalse();
    // each message as nginx -t printed it
    assertError("http {\n sendfile yes;\n}\n",
        "invalid value \"yes\" in \"sendfile\" directive, it must be \"on\" or \"off\" in FILE:2");
    assertError("http {\n tcp_nodelay on;\n tcp_nodelay off;\n}\n", "\"tcp_nodelay\" directive is duplicate in FILE:3");
  }

  @Test
  void typesAreReadFromAnIncludedMimeTypesFileAndALevelsOwnBlockReplacesThemAsNginxMerges() throws Exception {
    Files.writeString(dir.resolve("mime.types"), "types {\n    text/css  css;\n    application/json  json;\n}\n");
    GatewayConfig c = load("http {\n include mime.types;\n types_hash_max_size 2048;\n"
        + " types_hash_bucket_size 64;\n default_type application/octet-stream;\n" + UPSTREAM
        + " server {\n  listen 127.0.0.1:8080;\n  location / { proxy_pass http://u; }\n"
        + "  location /own/ { types { a/x dup; b/y dup DUP2; } types { text/x-own own; } proxy_pass http://u; }\n"
        + "  location /none/ { types { } proxy_pass http://u; }\n }\n}\n");
    List<LocationConfig> locations = c.servers().get(0).locations();
    assertThat(locations.get(0).settings().types()).containsOnly(entry("css", "text/css"),
        entry("json", "application/json"));
    // a name given twice takes the later type; names without case; two blocks at one level add up
    assertThat(locations.get(1).settings().types()).containsOnly(entry("dup", "b/y"), entry("dup2", "b/y"),
        entry("own", "text/x-own"));
    assertThat(locations.get(2).settings().types()).isEmpty();
    assertThat(c.warnings()).containsExactly("duplicate extension \"dup\", content type: \"b/y\", previous content"
        + " type: \"a/x\" in " + dir.resolve("xgate.conf") + ":10");   // as nginx 1.22.1 warned
    assertThat(load("http {\n" + UPSTREAM + " server { listen 127.0.0.1:8080; location / { proxy_pass http://u; } }\n}")
        .servers().get(0).locations().get(0).settings().types()).as("nginx's built-in three then").isNull();
  }

  @Test
  void aTypesBlockTakesTypeLinesOnly() throws Exception {
    assertError("http {\n types {\n  text/css { css; }\n }\n}\n", "unexpected \"{\" in FILE:3");
    assertError("http {\n types text/css;\n}\n", "directive \"types\" has no opening \"{\" in FILE:2");
    assertError("http {\n types_hash_max_size lots;\n}\n",
        "\"types_hash_max_size\" directive invalid number in FILE:2");
  }

  @Test
  void allowAndDenyAreReadInOrderALevelsOwnReplacingTheInheritedOnes() throws Exception {
    GatewayConfig c = load("http {\n deny 10.0.0.0/8;\n" + UPSTREAM + " server {\n  listen 127.0.0.1:8080;\n"
        + "  location / { proxy_pass http://u; }\n  location /own { allow 127.0.0.1; deny all; proxy_pass http://u; }\n"
        + " }\n}\n");
    List<LocationConfig> locations = c.servers().get(0).locations();
    assertThat(locations.get(0).settings().accessRules()).hasSize(1);
    assertThat(locations.get(1).settings().accessRules()).extracting(AccessRule::allow).containsExactly(true, false);
    assertThat(c.warnings()).isEmpty();
    assertThat(load("http {\n deny 127.0.0.5/8;\n allow 10.0.0.0/8;\n}\n").warnings()).containsExactly(
        "low address bits of 127.0.0.5/8 are meaningless in " + dir.resolve("xgate.conf") + ":2");   // nginx's words
    assertError("http {\n deny 10.1;\n}\n", "invalid parameter \"10.1\" in FILE:2");
    assertError("http {\n allow host.example;\n}\n", "invalid parameter \"host.example\" in FILE:2");
  }

  @Test
  void limitExceptNamesMethodsNginxKnowsOnceALocationAndHoldsAccessRules() throws Exception {
    GatewayConfig c = load("http {\n" + UPSTREAM + " server {\n  listen 127.0.0.1:8080;\n"
        + "  location / { deny 10.0.0.1; limit_except get post { allow all; } proxy_pass http://u; }\n }\n}\n");
    LocationConfig loc = c.servers().get(0).locations().get(0);
    assertThat(loc.accessRulesFor("GET")).isSameAs(loc.settings().accessRules());
    assertThat(loc.accessRulesFor("HEAD")).isSameAs(loc.settings().accessRules());
    assertThat(loc.accessRulesFor("POST")).isSameAs(loc.settings().accessRules());
    assertThat(loc.accessRulesFor("PUT")).extracting(AccessRule::allow).containsExactly(true);
    String in = "http {\n" + UPSTREAM + " server {\n  listen 127.0.0.1:8080;\n  location / { %s proxy_pass http://u; }\n"
        + " }\n}\n";   // the messages nginx 1.22.1 -t gave
    assertError(String.format(in, "limit_except FOO { deny all; }"), "invalid method \"FOO\" in FILE:5");
    assertError(String.format(in, "limit_except GET { deny all; } limit_except POST { deny all; }"),
        "\"limit_except\" directive is duplicate in FILE:5");
    assertError(String.format(in, "limit_except GET;"), "directive \"limit_except\" has no opening \"{\" in FILE:5");
    assertError(String.format(in, "limit_except GET { proxy_read_timeout 1s; }"),
        "\"proxy_read_timeout\" directive is not allowed here in FILE:5");
  }

  @Test
  void aNumberIsCheckedWithNginxsWords() throws Exception {   // each message as nginx 1.22.1 -t gave it
    assertError("http {\n keepalive_requests x;\n}\n", "\"keepalive_requests\" directive invalid number in FILE:2");
    assertError("http {\n proxy_next_upstream_tries -1;\n}\n",
        "\"proxy_next_upstream_tries\" directive invalid number in FILE:2");
    assertError("http {\n upstream u { server 127.0.0.1:1; keepalive_requests x; }\n}\n",
        "\"keepalive_requests\" directive invalid number in FILE:2");
    assertError("events {\n worker_connections x;\n}\n", "invalid number \"x\" in FILE:2");
    assertError("http {\n upstream u { server 127.0.0.1:1; keepalive x; }\n}\n",
        "invalid value \"x\" in \"keepalive\" directive in FILE:2");
  }

  @Test
  void nginxDefaultsApplyWhereNothingIsSet() throws Exception {
    GatewayConfig c = load("http {\n" + UPSTREAM + " server { listen 127.0.0.1:8080; location / { proxy_pass http://u; } }\n}");
    ProxySettings s = c.servers().get(0).locations().get(0).settings();
    assertThat(s.nextUpstream()).isEqualTo(NextUpstream.ERROR | NextUpstream.TIMEOUT);
    assertThat(s.connectTimeoutMs()).isEqualTo(60_000);
    assertThat(s.nextUpstreamTries()).isZero();
    assertThat(c.upstreams().get("u").peers().get(0).maxFails()).isEqualTo(1);
    assertThat(c.upstreams().get("u").peers().get(0).failTimeoutSeconds()).isEqualTo(10);
  }

  @Test
  void innerLevelsInheritAndOverrideAsNginxMerges() throws Exception {
    GatewayConfig c = load("http {\n proxy_connect_timeout 5s;\n add_header X-A a;\n" + UPSTREAM
        + " server {\n  listen 127.0.0.1:8080;\n  proxy_read_timeout 500ms;\n"
        + "  location /a { proxy_pass http://u; }\n"
        + "  location /b { proxy_pass http://u; add_header X-B b always; proxy_connect_timeout 1s; }\n }\n}");
    ProxySettings a = c.servers().get(0).locations().get(0).settings();
    ProxySettings b = c.servers().get(0).locations().get(1).settings();
    assertThat(a.connectTimeoutMs()).isEqualTo(5000);
    assertThat(a.readTimeoutMs()).isEqualTo(500);
    assertThat(a.addHeaders()).extracting(HeaderValue::name).containsExactly("X-A");
    assertThat(b.connectTimeoutMs()).isEqualTo(1000);
    assertThat(b.addHeaders()).extracting(HeaderValue::name).containsExactly("X-B");
  }

  @Test
  void theClientsTimeoutsDefaultTo60sAndInheritAtTheLevelsNginxAllows() throws Exception {
    GatewayConfig c = load("http {\n client_body_timeout 5s;\n" + UPSTREAM
        + " server {\n  listen 127.0.0.1:8080;\n  client_header_timeout 2s;\n  send_timeout 3s;\n"
        + "  location /a { proxy_pass http://u; }\n"
        + "  location /b { proxy_pass http://u; send_timeout 500ms; client_body_timeout 1s; }\n }\n"
        + " server { listen 127.0.0.1:8081; location / { proxy_pass http://u; } }\n}");
    ProxySettings a = c.servers().get(0).locations().get(0).settings();
    ProxySettings b = c.servers().get(0).locations().get(1).settings();
    ProxySettings other = c.servers().get(1).locations().get(0).settings();
    assertThat(c.servers().get(0).settings().clientHeaderTimeoutMs()).isEqualTo(2000);
    assertThat(a.clientSendTimeoutMs()).isEqualTo(3000);
    assertThat(a.clientBodyTimeoutMs()).isEqualTo(5000);
    assertThat(b.clientSendTimeoutMs()).isEqualTo(500);
    assertThat(b.clientBodyTimeoutMs()).isEqualTo(1000);
    assertThat(other.clientHeaderTimeoutMs()).isEqualTo(60_000);
    assertThat(other.clientSendTimeoutMs()).isEqualTo(60_000);
    assertError("http {\n server {\n  location / {\n   client_header_timeout 1s;\n  }\n }\n}",
        "\"client_header_timeout\" directive is not allowed here in FILE:4");
    assertError("http {\n send_timeout 1x;\n}", "\"send_timeout\" directive invalid value in FILE:2");
  }

  @Test
  void proxyRedirectIsNginxsDefaultRuleUnlessALevelSetsItsOwnOrOff() throws Exception {
    GatewayConfig c = load("http {\n" + UPSTREAM + " server {\n  listen 127.0.0.1:8080;\n"
        + "  location /a/ { proxy_pass http://u/b/; }\n"
        + "  location /c { proxy_pass http://u; proxy_redirect default; proxy_redirect http://x/ /y/; }\n"
        + "  location /d { proxy_redirect off; proxy_pass http://u; }\n }\n"
        + " server { listen 127.0.0.1:8081; proxy_redirect http://s/ /t/;\n"
        + "  location / { proxy_pass http://u; }\n }\n}");
    assertThat(c.servers().get(0).locations().get(0).settings().proxyRedirects())
        .extracting(r -> r.pattern() + " -> " + r.replacement()).containsExactly("http://u/b/ -> /a/");
    assertThat(c.servers().get(0).locations().get(1).settings().proxyRedirects())
        .extracting(r -> r.pattern() + " -> " + r.replacement())
        .containsExactly("http://u/ -> /", "http://x/ -> /y/");
    assertThat(c.servers().get(0).locations().get(2).settings().proxyRedirects()).isEmpty();
    assertThat(c.servers().get(1).locations().get(0).settings().proxyRedirects())
        .extracting(r -> r.pattern() + " -> " + r.replacement()).containsExactly("http://s/ -> /t/");
    assertError("http {\n server {\n  location / {\n   proxy_redirect default;\n   proxy_pass http://127.0.0.1:1;\n"
        + "  }\n }\n}", "\"proxy_redirect default\" should be placed after the \"proxy_pass\" directive in FILE:4");
    assertError("http {\n proxy_redirect ~^http://(.* /$1;\n}",
        "invalid regular expression \"^http://(.*\" (Unclosed group) in FILE:2");
    assertError("http {\n proxy_redirect on;\n}", "invalid parameter \"on\" in FILE:2");
    assertError("http {\n proxy_redirect http://x/ /y/;\n proxy_redirect off;\n}",
        "\"proxy_redirect\" directive is duplicate in FILE:3");
    assertError("http {\n proxy_redirect off;\n proxy_redirect http://x/ /y/;\n}",
        "\"proxy_redirect\" directive is duplicate in FILE:3");
    assertError("http {\n proxy_redirect default;\n}",
        "\"proxy_redirect default\" should be placed after the \"proxy_pass\" directive in FILE:2");
  }

  @Test
  void hiddenAndPassedHeaderListsAreInheritedEachOnItsOwn() throws Exception {
    GatewayConfig c = load("http {\n proxy_hide_header X-A;\n proxy_hide_header X-B;\n" + UPSTREAM
        + " server {\n  listen 127.0.0.1:8080;\n"
        + "  location /a { proxy_pass http://u; proxy_pass_header Date; }\n"
        + "  location /b { proxy_pass http://u; proxy_hide_header X-C; }\n }\n}");
    ProxySettings a = c.servers().get(0).locations().get(0).settings();
    ProxySettings b = c.servers().get(0).locations().get(1).settings();
    assertThat(a.hideHeaders()).containsExactly("X-A", "X-B");
    assertThat(a.passHeaders()).containsExactly("Date");
    assertThat(b.hideHeaders()).containsExactly("X-C");
    assertThat(b.passHeaders()).isEmpty();
    assertError("http {\n proxy_hide_header;\n}", "invalid number of arguments in \"proxy_hide_header\" directive in FILE:2");
  }

  @Test
  void serverTokensIsAcceptedAtEveryLevelAndItsValueChecked() throws Exception {
    load("http {\n server_tokens off;\n" + UPSTREAM + " server {\n  listen 127.0.0.1:8080;\n  server_tokens build;\n"
        + "  location / { proxy_pass http://u; server_tokens on; }\n }\n}");
    assertError("http {\n server_tokens maybe;\n}",
        "invalid value \"maybe\" in \"server_tokens\" directive, it must be \"on\", \"off\" or \"build\" in FILE:2");
  }

  @Test
  void quotesEscapesAndCommentsAreReadAsNginxReadsThem() throws Exception {
    GatewayConfig c = load("# comment\nhttp { # another\n server { listen 127.0.0.1:8080;\n"
        + "  location = /x { return 200 \"a \\\"quoted\\\" line\\n\"; }\n"
        + "  location /y { return 200 'single \\'q\\' $uri'; }\n }\n}");
    LocationConfig x = c.servers().get(0).locations().get(0);
    assertThat(x.match()).isEqualTo(LocationConfig.Match.EXACT);
    assertThat(x.returnText().toString()).isEqualTo("a \"quoted\" line\n");
    assertThat(c.servers().get(0).locations().get(1).returnText().variables()).containsExactly("uri");
  }

  @Test
  void includeGlobsAreResolvedRelativeToTheConfigFolderInSortedOrder() throws Exception {
    Files.createDirectories(dir.resolve("conf.d"));
    Files.writeString(dir.resolve("conf.d/b.conf"), "upstream b { server 127.0.0.1:9002; }\n");
    Files.writeString(dir.resolve("conf.d/a.conf"), "upstream a { server 127.0.0.1:9001; }\n");
    Files.writeString(dir.resolve("conf.d/skip.txt"), "garbage;\n");
    GatewayConfig c = load("http {\n include conf.d/*.conf;\n"
        + " server { listen 127.0.0.1:8080; location / { proxy_pass http://a; } }\n}");
    assertThat(c.upstreams().keySet()).containsExactly("a", "b");
  }

  @Test
  void anErrorInAnIncludedFileNamesThatFile() throws IOException {
    Files.writeString(dir.resolve("bad.conf"), "\n\nproxi_pass http://u;\n");
    assertError("http {\n server { listen 127.0.0.1:8080; location / { include bad.conf; } }\n}",
        "unknown directive \"proxi_pass\" in " + dir.resolve("bad.conf") + ":3");
  }

  @Test
  void unknownDirective() throws IOException {
    assertError("http {\n" + UPSTREAM + " server {\n  listen 127.0.0.1:8080;\n  location / {\n   proxi_pass http://u;\n"
        + "  }\n }\n}", "unknown directive \"proxi_pass\" in FILE:6");
  }

  @Test
  void directiveInTheWrongContext() throws IOException {
    assertError("http {\n proxy_pass http://u;\n}", "\"proxy_pass\" directive is not allowed here in FILE:2");
  }

  @Test
  void wrongNumberOfArguments() throws IOException {
    assertError("http {\n" + UPSTREAM + " server { listen 127.0.0.1:8080;\n location / { proxy_pass; } }\n}",
        "invalid number of arguments in \"proxy_pass\" directive in FILE:4");
  }

  @Test
  void badValues() throws IOException {
    assertError("http {\n upstream u {\n  server 127.0.0.1:9001 weight=0;\n }\n}",
        "invalid parameter \"weight=0\" in FILE:3");
    assertError("http {\n upstream u {\n  server 127.0.0.1:9001 fail_timeout=500ms;\n }\n}",
        "invalid parameter \"fail_timeout=500ms\" in FILE:3");
    assertError("http {\n proxy_connect_timeout 5x;\n}", "\"proxy_connect_timeout\" directive invalid value in FILE:2");
    assertError("http {\n proxy_next_upstream error http_999;\n}", "invalid value \"http_999\" in FILE:2");
    assertError("http {\n upstream_by_bgn_listen 127.0.0.1;\n}",
        "no port in \"upstream_by_bgn_listen\" \"127.0.0.1\" in FILE:2");
    assertError("http {\n upstream u {\n  shared_health maybe;\n  server 127.0.0.1:9001;\n }\n}",
        "invalid value \"maybe\" in \"shared_health\" directive, it must be \"on\" or \"off\" in FILE:3");
  }

  @Test
  void duplicates() throws IOException {
    assertError("http {\n proxy_connect_timeout 5s;\n proxy_connect_timeout 6s;\n}",
        "\"proxy_connect_timeout\" directive is duplicate in FILE:3");
    assertError("http {\n upstream u {\n  shared_health off;\n  shared_health on;\n  server 127.0.0.1:9001;\n }\n}",
        "\"shared_health\" directive is duplicate in FILE:4");
    assertError("http {\n" + UPSTREAM + "upstream u { server 127.0.0.1:9002; }\n}", "duplicate upstream \"u\" in FILE:3");
  }

  @Test
  void proxyPassToAnUnknownUpstream() throws IOException {
    assertError("http {\n server { listen 127.0.0.1:8080;\n  location / { proxy_pass http://nosuch.invalid; } }\n}",
        "host not found in upstream \"nosuch.invalid\" in FILE:3");
  }

  @Test
  void blockStructureErrors() throws IOException {
    assertError("http {\n server {\n", "unexpected end of file, expecting \"}\" in FILE:3");
    assertError("http {\n}\n}\n", "unexpected \"}\" in FILE:3");
    assertError("http;\n", "directive \"http\" has no opening \"{\" in FILE:1");
    assertError("worker_processes 2 {\n}\n", "directive \"worker_processes\" is not terminated by \";\" in FILE:1");
  }

  @Test
  void knownNginxDirectivesNotYetImplementedAreNamedNotIgnored() throws IOException {
    assertError("http {\n gzip on;\n}", "\"gzip\" directive is not supported yet in FILE:2");
    assertError("load_module modules/ngx_http_echo_module.so;\n",
        "\"load_module\" directive is not supported yet in FILE:1");
  }

  /** The head of Debian's default nginx.conf, whose directives xgate reads as nginx reads them. */
  private static final String DEBIAN_HEAD = "user www-data;\nworker_processes auto;\ndaemon off;\n"
      + "events {\n worker_connections 768;\n}\n"
      + "http {\n sendfile on;\n tcp_nopush on;\n types_hash_max_size 2048;\n"
      + " ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;\n ssl_prefer_server_ciphers on;\n"
      + " ssl_session_cache shared:SSL:10m;\n ssl_session_timeout 1d;\n ssl_session_tickets off;\n"
      + " ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256;\n" + UPSTREAM
      + " server { listen 127.0.0.1:8080; location / { proxy_pass http://u; } }\n}\n";

  @Test
  void userIsIgnoredWithNginxsWarningUnlessXgateRunsAsRootWhichItCannotLeave() throws Exception {
    Path f = dir.resolve("xgate.conf");
    Files.writeString(f, DEBIAN_HEAD);
    GatewayConfig c = new ConfigLoader(BalancerRegistry.loadDefault(), dir).superUser(false).load(f);
    assertThat(c.warnings()).containsExactly("the \"user\" directive makes sense only if the master process runs"
        + " with super-user privileges, ignored in " + f + ":1");   // as nginx 1.22.1 warned, run as a user
    assertThatThrownBy(() -> new ConfigLoader(BalancerRegistry.loadDefault(), dir).superUser(true).load(f))
        .isInstanceOf(ConfigException.class).hasMessage("xgate does not switch users: start it as \"www-data\""
            + " rather than as root (the \"user\" directive is then ignored, as nginx ignores it) in " + f + ":1");
  }

  @Test
  void daemonOffIsWhatXgateDoesAndTlsSettingsAreCheckedForTheTlsServersItDoesNotHaveYet() throws Exception {
    Path f = dir.resolve("xgate.conf");
    Files.writeString(f, DEBIAN_HEAD.replace("user www-data;\n", ""));
    assertThat(new ConfigLoader(BalancerRegistry.loadDefault(), dir).load(f).warnings()).isEmpty();
    assertError("daemon on;\nhttp {\n}\n", "\"daemon on\" is not supported: xgate stays in the foreground (start it"
        + " from a service manager) in FILE:1");
    assertError("daemon maybe;\n", "invalid value \"maybe\" in \"daemon\" directive, it must be \"on\" or \"off\""
        + " in FILE:1");
    assertError("http {\n ssl_protocols TLSv1.2 TLSv9;\n}\n", "invalid value \"TLSv9\" in FILE:2");
    assertError("http {\n ssl_session_cache shared:SSL;\n}\n", "invalid session cache \"shared:SSL\" in FILE:2");
    assertError("http {\n ssl_session_timeout soon;\n}\n", "\"ssl_session_timeout\" directive invalid value in FILE:2");
    assertError("http {\n server {\n  location / { ssl_protocols TLSv1.3; }\n }\n}\n",
        "\"ssl_protocols\" directive is not allowed here in FILE:3");
    assertError("http {\n ssl_certificate cert.pem;\n}\n", "\"ssl_certificate\" directive is not supported yet in FILE:2");
  }

  @Test
  void responseBufferSizesFollowNginxsRules() throws IOException {
    String loc = "http {\n" + UPSTREAM + " server { listen 127.0.0.1:8080;\n location / { proxy_pass http://u; ";
    assertError(loc + "proxy_buffers 1 4k; } }\n}", "there must be at least 2 \"proxy_buffers\" in FILE:4");
    assertError(loc + "proxy_buffers 4 0; } }\n}", "invalid value \"4 0\" in \"proxy_buffers\" directive in FILE:4");
    assertError(loc + "proxy_buffers 2 4k; } }\n}",
        "\"proxy_busy_buffers_size\" must be less than the size of all \"proxy_buffers\" minus one buffer in FILE:4");
    assertError(loc + "proxy_buffer_size 16k; proxy_busy_buffers_size 8k; } }\n}",
        "\"proxy_busy_buffers_size\" must be equal to or greater than the maximum of the value of"
            + " \"proxy_buffer_size\" and one of the \"proxy_buffers\" in FILE:4");
    assertError(loc + "proxy_max_temp_file_size 1k; } }\n}",
        "\"proxy_max_temp_file_size\" must be equal to zero to disable temporary files usage or must be equal to"
            + " or greater than the maximum of the value of \"proxy_buffer_size\" and one of the \"proxy_buffers\""
            + " in FILE:4");
    assertError("http {\n proxy_temp_path /tmp/x 1 2;\n}", "levels in \"proxy_temp_path\" are not supported yet in FILE:2");
  }

  @Test
  void eventsBlockOfAnNginxConfigIsAccepted() throws Exception {
    GatewayConfig c = load("worker_processes 2;\nevents { worker_connections 4096; }\nhttp { }\n");
    assertThat(c.workerProcesses()).isEqualTo(2);
  }

  @Test
  void useNamesTheEventMethodAndNoneMeansTheBestAvailable() throws Exception {
    assertThat(load("events { }\nhttp { }\n").eventMethod()).isNull();
    for (EventMethod m : EventMethod.values()) {
      String conf = "events {\n use " + m + ";\n}\n";
      if (m.available()) {
        assertThat(load(conf).eventMethod()).isEqualTo(m);
      } else {
        assertError(conf, "the \"" + m + "\" event method is not available here: " + m.unavailabilityCause()
            + " in FILE:2");
      }
    }
    assertError("events {\n use poll;\n}\n",
        "invalid event type \"poll\" (xgate has io_uring, epoll, kqueue) in FILE:2");
    assertError("events {\n use epoll;\n use io_uring;\n}\n", "\"use\" directive is duplicate in FILE:3");
    assertError("http {\n use epoll;\n}\n", "\"use\" directive is not allowed here in FILE:2");
  }

  @Test
  void upstreamByBgnNamesAKnownUpstreamAndStandsInForProxyPass() throws Exception {
    GatewayConfig c = load("http {\n" + UPSTREAM + " upstream_by_bgn_lease_timeout 5s;\n"
        + " server { listen 127.0.0.1:8080;\n  location /pick { upstream_by_bgn u; }\n"
        + "  location /by-host { upstream_by_bgn $host; }\n"
        + "  location / { proxy_pass http://u; upstream_by_bgn u; }\n }\n}");
    LocationConfig pick = c.servers().get(0).locations().get(0);
    assertThat(pick.upstreamByBgn().toString()).isEqualTo("u");
    assertThat(pick.settings().leaseTimeoutMs()).isEqualTo(5000);
    assertThat(c.servers().get(0).locations().get(1).upstreamByBgn().isConstant()).isFalse();
    assertThat(c.servers().get(0).locations().get(2).upstreamByBgn()).isNotNull();

    assertError("http {\n" + UPSTREAM + " server { listen 127.0.0.1:8080;\n  location / { upstream_by_bgn v; }\n }\n}",
        "no upstream \"v\" for \"upstream_by_bgn\" in FILE:4");
    assertError("http {\n" + UPSTREAM + " server { listen 127.0.0.1:8080;\n"
        + "  location / { return 200; upstream_by_bgn u; }\n }\n}",
        "\"upstream_by_bgn\" cannot be combined with \"return\" in FILE:4");
    assertError("http {\n" + UPSTREAM + " server { listen 127.0.0.1:8080;\n"
        + "  location / { upstream_by_bgn u; upstream_by_bgn u; }\n }\n}",
        "\"upstream_by_bgn\" directive is duplicate in FILE:4");
  }

  /** A plugin that owns {@code pin_upstream NAME;} in http/server/location, as session_sticky owns its hide_cookie. */
  private static final class PinProvider extends BalancerProvider {
    @Override
    public String policyName() {
      return "pin";
    }

    @Override
    public ConfigOrError<?> parseConfig(Directive directive) {
      return ConfigOrError.of(null);
    }

    @Override
    public Set<String> locationDirectives() {
      return Set.of("pin_upstream");
    }

    @Override
    public ConfigOrError<?> parseLocationDirective(Directive d, Set<String> upstreams) {
      if (d.args().size() != 1) {
        return ConfigOrError.error(d.invalidArgumentCount());
      }
      return upstreams.contains(d.arg(0)) ? ConfigOrError.of("pinned:" + d.arg(0))
          : ConfigOrError.error(d.error("no upstream \"" + d.arg(0) + "\""));
    }

    @Override
    public Balancer newBalancer(UpstreamContext upstream, Object config) {
      return upstream.base();
    }
  }

  private GatewayConfig loadWithPin(String text) throws Exception {
    Path f = dir.resolve("xgate.conf");
    Files.writeString(f, text);
    List<BalancerProvider> providers = new ArrayList<>(BalancerRegistry.loadDefault().providers());
    providers.add(new PinProvider());
    return new ConfigLoader(BalancerRegistry.of(providers), dir).load(f);
  }

  @Test
  void pluginLocationDirectivesInheritDownwardsAndMayNameUpstreamsDefinedLater() throws Exception {
    GatewayConfig c = loadWithPin("http {\n pin_upstream u;\n server { listen 127.0.0.1:8080;\n"
        + "  location /a { proxy_pass http://u; }\n  location /b { proxy_pass http://u; pin_upstream v; }\n }\n"
        + UPSTREAM + " upstream v { server 127.0.0.1:9002; }\n}");
    assertThat(c.servers().get(0).locations().get(0).settings().pluginDirective("pin_upstream")).isEqualTo("pinned:u");
    assertThat(c.servers().get(0).locations().get(1).settings().pluginDirective("pin_upstream")).isEqualTo("pinned:v");
    assertThat(c.servers().get(0).locations().get(1).settings().pluginDirective("other")).isNull();
  }

  @Test
  void pluginLocationDirectiveErrorsNameTheirPlace() throws Exception {
    Path f = dir.resolve("xgate.conf");
    String loc = " server { listen 127.0.0.1:8080;\n  location / { proxy_pass http://u; %s }\n }\n}";
    assertThatThrownBy(() -> loadWithPin("http {\n" + UPSTREAM + String.format(loc, "pin_upstream w;")))
        .hasMessage("no upstream \"w\" in " + f + ":4");
    assertThatThrownBy(() -> loadWithPin("http {\n" + UPSTREAM + String.format(loc, "pin_upstream u; pin_upstream u;")))
        .hasMessage("\"pin_upstream\" directive is duplicate in " + f + ":4");
    assertThatThrownBy(() -> loadWithPin("http {\n upstream u { pin_upstream u; server 127.0.0.1:9001; }\n}"))
        .hasMessage("\"pin_upstream\" directive is not allowed here in " + f + ":2");
    assertError("http {\n" + UPSTREAM + String.format(loc, "pin_upstream u;"), "unknown directive \"pin_upstream\" in FILE:4");
  }
}
