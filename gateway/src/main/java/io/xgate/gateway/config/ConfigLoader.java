package io.xgate.gateway.config;

import io.xgate.spi.BalancerProvider;
import io.xgate.spi.BalancerRegistry;
import io.xgate.spi.ComplexValue;
import io.xgate.spi.ConfigException;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.ContentHandlerProvider;
import io.xgate.spi.ContentHandlerRegistry;
import io.xgate.spi.Directive;
import io.xgate.spi.ConfigValues;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.PatternSyntaxException;

/**
 * Turns an nginx-syntax config file into a validated {@link GatewayConfig}: every directive is checked against
 * the directive table (context, block or not, number of arguments, value syntax, duplicates), balancer directives
 * inside {@code upstream {}} are handed to the {@link BalancerProvider} of that name, and references
 * ({@code proxy_pass} to an upstream, {@code access_log} formats) are resolved. Any problem is a
 * {@link ConfigException} naming {@code file:line} in nginx's words; nothing is silently ignored.
 */
public final class ConfigLoader {

  /** Where a directive may appear. */
  enum Ctx { MAIN, EVENTS, HTTP, SERVER, LOCATION, LIMIT_EXCEPT, UPSTREAM }

  /** What the directives inside a {@code limit_except} block write to: the block's own settings. */
  private record LimitExcept(ProxySettings settings) {
  }

  /** The methods {@code limit_except} may name ({@code ngx_http_core_limit_except}). */
  private static final Set<String> LIMIT_EXCEPT_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "MKCOL",
      "COPY", "MOVE", "OPTIONS", "PROPFIND", "PROPPATCH", "LOCK", "UNLOCK", "PATCH");

  @FunctionalInterface
  private interface Handler {
    void apply(ConfigNode node, Object target) throws ConfigException;
  }

  private record Spec(Set<Ctx> contexts, int minArgs, int maxArgs, boolean block, Handler handler) {
  }

  /**
   * nginx directives xgate knows but does not implement yet: named in a clear error rather than reported as
   * unknown (and never ignored).
   */
  private static final Set<String> NOT_SUPPORTED_YET = Set.of(
      "root", "alias",
      "index", "gzip", "proxy_intercept_errors",
      "proxy_cache", "proxy_cache_path", "proxy_cache_valid", "proxy_cache_key", "rewrite",
      "if", "set", "try_files", "error_page", "limit_req", "limit_req_zone", "limit_conn",
      "limit_conn_zone", "ssl_certificate", "ssl_certificate_key", "load_module",
      "worker_rlimit_nofile", "multi_accept", "accept_mutex", "fastcgi_temp_path", "uwsgi_temp_path",
      "scgi_temp_path", "resolver", "resolver_timeout", "reset_timedout_connection", "master_process", "include_if_exists",
      "dyups_interface", "sticky", "ntlm",
      "proxy_ssl_verify", "proxy_ssl_server_name", "http2", "listen_backlog", "stream", "mail");

  private final BalancerRegistry registry;
  private final ContentHandlerRegistry contentHandlers;
  private final Path prefix;
  /** Whether this process runs as root: the {@code user} directive means something then, which xgate cannot do. */
  private boolean superUser = runsAsRoot();
  private final Map<String, Spec> specs = new HashMap<>();
  private GatewayConfig config;
  private final Map<LocationConfig, ConfigNode> proxyPassNodes = new LinkedHashMap<>();
  private final Map<LocationConfig, ConfigNode> upstreamByBgnNodes = new LinkedHashMap<>();
  private final Map<UpstreamConfig, Set<String>> upstreamParams = new HashMap<>();
  /** Balancer plugins' directives of http/server/location, by name (Tengine's session_sticky_hide_cookie). */
  private final Map<String, BalancerProvider> pluginDirectiveOwners = new HashMap<>();
  private final List<PluginDirective> pluginDirectives = new ArrayList<>();

  /** A plugin's location directive as read, parsed once every upstream is known. */
  private record PluginDirective(ConfigNode node, BalancerProvider provider, ProxySettings settings) {
  }
  /** The companion directives of the upstream block being read, by the provider owning them. */
  private Map<BalancerProvider, List<Directive>> companions = Map.of();

  /**
   * @param registry the balancer providers that may appear in {@code upstream {}}
   * @param prefix the folder relative log, pid and temp paths are resolved against (nginx's {@code -p})
   */
  public ConfigLoader(BalancerRegistry registry, Path prefix) {
    this(registry, null, prefix);
  }

  /** The content handlers on the class path, scanned once and only when a config uses a directive none knows. */
  private static final class DefaultContentHandlers {
    static final ContentHandlerRegistry REGISTRY = ContentHandlerRegistry.loadDefault();
  }

  /**
   * @param registry the balancer providers that may appear in {@code upstream {}}
   * @param contentHandlers the plugin content handlers that may appear in {@code location {}}; {@code null}: those
   *     {@link ContentHandlerRegistry#loadDefault()} finds
   * @param prefix the folder relative log, pid and temp paths are resolved against (nginx's {@code -p})
   */
  public ConfigLoader(BalancerRegistry registry, ContentHandlerRegistry contentHandlers, Path prefix) {
    this.registry = registry;
    this.contentHandlers = contentHandlers;
    this.prefix = prefix;
    defineDirectives();
    for (BalancerProvider p : registry.providers()) {
      for (String name : p.locationDirectives()) {
        pluginDirectiveOwners.putIfAbsent(name, p);
      }
    }
  }

  /** Reads configs as if the process ran as root ({@code superUser}) or not, whatever it runs as (for tests). */
  ConfigLoader superUser(boolean superUser) {
    this.superUser = superUser;
    return this;
  }

  private static boolean runsAsRoot() {
    try {
      return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    } catch (RuntimeException | LinkageError notUnix) {
      return false;
    }
  }

  /** Reads, validates and resolves {@code file}. */
  public GatewayConfig load(Path file) throws ConfigException {
    Path abs = file.toAbsolutePath().normalize();
    NginxConfigParser parser = new NginxConfigParser(abs.getParent());
    List<ConfigNode> nodes = parser.parseFile(abs);
    return build(abs, nodes);
  }

  /** Validates and resolves already parsed {@code nodes} read from {@code file}. */
  public GatewayConfig build(Path file, List<ConfigNode> nodes) throws ConfigException {
    config = new GatewayConfig(file, prefix);
    proxyPassNodes.clear();
    upstreamByBgnNodes.clear();
    upstreamParams.clear();
    pluginDirectives.clear();
    walk(nodes, Ctx.MAIN, config);
    resolve();
    return config;
  }

  // ---------------------------------------------------------------- walking

  private void walk(List<ConfigNode> nodes, Ctx ctx, Object target) throws ConfigException {
    for (ConfigNode node : nodes) {
      Spec spec = specs.get(node.name());
      if (spec == null) {
        if (ctx == Ctx.UPSTREAM && registry.provider(node.name()) != null
            && !node.name().equals(BalancerProvider.ROUND_ROBIN)) {
          balancerDirective(node, (UpstreamConfig) target);
          continue;
        }
        if (pluginDirectiveOwners.containsKey(node.name())) {
          pluginDirective(node, ctx, target);
          continue;
        }
        if (ctx == Ctx.LOCATION && contentHandlers().provider(node.name()) != null) {
          contentDirective(node, (LocationConfig) target);
          continue;
        }
        if (registry.provider(node.name()) != null || companionOwner(node.name()) != null
            || contentHandlers().provider(node.name()) != null) {
          throw node.error("\"" + node.name() + "\" directive is not allowed here");   // a plugin's, elsewhere
        }
        if (NOT_SUPPORTED_YET.contains(node.name())) {
          throw node.error("\"" + node.name() + "\" directive is not supported yet");
        }
        throw node.error("unknown directive \"" + node.name() + "\"");
      }
      if (!spec.contexts.contains(ctx)) {
        throw node.error("\"" + node.name() + "\" directive is not allowed here");
      }
      if (spec.block && !node.isBlock()) {
        throw node.error("directive \"" + node.name() + "\" has no opening \"{\"");
      }
      if (!spec.block && node.isBlock()) {
        throw node.error("directive \"" + node.name() + "\" is not terminated by \";\"");
      }
      int n = node.args().size();
      if (n < spec.minArgs || n > spec.maxArgs) {
        throw node.error("invalid number of arguments in \"" + node.name() + "\" directive");
      }
      spec.handler.apply(node, target);
    }
  }

  private void define(String name, Set<Ctx> contexts, int min, int max, boolean block, Handler handler) {
    specs.put(name, new Spec(contexts, min, max, block, handler));
  }

  private static final Set<Ctx> HSL = EnumSet.of(Ctx.HTTP, Ctx.SERVER, Ctx.LOCATION);
  private static final Set<Ctx> HS = EnumSet.of(Ctx.HTTP, Ctx.SERVER);

  private static ProxySettings settingsOf(Object target) {
    if (target instanceof LimitExcept l) {
      return l.settings();
    }
    if (target instanceof GatewayConfig g) {
      return g.httpSettings;
    }
    if (target instanceof ServerConfig s) {
      return s.settings;
    }
    return ((LocationConfig) target).settings;
  }

  private void defineDirectives() {
    // ---- main and events
    define("worker_processes", EnumSet.of(Ctx.MAIN), 1, 1, false, (n, t) -> {
      if (n.arg(0).equals("auto")) {
        config.workerProcesses = Runtime.getRuntime().availableProcessors();
      } else {
        config.workerProcesses = (int) positive(n, n.arg(0));
      }
    });
    define("error_log", EnumSet.of(Ctx.MAIN, Ctx.HTTP), 1, 2, false, (n, t) -> {
      config.errorLogPath = n.arg(0).equals("stderr") ? "stderr" : path(n.arg(0));
      if (n.args().size() == 2) {
        String level = n.arg(1);
        if (!Set.of("debug", "info", "notice", "warn", "error", "crit", "alert", "emerg").contains(level)) {
          throw n.error("invalid log level \"" + level + "\"");
        }
        config.errorLogLevel = level;
      }
    });
    define("pid", EnumSet.of(Ctx.MAIN), 1, 1, false, (n, t) -> config.pidPath = path(n.arg(0)));
    define("daemon", EnumSet.of(Ctx.MAIN), 1, 1, false, (n, t) -> {
      if (flag(n, n.arg(0))) {   // "off" is what xgate does: it stays in the foreground
        throw n.error("\"daemon on\" is not supported: xgate stays in the foreground (start it from a service"
            + " manager)");
      }
    });
    define("user", EnumSet.of(Ctx.MAIN), 1, 2, false, (n, t) -> {
      if (!superUser) {   // nginx's words, as it ignores the directive then
        config.warnings.add(n.warning("the \"user\" directive makes sense only if the master process runs with"
            + " super-user privileges, ignored"));
        return;
      }
      throw n.error("xgate does not switch users: start it as \"" + n.arg(0) + "\" rather than as root (the"
          + " \"user\" directive is then ignored, as nginx ignores it)");
    });
    define("config_scan_interval", EnumSet.of(Ctx.MAIN), 1, 1, false,
        (n, t) -> config.configScanIntervalMs = n.arg(0).equals("off") ? 0 : time(n, n.arg(0)));
    define("events", EnumSet.of(Ctx.MAIN), 0, 0, true, (n, t) -> walk(n.children(), Ctx.EVENTS, t));
    define("worker_connections", EnumSet.of(Ctx.EVENTS), 1, 1, false, (n, t) -> {
      long number = ConfigValues.parseNumber(n.arg(0));
      if (number <= 0 || number > Integer.MAX_VALUE) {
        throw n.error("invalid number \"" + n.arg(0) + "\"");
      }
      config.workerConnections = (int) number;
    });
    define("use", EnumSet.of(Ctx.EVENTS), 1, 1, false, (n, t) -> {
      duplicate(n, config.eventMethod);
      EventMethod method = EventMethod.named(n.arg(0));
      if (method == null) {
        throw n.error("invalid event type \"" + n.arg(0) + "\" (xgate has " + EventMethod.PREFERENCE.stream()
            .map(String::valueOf).collect(java.util.stream.Collectors.joining(", ")) + ")");
      }
      if (!method.available()) {
        throw n.error("the \"" + method + "\" event method is not available here: " + method.unavailabilityCause());
      }
      config.eventMethod = method;
    });
    define("http", EnumSet.of(Ctx.MAIN), 0, 0, true, (n, t) -> {
      if (config.hasHttp) {
        throw n.error("\"http\" directive is duplicate");
      }
      config.hasHttp = true;
      walk(n.children(), Ctx.HTTP, config);
    });

    // ---- http
    define("upstream", EnumSet.of(Ctx.HTTP), 1, 1, true, (n, t) -> upstream(n));
    // server lines inside upstream {} are read by upstream(); here only the http-level block
    define("server", EnumSet.of(Ctx.HTTP), 0, 0, true, (n, t) -> {
      ServerConfig server = new ServerConfig(n.file(), n.line());
      config.servers.add(server);
      walk(n.children(), Ctx.SERVER, server);
    });
    define("log_format", EnumSet.of(Ctx.HTTP), 2, Integer.MAX_VALUE, false, (n, t) -> logFormat(n));
    define("map", EnumSet.of(Ctx.HTTP), 2, 2, true, (n, t) -> map(n));
    define("large_client_header_buffers", EnumSet.of(Ctx.HTTP, Ctx.SERVER), 2, 2, false, (n, t) -> {
      ProxySettings s = settingsOf(t);
      duplicate(n, s.largeHeaderBufferSize);
      long number = positive(n, n.arg(0));
      long size = size(n, n.arg(1));
      if (size <= 1) {
        throw n.error("invalid value \"" + n.arg(1) + "\" in \"" + n.name() + "\" directive");
      }
      s.largeHeaderBuffers = (int) number;
      s.largeHeaderBufferSize = size;
    });

    define("underscores_in_headers", EnumSet.of(Ctx.HTTP, Ctx.SERVER), 1, 1, false, (n, t) -> {
      ProxySettings s = settingsOf(t);
      duplicate(n, s.underscoresInHeaders);
      s.underscoresInHeaders = flag(n, n.arg(0));
    });
    define("ignore_invalid_headers", EnumSet.of(Ctx.HTTP, Ctx.SERVER), 1, 1, false, (n, t) -> {
      ProxySettings s = settingsOf(t);
      duplicate(n, s.ignoreInvalidHeaders);
      s.ignoreInvalidHeaders = flag(n, n.arg(0));
    });
    define("client_header_timeout", EnumSet.of(Ctx.HTTP, Ctx.SERVER), 1, 1, false, (n, t) -> {
      ProxySettings s = settingsOf(t);
      duplicate(n, s.clientHeaderTimeoutMs);
      s.clientHeaderTimeoutMs = time(n, n.arg(0));
    });

    // ---- server
    define("listen", EnumSet.of(Ctx.SERVER), 1, Integer.MAX_VALUE, false, (n, t) -> listen(n, (ServerConfig) t));
    define("server_name", EnumSet.of(Ctx.SERVER), 1, Integer.MAX_VALUE, false,
        (n, t) -> ((ServerConfig) t).serverNames.addAll(n.args()));
    define("location", EnumSet.of(Ctx.SERVER, Ctx.LOCATION), 1, 2, true, (n, t) -> location(n, t));

    // ---- location
    define("proxy_pass", EnumSet.of(Ctx.LOCATION), 1, 1, false, (n, t) -> {
      LocationConfig loc = (LocationConfig) t;
      if (proxyPassNodes.containsKey(loc) || loc.returnStatus != null) {
        throw n.error("\"proxy_pass\" directive is duplicate");
      }
      proxyPassNodes.put(loc, n);
    });
    define("return", EnumSet.of(Ctx.LOCATION), 1, 2, false, (n, t) -> returnDirective(n, (LocationConfig) t));
    define("upstream_by_bgn", EnumSet.of(Ctx.LOCATION), 1, 1, false, (n, t) -> {
      LocationConfig loc = (LocationConfig) t;
      if (loc.upstreamByBgn != null) {
        throw n.error("\"upstream_by_bgn\" directive is duplicate");
      }
      if (loc.returnStatus != null) {
        throw n.error("\"upstream_by_bgn\" cannot be combined with \"return\"");
      }
      loc.upstreamByBgn = complex(n, n.arg(0));
      upstreamByBgnNodes.put(loc, n);
    });

    // ---- upstream
    define("keepalive", EnumSet.of(Ctx.UPSTREAM), 1, 1, false, (n, t) -> {
      UpstreamConfig u = (UpstreamConfig) t;
      if (u.keepaliveSet) {
        throw n.error("\"keepalive\" directive is duplicate");
      }
      u.keepaliveSet = true;
      u.keepalive = (int) positive(n, n.arg(0));
    });
    define("shared_health", EnumSet.of(Ctx.UPSTREAM), 1, 1, false, (n, t) -> {
      UpstreamConfig u = (UpstreamConfig) t;
      if (u.sharedHealthSet) {
        throw n.error("\"shared_health\" directive is duplicate");
      }
      u.sharedHealthSet = true;
      u.sharedHealth = flag(n, n.arg(0));
    });
    define("zone", EnumSet.of(Ctx.UPSTREAM), 1, 2, false, (n, t) -> {
      // balancer state is always shared by every event loop of the process: zone's meaning holds without it
      if (n.args().size() == 2 && ConfigValues.parseSize(n.arg(1)) < 0) {
        throw n.error("invalid zone size \"" + n.arg(1) + "\"");
      }
    });

    // ---- settings shared by http, server, location
    define("proxy_next_upstream", HSL, 1, Integer.MAX_VALUE, false, (n, t) -> {
      ProxySettings s = settingsOf(t);
      duplicate(n, s.nextUpstream);
      int mask = 0;
      for (String w : n.args()) {
        int bit = NextUpstream.bit(w);
        if (bit == 0) {
          throw n.error("invalid value \"" + w + "\"");
        }
        mask |= bit;
      }
      if ((mask & NextUpstream.OFF) != 0) {
        mask = NextUpstream.OFF;
      }
      s.nextUpstream = mask;
    });
    setting("proxy_next_upstream_tries", s -> s.nextUpstreamTries, (s, v) -> s.nextUpstreamTries = v,
        n -> (int) numberSlot(n, n.arg(0)));
    setting("proxy_next_upstream_timeout", s -> s.nextUpstreamTimeoutMs, (s, v) -> s.nextUpstreamTimeoutMs = v,
        n -> time(n, n.arg(0)));
    setting("proxy_connect_timeout", s -> s.connectTimeoutMs, (s, v) -> s.connectTimeoutMs = v, n -> time(n, n.arg(0)));
    setting("proxy_read_timeout", s -> s.readTimeoutMs, (s, v) -> s.readTimeoutMs = v, n -> time(n, n.arg(0)));
    setting("proxy_send_timeout", s -> s.sendTimeoutMs, (s, v) -> s.sendTimeoutMs = v, n -> time(n, n.arg(0)));
    setting("client_body_timeout", s -> s.clientBodyTimeoutMs, (s, v) -> s.clientBodyTimeoutMs = v,
        n -> time(n, n.arg(0)));
    setting("send_timeout", s -> s.clientSendTimeoutMs, (s, v) -> s.clientSendTimeoutMs = v, n -> time(n, n.arg(0)));
    define("proxy_http_version", HSL, 1, 1, false, (n, t) -> {
      ProxySettings s = settingsOf(t);
      duplicate(n, s.httpVersion);
      if (!n.arg(0).equals("1.0") && !n.arg(0).equals("1.1")) {
        throw n.error("invalid value \"" + n.arg(0) + "\" in \"proxy_http_version\" directive, it must be "
            + "\"1.0\" or \"1.1\"");
      }
      s.httpVersion = n.arg(0);
    });
    define("proxy_set_header", HSL, 2, 2, false, (n, t) -> {
      ProxySettings s = settingsOf(t);
      if (s.proxySetHeaders == null) {
        s.proxySetHeaders = new ArrayList<>();
      }
      s.proxySetHeaders.add(new HeaderValue(n.arg(0), complex(n, n.arg(1)), false));
    });
    define("proxy_redirect", HSL, 1, 2, false, (n, t) -> proxyRedirect(n, t));
    setting("proxy_method", s -> s.proxyMethod, (s, v) -> s.proxyMethod = v, n -> complex(n, n.arg(0)));
    setting("proxy_pass_request_body", s -> s.passRequestBody, (s, v) -> s.passRequestBody = v,
        n -> flag(n, n.arg(0)));
    setting("proxy_pass_request_headers", s -> s.passRequestHeaders, (s, v) -> s.passRequestHeaders = v,
        n -> flag(n, n.arg(0)));
    setting("absolute_redirect", s -> s.absoluteRedirect, (s, v) -> s.absoluteRedirect = v, n -> flag(n, n.arg(0)));
    setting("port_in_redirect", s -> s.portInRedirect, (s, v) -> s.portInRedirect = v, n -> flag(n, n.arg(0)));
    setting("server_name_in_redirect", s -> s.serverNameInRedirect, (s, v) -> s.serverNameInRedirect = v,
        n -> flag(n, n.arg(0)));
    define("default_type", HSL, 1, 1, false, (n, t) -> settingsOf(t).defaultType = n.arg(0));
    define("types", HSL, 0, 0, true, (n, t) -> types(n, settingsOf(t)));
    define("limit_except", EnumSet.of(Ctx.LOCATION), 1, Integer.MAX_VALUE, true, (n, t) -> {
      LocationConfig loc = (LocationConfig) t;
      if (loc.limitExceptMethods != null) {
        throw n.error("\"limit_except\" directive is duplicate");
      }
      Set<String> methods = new HashSet<>();
      for (String m : n.args()) {
        String method = m.toUpperCase(java.util.Locale.ROOT);
        if (!LIMIT_EXCEPT_METHODS.contains(method)) {
          throw n.error("invalid method \"" + m + "\"");
        }
        methods.add(method);
        if (method.equals("GET")) {
          methods.add("HEAD");   // as nginx: allowing GET allows HEAD
        }
      }
      loc.limitExceptMethods = Set.copyOf(methods);
      loc.limitExceptSettings = new ProxySettings();
      walk(n.children(), Ctx.LIMIT_EXCEPT, new LimitExcept(loc.limitExceptSettings));
    });
    for (String access : List.of("allow", "deny")) {
      define(access, EnumSet.of(Ctx.HTTP, Ctx.SERVER, Ctx.LOCATION, Ctx.LIMIT_EXCEPT), 1, 1, false, (n, t) -> {
        AccessRule rule = AccessRule.parse(n.name().equals("allow"), n.arg(0));
        if (rule == null) {
          throw n.error("invalid parameter \"" + n.arg(0) + "\"");
        }
        if (rule.hostBitsCleared()) {
          config.warnings.add(n.warning("low address bits of " + n.arg(0) + " are meaningless"));
        }
        ProxySettings s = settingsOf(t);
        if (s.accessRules == null) {
          s.accessRules = new ArrayList<>();
        }
        s.accessRules.add(rule);
      });
    }
    // TLS settings: nginx applies them to the servers that listen with "ssl" or have a certificate only, and xgate
    // has no such server yet ("listen ... ssl" and "ssl_certificate" are not supported): checked, nothing to apply
    define("ssl_protocols", HS, 1, Integer.MAX_VALUE, false, (n, t) -> {
      for (String protocol : n.args()) {
        if (!List.of("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3").contains(protocol)) {
          throw n.error("invalid value \"" + protocol + "\"");
        }
      }
    });
    define("ssl_ciphers", HS, 1, 1, false, (n, t) -> { });
    for (String onOff : List.of("ssl_prefer_server_ciphers", "ssl_session_tickets")) {
      define(onOff, HS, 1, 1, false, (n, t) -> flag(n, n.arg(0)));
    }
    define("ssl_session_timeout", HS, 1, 1, false, (n, t) -> time(n, n.arg(0)));
    define("ssl_session_cache", HS, 1, 2, false, (n, t) -> {
      for (String cache : n.args()) {
        boolean valid = cache.equals("off") || cache.equals("none") || cache.equals("builtin")
            || (cache.startsWith("builtin:") && ConfigValues.parseNumber(cache.substring(8)) >= 0)
            || (cache.startsWith("shared:") && cache.indexOf(':', 7) > 7
                && ConfigValues.parseSize(cache.substring(cache.indexOf(':', 7) + 1)) > 0);
        if (!valid) {
          throw n.error("invalid session cache \"" + cache + "\"");
        }
      }
    });
    for (String hashSize : List.of("types_hash_max_size", "types_hash_bucket_size")) {
      // nginx sizes the hash it builds of the types; xgate's map has no such bounds: checked, nothing to size
      define(hashSize, HSL, 1, 1, false, (n, t) -> numberSlot(n, n.arg(0)));
    }
    define("server_tokens", HSL, 1, 1, false, (n, t) -> {
      // xgate never sends its version: "off" is what it does anyway, "on" and "build" differ from nginx there
      if (!List.of("on", "off", "build").contains(n.arg(0))) {
        throw n.error("invalid value \"" + n.arg(0) + "\" in \"server_tokens\" directive, it must be \"on\", "
            + "\"off\" or \"build\"");
      }
    });
    define("proxy_hide_header", HSL, 1, 1, false, (n, t) -> {
      ProxySettings s = settingsOf(t);
      if (s.hideHeaders == null) {
        s.hideHeaders = new ArrayList<>();
      }
      s.hideHeaders.add(n.arg(0));
    });
    define("proxy_pass_header", HSL, 1, 1, false, (n, t) -> {
      ProxySettings s = settingsOf(t);
      if (s.passHeaders == null) {
        s.passHeaders = new ArrayList<>();
      }
      s.passHeaders.add(n.arg(0));
    });
    define("add_header", HSL, 2, 3, false, (n, t) -> {
      ProxySettings s = settingsOf(t);
      if (s.addHeaders == null) {
        s.addHeaders = new ArrayList<>();
      }
      boolean always = false;
      if (n.args().size() == 3) {
        if (!n.arg(2).equals("always")) {
          throw n.error("invalid parameter \"" + n.arg(2) + "\"");
        }
        always = true;
      }
      s.addHeaders.add(new HeaderValue(n.arg(0), complex(n, n.arg(1)), always));
    });
    define("access_log", HSL, 1, 6, false, (n, t) -> accessLog(n, settingsOf(t)));
    setting("proxy_request_buffering", s -> s.requestBuffering, (s, v) -> s.requestBuffering = v,
        n -> flag(n, n.arg(0)));
    setting("tcp_nodelay", s -> s.tcpNoDelay, (s, v) -> s.tcpNoDelay = v, n -> flag(n, n.arg(0)));
    for (String sendPath : List.of("sendfile", "tcp_nopush")) {
      // how nginx writes a file's bytes (sendfile(2), TCP_CORK with it): xgate reads its temp files through Vert.x
      // and writes the same bytes either way; checked, nothing to switch
      define(sendPath, HSL, 1, 1, false, (n, t) -> flag(n, n.arg(0)));
    }
    setting("client_body_buffer_size", s -> s.clientBodyBufferSize, (s, v) -> s.clientBodyBufferSize = v,
        n -> size(n, n.arg(0)));
    define("client_body_temp_path", HSL, 1, 4, false, (n, t) -> {
      ProxySettings s = settingsOf(t);
      duplicate(n, s.clientBodyTempPath);
      if (n.args().size() > 1) {
        throw n.error("levels in \"client_body_temp_path\" are not supported yet");
      }
      s.clientBodyTempPath = path(n.arg(0));
    });
    define("upstream_by_bgn_listen", EnumSet.of(Ctx.HTTP), 1, 1, false, (n, t) -> {
      duplicate(n, config.peerResolverListen);
      HostPort hp = hostPort(n, n.arg(0), "upstream_by_bgn_listen");
      if (!hp.portGiven) {
        throw n.error("no port in \"upstream_by_bgn_listen\" \"" + n.arg(0) + "\"");
      }
      config.peerResolverListen = new Listen(hp.host.equals("*") ? "0.0.0.0" : hp.host, hp.port, false);
    });
    setting("upstream_by_bgn_lease_timeout", s -> s.leaseTimeoutMs, (s, v) -> s.leaseTimeoutMs = v,
        n -> time(n, n.arg(0)));
    setting("client_max_body_size", s -> s.clientMaxBodySize, (s, v) -> s.clientMaxBodySize = v,
        n -> size(n, n.arg(0)));
    setting("proxy_buffering", s -> s.proxyBuffering, (s, v) -> s.proxyBuffering = v, n -> flag(n, n.arg(0)));
    setting("proxy_buffer_size", s -> s.proxyBufferSize, (s, v) -> s.proxyBufferSize = v,
        n -> positiveSize(n, n.arg(0)));
    define("proxy_buffers", HSL, 2, 2, false, (n, t) -> {
      ProxySettings s = settingsOf(t);
      duplicate(n, s.proxyBuffers);
      long number = ConfigValues.parseNumber(n.arg(0));
      long size = ConfigValues.parseSize(n.arg(1));
      if (number <= 0 || number > 65536 || size <= 0) {
        throw n.error("invalid value \"" + n.arg(0) + " " + n.arg(1) + "\" in \"proxy_buffers\" directive");
      }
      if (number < 2) {
        throw n.error("there must be at least 2 \"proxy_buffers\"");
      }
      s.proxyBuffers = new ProxySettings.Buffers((int) number, size);
    });
    setting("proxy_busy_buffers_size", s -> s.busyBuffersSize, (s, v) -> s.busyBuffersSize = v,
        n -> positiveSize(n, n.arg(0)));
    setting("proxy_max_temp_file_size", s -> s.maxTempFileSize, (s, v) -> s.maxTempFileSize = v,
        n -> size(n, n.arg(0)));
    setting("proxy_temp_file_write_size", s -> s.tempFileWriteSize, (s, v) -> s.tempFileWriteSize = v,
        n -> positiveSize(n, n.arg(0)));
    define("proxy_temp_path", HSL, 1, 4, false, (n, t) -> {
      ProxySettings s = settingsOf(t);
      duplicate(n, s.proxyTempPath);
      if (n.args().size() > 1) {
        throw n.error("levels in \"proxy_temp_path\" are not supported yet");
      }
      s.proxyTempPath = path(n.arg(0));
    });
    define("keepalive_timeout", EnumSet.of(Ctx.HTTP, Ctx.SERVER, Ctx.LOCATION, Ctx.UPSTREAM), 1, 2, false,
        (n, t) -> {
          if (t instanceof UpstreamConfig u) {
            if (n.args().size() != 1) {
              throw n.error("invalid number of arguments in \"keepalive_timeout\" directive");
            }
            u.keepaliveTimeoutMs = time(n, n.arg(0));
            return;
          }
          ProxySettings s = settingsOf(t);
          duplicate(n, s.keepaliveTimeoutMs);
          s.keepaliveTimeoutMs = time(n, n.arg(0));
          if (n.args().size() == 2) {
            time(n, n.arg(1));   // the Keep-Alive header's timeout: validated, and not sent (as nginx's default)
          }
        });
    define("keepalive_requests", EnumSet.of(Ctx.HTTP, Ctx.SERVER, Ctx.LOCATION, Ctx.UPSTREAM), 1, 1, false,
        (n, t) -> {
          if (t instanceof UpstreamConfig u) {
            u.keepaliveRequests = numberSlot(n, n.arg(0));
            return;
          }
          ProxySettings s = settingsOf(t);
          duplicate(n, s.keepaliveRequests);
          s.keepaliveRequests = numberSlot(n, n.arg(0));
        });
  }

  // ---------------------------------------------------------------- blocks

  private void upstream(ConfigNode n) throws ConfigException {
    String name = n.arg(0);
    if (config.upstreams.containsKey(name)) {
      throw n.error("duplicate upstream \"" + name + "\"");
    }
    UpstreamConfig u = new UpstreamConfig(name, n.file(), n.line());
    config.upstreams.put(name, u);
    for (ConfigNode child : n.children()) {
      if (child.name().equals("server") && !child.isBlock()) {
        if (child.args().isEmpty()) {
          throw child.error("invalid number of arguments in \"server\" directive");
        }
        u.serverLines.add(child);
      }
    }
    List<ConfigNode> others = new ArrayList<>();
    Map<BalancerProvider, List<Directive>> owned = new HashMap<>();
    Map<BalancerProvider, ConfigNode> firstCompanion = new HashMap<>();
    for (ConfigNode child : n.children()) {
      BalancerProvider owner = companionOwner(child.name());
      if (owner != null) {
        // handed to the owner's directive wherever they stand in the block
        owned.computeIfAbsent(owner, k -> new ArrayList<>()).add(child.toDirective());
        firstCompanion.putIfAbsent(owner, child);
      } else if (!(child.name().equals("server") && !child.isBlock())) {
        others.add(child);
      }
    }
    companions = owned;
    walk(others, Ctx.UPSTREAM, u);
    companions = Map.of();
    for (Map.Entry<BalancerProvider, ConfigNode> e : firstCompanion.entrySet()) {
      if (u.balancers.stream().noneMatch(step -> step.provider() == e.getKey())) {
        throw e.getValue().error("\"" + e.getValue().name() + "\" directive needs \"" + e.getKey().policyName()
            + "\" in the same upstream");
      }
    }
    if (u.serverLines.isEmpty()) {
      throw n.error("no servers are inside upstream");
    }
    u.peers = peers(u);
  }

  private void balancerDirective(ConfigNode n, UpstreamConfig u) throws ConfigException {
    BalancerProvider provider = registry.provider(n.name());
    for (UpstreamConfig.BalancerStep step : u.balancers) {
      if (step.provider().policyName().equals(n.name())) {
        throw n.error("\"" + n.name() + "\" directive is duplicate");
      }
    }
    ConfigOrError<?> parsed;
    try {
      parsed = provider.parseConfig(n.toDirective(), companions.getOrDefault(provider, List.of()));
    } catch (RuntimeException e) {
      throw n.error("balancer \"" + n.name() + "\" failed to parse its arguments: " + e);
    }
    if (parsed == null) {
      throw n.error("balancer \"" + n.name() + "\" returned no config");
    }
    if (parsed.isError()) {
      throw parsed.error();
    }
    u.balancers.add(new UpstreamConfig.BalancerStep(provider, parsed.config(), n.toDirective()));
  }

  private void pluginDirective(ConfigNode n, Ctx ctx, Object target) throws ConfigException {
    if (!HSL.contains(ctx)) {
      throw n.error("\"" + n.name() + "\" directive is not allowed here");
    }
    if (n.isBlock()) {
      throw n.error("directive \"" + n.name() + "\" is not terminated by \";\"");
    }
    ProxySettings settings = settingsOf(target);
    for (PluginDirective d : pluginDirectives) {
      if (d.settings() == settings && d.node().name().equals(n.name())) {
        throw n.error("\"" + n.name() + "\" directive is duplicate");
      }
    }
    pluginDirectives.add(new PluginDirective(n, pluginDirectiveOwners.get(n.name()), settings));
  }

  /** Parses the plugins' location directives, now that every upstream they may name is known. */
  private void parsePluginDirectives() throws ConfigException {
    for (PluginDirective d : pluginDirectives) {
      ConfigNode n = d.node();
      ConfigOrError<?> parsed;
      try {
        parsed = d.provider().parseLocationDirective(n.toDirective(), config.upstreams.keySet());
      } catch (RuntimeException e) {
        throw n.error("balancer \"" + d.provider().policyName() + "\" failed to parse \"" + n.name() + "\": " + e);
      }
      if (parsed == null || (!parsed.isError() && parsed.config() == null)) {
        throw n.error("balancer \"" + d.provider().policyName() + "\" returned no value for \"" + n.name() + "\"");
      }
      if (parsed.isError()) {
        throw parsed.error();
      }
      if (d.settings().pluginDirectives == null) {
        d.settings().pluginDirectives = new HashMap<>();
      }
      d.settings().pluginDirectives.put(n.name(), parsed.config());
    }
  }

  private ContentHandlerRegistry contentHandlers() {
    return contentHandlers != null ? contentHandlers : DefaultContentHandlers.REGISTRY;
  }

  private BalancerProvider companionOwner(String directive) {
    for (BalancerProvider p : registry.providers()) {
      if (p.companionDirectives().contains(directive)) {
        return p;
      }
    }
    return null;
  }

  /** A plugin's content directive ({@code check_status}): the location answers through its handler. */
  private void contentDirective(ConfigNode n, LocationConfig loc) throws ConfigException {
    if (loc.content != null) {
      throw n.error("\"" + n.name() + "\" directive is duplicate");
    }
    if (n.isBlock()) {
      throw n.error("directive \"" + n.name() + "\" is not terminated by \";\"");
    }
    ContentHandlerProvider provider = contentHandlers().provider(n.name());
    ConfigOrError<?> parsed;
    try {
      parsed = provider.parseConfig(n.toDirective());
    } catch (RuntimeException e) {
      throw n.error("handler \"" + n.name() + "\" failed to parse its arguments: " + e);
    }
    if (parsed == null) {
      throw n.error("handler \"" + n.name() + "\" returned no config");
    }
    if (parsed.isError()) {
      throw parsed.error();
    }
    loc.content = provider.newHandler(parsed.config());
    if (loc.content == null) {
      throw n.error("handler \"" + n.name() + "\" built nothing");
    }
  }

  private PeerGroup peers(UpstreamConfig u) throws ConfigException {
    Set<String> extra = new HashSet<>();
    boolean backupAllowed = true;
    String refusing = null;
    for (UpstreamConfig.BalancerStep step : u.balancers) {
      extra.addAll(step.provider().serverParameters());
      if (!step.provider().supportsBackup()) {
        backupAllowed = false;
        refusing = step.provider().policyName();
      }
    }
    List<Peer> primary = new ArrayList<>();
    List<Peer> backup = new ArrayList<>();
    for (ConfigNode line : u.serverLines) {
      int weight = 1;
      int maxFails = 1;
      long failTimeout = 10;
      int maxConns = 0;
      boolean isBackup = false;
      boolean down = false;
      Map<String, String> params = new LinkedHashMap<>();
      for (int i = 1; i < line.args().size(); i++) {
        String a = line.arg(i);
        int eq = a.indexOf('=');
        String key = eq > 0 ? a.substring(0, eq) : a;
        String value = eq > 0 ? a.substring(eq + 1) : null;
        if (value != null && key.equals("weight")) {
          long w = ConfigValues.parseNumber(value);
          if (w <= 0 || w > 1_000_000) {
            throw line.error("invalid parameter \"" + a + "\"");
          }
          weight = (int) w;
        } else if (value != null && key.equals("max_fails")) {
          long v = ConfigValues.parseNumber(value);
          if (v < 0 || v > Integer.MAX_VALUE) {
            throw line.error("invalid parameter \"" + a + "\"");
          }
          maxFails = (int) v;
        } else if (value != null && key.equals("fail_timeout")) {
          failTimeout = ConfigValues.parseTimeSeconds(value);
          if (failTimeout < 0) {
            throw line.error("invalid parameter \"" + a + "\"");
          }
        } else if (value != null && key.equals("max_conns")) {
          long v = ConfigValues.parseNumber(value);
          if (v < 0 || v > Integer.MAX_VALUE) {
            throw line.error("invalid parameter \"" + a + "\"");
          }
          maxConns = (int) v;
        } else if (value == null && key.equals("backup")) {
          if (!backupAllowed) {
            throw line.error("balancing method \"" + refusing + "\" does not support parameter \"backup\"");
          }
          isBackup = true;
        } else if (value == null && key.equals("down")) {
          down = true;
        } else if (value != null && extra.contains(key)) {
          params.put(key, value);
        } else {
          throw line.error("invalid parameter \"" + a + "\"");
        }
      }
      String server = line.arg(0);
      HostPort hp = hostPort(line, server, "upstream");
      for (String address : resolve(line, hp.host, server)) {
        Peer peer = new Peer(server, address, hp.port, weight, maxFails, failTimeout, maxConns, isBackup, down,
            params);
        (isBackup ? backup : primary).add(peer);
      }
    }
    if (primary.isEmpty()) {
      ConfigNode first = u.serverLines.get(0);
      throw first.error("no primary servers are inside upstream \"" + u.name + "\"");
    }
    PeerGroup backupGroup = backup.isEmpty() ? null : new PeerGroup(u.name, backup, null);
    return new PeerGroup(u.name, primary, backupGroup);
  }

  private record HostPort(String host, int port, boolean portGiven) {
  }

  private static HostPort hostPort(ConfigNode n, String text, String what) throws ConfigException {
    if (text.startsWith("unix:")) {
      throw n.error("unix domain sockets are not supported yet in " + what + " \"" + text + "\"");
    }
    String host;
    String port = null;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw n.error("invalid host in " + what + " \"" + text + "\"");
      }
      host = text.substring(1, close);
      if (close + 1 < text.length()) {
        if (text.charAt(close + 1) != ':') {
          throw n.error("invalid host in " + what + " \"" + text + "\"");
        }
        port = text.substring(close + 2);
      }
    } else {
      int colon = text.lastIndexOf(':');
      if (colon >= 0) {
        host = text.substring(0, colon);
        port = text.substring(colon + 1);
      } else {
        host = text;
      }
    }
    if (host.isEmpty()) {
      throw n.error("no host in " + what + " \"" + text + "\"");
    }
    int p = 80;
    if (port != null) {
      long v = ConfigValues.parseNumber(port);
      if (v < 1 || v > 65535) {
        throw n.error("invalid port in " + what + " \"" + text + "\"");
      }
      p = (int) v;
    }
    return new HostPort(host, p, port != null);
  }

  private static List<String> resolve(ConfigNode n, String host, String text) throws ConfigException {
    try {
      List<String> out = new ArrayList<>();
      for (InetAddress a : InetAddress.getAllByName(host)) {
        String addr = a.getHostAddress();
        if (!out.contains(addr)) {
          out.add(addr);
        }
      }
      return out;
    } catch (UnknownHostException e) {
      throw n.error("host not found in upstream \"" + text + "\"");
    }
  }

  private void location(ConfigNode n, Object parent) throws ConfigException {
    if (parent instanceof LocationConfig) {
      throw n.error("nested locations are not supported yet");
    }
    ServerConfig server = (ServerConfig) parent;
    LocationConfig.Match match;
    String pattern;
    if (n.args().size() == 2) {
      match = switch (n.arg(0)) {
        case "=" -> LocationConfig.Match.EXACT;
        case "^~" -> LocationConfig.Match.PREFIX_NO_REGEX;
        case "~" -> LocationConfig.Match.REGEX;
        case "~*" -> LocationConfig.Match.REGEX_CASELESS;
        default -> throw n.error("invalid location modifier \"" + n.arg(0) + "\"");
      };
      pattern = n.arg(1);
    } else {
      String a = n.arg(0);
      if (a.startsWith("=")) {
        match = LocationConfig.Match.EXACT;
        pattern = a.substring(1);
      } else if (a.startsWith("^~")) {
        match = LocationConfig.Match.PREFIX_NO_REGEX;
        pattern = a.substring(2);
      } else if (a.startsWith("~*")) {
        match = LocationConfig.Match.REGEX_CASELESS;
        pattern = a.substring(2);
      } else if (a.startsWith("~")) {
        match = LocationConfig.Match.REGEX;
        pattern = a.substring(1);
      } else if (a.startsWith("@")) {
        throw n.error("named locations are not supported yet");
      } else {
        match = LocationConfig.Match.PREFIX;
        pattern = a;
      }
    }
    if (pattern.isEmpty()) {
      throw n.error("invalid location \"" + String.join(" ", n.args()) + "\"");
    }
    LocationConfig loc;
    try {
      loc = new LocationConfig(match, pattern, n.file(), n.line());
    } catch (PatternSyntaxException e) {
      throw n.error("pcre_compile() failed: " + e.getDescription() + " in \"" + pattern + "\"");
    }
    if (loc.regex == null) {
      for (LocationConfig other : server.locations) {
        if (other.regex == null && other.pattern.equals(pattern)
            && (other.match == LocationConfig.Match.EXACT) == (match == LocationConfig.Match.EXACT)) {
          throw n.error("duplicate location \"" + pattern + "\"");
        }
      }
    }
    server.locations.add(loc);
    walk(n.children(), Ctx.LOCATION, loc);
    if (loc.content != null && (proxyPassNodes.containsKey(loc) || loc.returnStatus != null
        || loc.upstreamByBgn != null)) {
      throw n.error("location \"" + pattern + "\" has more than one handler");
    }
    if (!proxyPassNodes.containsKey(loc) && loc.returnStatus == null && loc.upstreamByBgn == null
        && loc.content == null) {
      throw n.error("location \"" + pattern + "\" has no handler: it needs \"proxy_pass\", \"return\" or "
          + "\"upstream_by_bgn\"");
    }
  }

  private void returnDirective(ConfigNode n, LocationConfig loc) throws ConfigException {
    if (loc.returnStatus != null || proxyPassNodes.containsKey(loc)) {
      throw n.error("\"return\" directive is duplicate");
    }
    if (loc.upstreamByBgn != null) {
      throw n.error("\"return\" cannot be combined with \"upstream_by_bgn\"");
    }
    String first = n.arg(0);
    long status = ConfigValues.parseNumber(first);
    if (status < 0) {
      if (n.args().size() == 2 || !(first.startsWith("http://") || first.startsWith("https://")
          || first.startsWith("$scheme"))) {
        throw n.error("invalid return code \"" + first + "\"");
      }
      loc.returnStatus = 302;
      loc.returnText = complex(n, first);
      return;
    }
    if (status < 100 || status > 999) {
      throw n.error("invalid return code \"" + first + "\"");
    }
    loc.returnStatus = (int) status;
    if (n.args().size() == 2) {
      loc.returnText = complex(n, n.arg(1));
    }
  }

  private void listen(ConfigNode n, ServerConfig server) throws ConfigException {
    String addr = n.arg(0);
    String host;
    int port;
    if (ConfigValues.parseNumber(addr) >= 0) {
      host = "0.0.0.0";
      port = (int) ConfigValues.parseNumber(addr);
    } else {
      HostPort hp = hostPort(n, addr, "listen");
      host = hp.host.equals("*") ? "0.0.0.0" : hp.host;
      port = hp.port;
      if (!hp.portGiven) {
        port = 80;
      }
    }
    if (port < 1 || port > 65535) {
      throw n.error("invalid port in \"" + addr + "\" of the \"listen\" directive");
    }
    boolean def = false;
    for (int i = 1; i < n.args().size(); i++) {
      String p = n.arg(i);
      if (p.equals("default_server") || p.equals("default")) {
        def = true;
      } else if (p.startsWith("backlog=") && ConfigValues.parseNumber(p.substring(8)) > 0) {
        // accepted: Vert.x's default accept backlog is already large; see docs
      } else if (p.equals("reuseport")) {
        // accepted: Vert.x shares one listening socket between its event loops
      } else if (p.equals("ssl") || p.equals("http2") || p.equals("quic") || p.equals("proxy_protocol")) {
        throw n.error("the \"" + p + "\" parameter of \"listen\" is not supported yet");
      } else {
        throw n.error("invalid parameter \"" + p + "\"");
      }
    }
    for (Listen l : server.listens) {
      if (l.host().equals(host) && l.port() == port) {
        throw n.error("duplicate listen " + addr);
      }
    }
    server.listens.add(new Listen(host, port, def));
  }

  private void logFormat(ConfigNode n) throws ConfigException {
    String name = n.arg(0);
    int i = 1;
    String escape = "default";
    if (n.arg(1).startsWith("escape=")) {
      escape = n.arg(1).substring(7);
      if (!Set.of("default", "json", "none").contains(escape)) {
        throw n.error("unknown log format escaping \"" + escape + "\"");
      }
      i = 2;
    }
    if (i >= n.args().size()) {
      throw n.error("invalid number of arguments in \"log_format\" directive");
    }
    if (config.logFormats.containsKey(name)) {
      throw n.error("duplicate \"log_format\" name \"" + name + "\"");
    }
    StringBuilder sb = new StringBuilder();
    for (; i < n.args().size(); i++) {
      sb.append(n.arg(i));
    }
    config.logFormats.put(name, new LogFormat(name, complex(n, sb.toString()), escape));
  }

  /** {@code map SOURCE $variable { key value; ... }}: see {@link VariableMap}. */
  private void map(ConfigNode n) throws ConfigException {
    String var = n.arg(1);
    if (var.length() < 2 || var.charAt(0) != '$') {
      throw n.error("invalid variable name \"" + var + "\"");
    }
    String name = var.substring(1);
    if (config.maps.containsKey(name)) {
      throw n.error("the duplicate \"" + name + "\" variable");
    }
    ComplexValue source = complex(n, n.arg(0));
    Map<String, ComplexValue> exact = new HashMap<>();
    List<VariableMap.RegexEntry> regexes = new ArrayList<>();
    ComplexValue defaultValue = null;
    for (ConfigNode e : n.children()) {
      String key = e.name();
      if (e.isBlock()) {
        throw e.error("unexpected \"{\"");
      }
      if (e.args().isEmpty() && (key.equals("hostnames") || key.equals("volatile"))) {
        if (key.equals("hostnames")) {
          throw e.error("\"hostnames\" in \"map\" is not supported yet");
        }
        continue;   // map values are never cached across a request: every evaluation is volatile already
      }
      if (e.args().size() != 1) {
        throw e.error("invalid number of the map parameters");
      }
      ComplexValue value = complex(e, e.arg(0));
      if (key.equals("default")) {
        if (defaultValue != null) {
          throw e.error("duplicate default map parameter");
        }
        defaultValue = value;
      } else if (key.startsWith("~")) {
        boolean caseless = key.startsWith("~*");
        String regex = key.substring(caseless ? 2 : 1);
        try {
          regexes.add(new VariableMap.RegexEntry(java.util.regex.Pattern.compile(regex,
              caseless ? java.util.regex.Pattern.CASE_INSENSITIVE : 0), value));
        } catch (PatternSyntaxException ex) {
          throw e.error("pcre_compile() failed: " + ex.getDescription() + " in \"" + regex + "\"");
        }
      } else {
        String k = (key.startsWith("\\") ? key.substring(1) : key).toLowerCase(java.util.Locale.ROOT);
        if (exact.putIfAbsent(k, value) != null) {
          throw e.error("conflicting parameter \"" + key + "\"");
        }
      }
    }
    config.maps.put(name, new VariableMap(name, source, exact, regexes, defaultValue));
  }

  private void accessLog(ConfigNode n, ProxySettings s) throws ConfigException {
    if (s.accessLogs == null) {
      s.accessLogs = new ArrayList<>();
    }
    if (n.arg(0).equals("off")) {
      if (n.args().size() != 1) {
        throw n.error("invalid parameter \"" + n.arg(1) + "\"");
      }
      s.accessLogs.clear();
      return;
    }
    String formatName = n.args().size() >= 2 ? n.arg(1) : "combined";
    LogFormat format = config.logFormats.get(formatName);
    if (format == null) {
      throw n.error("unknown log format \"" + formatName + "\"");
    }
    for (int i = 2; i < n.args().size(); i++) {
      String p = n.arg(i);
      if (p.startsWith("buffer=")) {
        size(n, p.substring(7));
      } else if (p.startsWith("flush=")) {
        time(n, p.substring(6));
      } else if (p.startsWith("gzip") || p.startsWith("if=")) {
        throw n.error("the \"" + p + "\" parameter of \"access_log\" is not supported yet");
      } else {
        throw n.error("invalid parameter \"" + p + "\"");
      }
    }
    s.accessLogs.add(new AccessLogTarget(path(n.arg(0)), format));
  }

  // ---------------------------------------------------------------- resolution

  private void resolve() throws ConfigException {
    parsePluginDirectives();
    ProxySettings http = config.httpSettings.inherit(ProxySettings.DEFAULTS);
    if (http.accessLogs == null) {
      http.accessLogs = List.of(new AccessLogTarget(path("logs/access.log"), LogFormat.COMBINED));
    }
    if (http.clientBodyTempPath == null) {
      http.clientBodyTempPath = path("client_body_temp");
    }
    if (http.proxyTempPath == null) {
      http.proxyTempPath = path("proxy_temp");
    }
    config.httpSettings = http;
    for (ServerConfig server : config.servers) {
      server.settings = server.settings.inherit(http);
      if (server.listens.isEmpty()) {
        server.listens.add(new Listen("0.0.0.0", 80, false));
      }
      for (LocationConfig loc : server.locations) {
        loc.settings = loc.settings.inherit(server.settings);
        if (loc.limitExceptSettings != null) {
          loc.limitExceptSettings = loc.limitExceptSettings.inherit(loc.settings);
        }
        checkBuffers(loc.settings, loc.file, loc.line);
      }
    }
    for (Map.Entry<LocationConfig, ConfigNode> e : proxyPassNodes.entrySet()) {
      LocationConfig loc = e.getKey();
      loc.proxyPass = proxyPass(e.getValue());
      ProxySettings s = loc.settings;
      if (s.proxyRedirect && s.proxyRedirects == null) {
        s.proxyRedirects = List.of(Redirect.defaultFor(loc.proxyPass, loc.pattern()));
      } else if (s.proxyRedirect && s.proxyRedirects.contains(Redirect.DEFAULT)) {
        List<Redirect> rules = new ArrayList<>(s.proxyRedirects);
        rules.replaceAll(r -> r == Redirect.DEFAULT ? Redirect.defaultFor(loc.proxyPass, loc.pattern()) : r);
        s.proxyRedirects = List.copyOf(rules);
      }
    }
    for (Map.Entry<LocationConfig, ConfigNode> e : upstreamByBgnNodes.entrySet()) {
      String name = e.getValue().arg(0);
      if (name.indexOf('$') < 0 && !config.upstreams.containsKey(name)) {
        throw e.getValue().error("no upstream \"" + name + "\" for \"upstream_by_bgn\"");
      }
    }
  }

  /**
   * {@code proxy_redirect off | default | PATTERN REPLACEMENT}, as nginx 1.22 takes it: rules add up in order,
   * {@code off} stands alone in its level, {@code default} needs the location's {@code proxy_pass} before it.
   */
  private void proxyRedirect(ConfigNode n, Object target) throws ConfigException {
    ProxySettings s = settingsOf(target);
    if (Boolean.FALSE.equals(s.proxyRedirect)) {
      throw n.error("\"proxy_redirect\" directive is duplicate");
    }
    Redirect rule;
    if (n.args().size() == 1) {
      if (n.arg(0).equals("off")) {
        if (s.proxyRedirects != null) {
          throw n.error("\"proxy_redirect\" directive is duplicate");
        }
        s.proxyRedirect = Boolean.FALSE;
        s.proxyRedirects = List.of();
        return;
      }
      if (!n.arg(0).equals("default")) {
        throw n.error("invalid parameter \"" + n.arg(0) + "\"");
      }
      if (!(target instanceof LocationConfig loc) || !proxyPassNodes.containsKey(loc)) {
        throw n.error("\"proxy_redirect default\" should be placed after the \"proxy_pass\" directive");
      }
      rule = Redirect.DEFAULT;
    } else {
      if (n.arg(0).startsWith("~")) {
        boolean caseless = n.arg(0).startsWith("~*");
        String regex = n.arg(0).substring(caseless ? 2 : 1);
        try {
          rule = new Redirect(null, complex(n, n.arg(1)),
              java.util.regex.Pattern.compile(regex, caseless ? java.util.regex.Pattern.CASE_INSENSITIVE : 0));
        } catch (java.util.regex.PatternSyntaxException e) {
          throw n.error("invalid regular expression \"" + regex + "\" (" + e.getDescription() + ")");
        }
      } else {
        rule = new Redirect(complex(n, n.arg(0)), complex(n, n.arg(1)));
      }
    }
    s.proxyRedirect = Boolean.TRUE;
    if (s.proxyRedirects == null) {
      s.proxyRedirects = new ArrayList<>();
    }
    s.proxyRedirects.add(rule);
  }

  /** nginx's merge-time rules between the response buffer sizes of one location. */
  private static void checkBuffers(ProxySettings s, String file, int line) throws ConfigException {
    long size = Math.max(s.proxyBufferSize(), s.proxyBuffers().size());
    String larger = " must be equal to or greater than the maximum of the value of \"proxy_buffer_size\" and one"
        + " of the \"proxy_buffers\"";
    if (s.busyBuffersSize() < size) {
      throw new ConfigException("\"proxy_busy_buffers_size\"" + larger, file, line);
    }
    if (s.busyBuffersSize() >= (s.proxyBuffers().number() - 1) * s.proxyBuffers().size()) {
      throw new ConfigException("\"proxy_busy_buffers_size\" must be less than the size of all \"proxy_buffers\""
          + " minus one buffer", file, line);
    }
    if (s.tempFileWriteSize() < size) {
      throw new ConfigException("\"proxy_temp_file_write_size\"" + larger, file, line);
    }
    if (s.maxTempFileSize() != 0 && s.maxTempFileSize() < size) {
      throw new ConfigException("\"proxy_max_temp_file_size\" must be equal to zero to disable temporary files"
          + " usage or" + larger, file, line);
    }
  }

  private ProxyPass proxyPass(ConfigNode n) throws ConfigException {
    String url = n.arg(0);
    if (url.startsWith("https://")) {
      throw n.error("https upstreams are not supported yet in \"proxy_pass\"");
    }
    if (!url.startsWith("http://")) {
      throw n.error("invalid URL prefix in \"" + url + "\"");
    }
    if (url.indexOf('$') >= 0) {
      throw n.error("variables in \"proxy_pass\" are not supported yet");
    }
    String rest = url.substring(7);
    int slash = rest.indexOf('/');
    String target = slash >= 0 ? rest.substring(0, slash) : rest;
    String uri = slash >= 0 ? rest.substring(slash) : null;
    if (target.isEmpty()) {
      throw n.error("no host in upstream \"" + url + "\"");
    }
    UpstreamConfig u = config.upstreams.get(target);
    if (u != null) {
      return new ProxyPass(u.name, null, 0, target, uri);
    }
    HostPort hp = hostPort(n, target, "upstream");
    List<String> addresses = resolve(n, hp.host, target);
    return new ProxyPass(null, addresses.get(0), hp.port, target, uri);
  }

  // ---------------------------------------------------------------- values

  private String path(String p) {
    Path path = Path.of(NginxConfigParser.fileName(p));
    return (path.isAbsolute() ? path : prefix.resolve(path)).normalize().toString();
  }

  /** A value read from a directive's arguments. */
  private interface Value<V> {
    V parse(ConfigNode n) throws ConfigException;
  }

  /**
   * Defines a single-valued, one-argument setting of http/server/location ({@link ProxySettings}): set at most once
   * per level, inherited downwards.
   */
  private <V> void setting(String name, Function<ProxySettings, V> current, BiConsumer<ProxySettings, V> set,
      Value<V> value) {
    define(name, HSL, 1, 1, false, (n, t) -> {
      ProxySettings s = settingsOf(t);
      duplicate(n, current.apply(s));
      set.accept(s, value.parse(n));
    });
  }

  private static void duplicate(ConfigNode n, Object current) throws ConfigException {
    if (current != null) {
      throw n.error("\"" + n.name() + "\" directive is duplicate");
    }
  }

  /**
   * A {@code types} block: {@code TYPE EXTENSION...;} lines (nginx's {@code mime.types}), extensions compared without
   * case; an extension named again takes the later type, with nginx's warning. Several blocks at one level
   * add up; a level with none inherits its parent's, and with none anywhere nginx's three built-in types hold.
   */
  private void types(ConfigNode block, ProxySettings s) throws ConfigException {
    if (s.types == null) {
      s.types = new HashMap<>();
    }
    for (ConfigNode line : block.children()) {
      if (line.isBlock()) {
        throw line.error("unexpected \"{\"");
      }
      for (String extension : line.args()) {
        String previous = s.types.put(extension.toLowerCase(java.util.Locale.ROOT), line.name());
        if (previous != null) {
          config.warnings.add(line.warning("duplicate extension \"" + extension + "\", content type: \""
              + line.name() + "\", previous content type: \"" + previous + "\""));
        }
      }
    }
  }

  private static long number(ConfigNode n, String v) throws ConfigException {
    long x = ConfigValues.parseNumber(v);
    if (x < 0 || x > Integer.MAX_VALUE) {
      throw n.error("invalid value \"" + v + "\" in \"" + n.name() + "\" directive");
    }
    return x;
  }

  /** A number as nginx's {@code ngx_conf_set_num_slot} reads it, with its message. */
  private static long numberSlot(ConfigNode n, String v) throws ConfigException {
    long x = ConfigValues.parseNumber(v);
    if (x < 0 || x > Integer.MAX_VALUE) {
      throw n.error("\"" + n.name() + "\" directive invalid number");
    }
    return x;
  }

  private static long positive(ConfigNode n, String v) throws ConfigException {
    long x = number(n, v);
    if (x == 0) {
      throw n.error("invalid value \"" + v + "\" in \"" + n.name() + "\" directive");
    }
    return x;
  }

  private static long time(ConfigNode n, String v) throws ConfigException {
    long x = ConfigValues.parseTimeMillis(v);
    if (x < 0) {
      throw n.error("\"" + n.name() + "\" directive invalid value");
    }
    return x;
  }

  private static long size(ConfigNode n, String v) throws ConfigException {
    long x = ConfigValues.parseSize(v);
    if (x < 0) {
      throw n.error("\"" + n.name() + "\" directive invalid value");
    }
    return x;
  }

  private static long positiveSize(ConfigNode n, String v) throws ConfigException {
    long x = size(n, v);
    if (x == 0) {
      throw n.error("\"" + n.name() + "\" directive invalid value");
    }
    return x;
  }

  private static boolean flag(ConfigNode n, String v) throws ConfigException {
    if (v.equals("on")) {
      return true;
    }
    if (v.equals("off")) {
      return false;
    }
    throw n.error("invalid value \"" + v + "\" in \"" + n.name() + "\" directive, it must be \"on\" or \"off\"");
  }

  private static ComplexValue complex(ConfigNode n, String v) throws ConfigException {
    try {
      return ComplexValue.parse(v);
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage());
    }
  }
}
