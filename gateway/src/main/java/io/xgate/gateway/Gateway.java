package io.xgate.gateway;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.xgate.gateway.config.ConfigLoader;
import io.xgate.gateway.config.EventMethod;
import io.xgate.gateway.config.GatewayConfig;
import io.xgate.gateway.config.Listen;
import io.xgate.gateway.config.NginxConfigStore;
import io.xgate.gateway.http.Generation;
import io.xgate.gateway.http.NativeListenerShutdown;
import io.xgate.gateway.http.ServerVerticle;
import io.xgate.gateway.http.WarmUp;
import io.xgate.gateway.log.ErrorLog;
import io.xgate.gateway.log.LogFile;
import io.xgate.gateway.proxy.TempFiles;
import io.xgate.gateway.proxy.RequestVariables;
import io.xgate.gateway.upstream.LeaseRegistry;
import io.xgate.gateway.upstream.PeerResolverServer;
import io.xgate.gateway.upstream.UpstreamRegistry;
import io.xgate.spi.BalancerRegistry;
import io.xgate.spi.ConfigException;
import io.xgate.spi.TimeSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running gateway: one Vert.x instance with {@code worker_processes} server verticles serving the current
 * {@link Generation}. {@link #reload()} re-reads the config file and swaps the new generation in atomically, or
 * keeps the old one when the new config is bad; {@link #stop()} shuts everything down.
 *
 * <pre>{@code
 * Gateway gw = Gateway.start(Path.of("conf/xgate.conf"), Path.of(".")).toCompletionStage().toCompletableFuture().join();
 * ...
 * gw.stop();
 * }</pre>
 */
public final class Gateway {

  private final Vertx vertx;
  private final Path configFile;
  private final Path prefix;
  private final BalancerRegistry providers;
  private final ErrorLog errorLog;
  private final AtomicReference<Generation> current = new AtomicReference<>();
  private final List<ServerVerticle> verticles = new CopyOnWriteArrayList<>();
  private final Map<String, LogFile> logFiles = new HashMap<>();
  private final List<String> deployments = new ArrayList<>();
  private volatile boolean reloading;
  /** Set once {@link #listen()} opened the first generation's ports; guarded by {@code this}. */
  private boolean listening;
  /** A reload was asked for before {@link #listen()} was done; guarded by {@code this}. */
  private boolean reloadWhenListening;
  /** How many generations were built (the config at start is 1); guarded by {@code this}. */
  private long generations;
  private volatile boolean nativeListenerShutdown;
  private final LeaseRegistry leases;
  private PeerResolverServer resolver;
  private Listen resolverListen;
  private volatile ConfigRetriever configWatch;

  private Gateway(Vertx vertx, Path configFile, Path prefix, BalancerRegistry providers, ErrorLog errorLog) {
    this.vertx = vertx;
    this.configFile = configFile;
    this.prefix = prefix;
    this.providers = providers;
    this.errorLog = errorLog;
    this.leases = new LeaseRegistry(() -> current.get().upstreams(), vertx, errorLog::error);
  }

  /**
   * Reads {@code configFile}, then starts serving it: {@link #prepare} and {@link #listen} in one.
   *
   * @param configFile the main config file
   * @param prefix the folder relative paths in the config are resolved against
   * @return the running gateway, or a failure ({@link ConfigException} for a bad config, or the bind failure)
   */
  public static Future<Gateway> start(Path configFile, Path prefix) {
    return prepare(configFile, prefix).compose(Gateway::listen);
  }

  /**
   * Reads {@code configFile} and readies its serving without opening a port yet: the workers are deployed and
   * warmed up ({@link WarmUp}) and the config watch has read the files. The process can then do its own start-up
   * work (signal handlers, native libraries) before {@link #listen()}, rather than while the first requests wait.
   *
   * @return the gateway, not listening yet, or a failure ({@link ConfigException} for a bad config)
   */
  public static Future<Gateway> prepare(Path configFile, Path prefix) {
    BalancerRegistry providers = BalancerRegistry.loadDefault();
    GatewayConfig config;
    LogFile errorFile;
    try {
      config = new ConfigLoader(providers, prefix).load(configFile);
      errorFile = LogFile.open(config.errorLogPath() != null ? config.errorLogPath()
          : prefix.resolve("logs/error.log").toString());
    } catch (ConfigException | IOException e) {
      return Future.failedFuture(e);
    }
    ErrorLog errorLog = new ErrorLog(errorFile, config.errorLogLevel());
    config.warnings().forEach(errorLog::warn);
    cleanTempPaths(config);
    RequestVariables.hostname();   // resolved here, not on an event loop
    // a read-only header map (the headers a repeated origin head gives its clients) is encoded once, then copied
    System.setProperty("vertx.cacheImmutableHttpResponseHeaders", "true");
    // no context class loader swapped in and out around every dispatch (two Thread.setContextClassLoader a
    // request): the event loops keep the one they were started with, the application's, which is what Vert.x
    // would set; plugins are found on the class path through the SPI's own loader (BalancerRegistry.loadDefault)
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions()
            .setEventLoopPoolSize(config.workerProcesses())
            .setDisableTCCL(true))
        .withTransport(EventMethod.transportFor(config.eventMethod()))
        .build();
    Gateway gw = new Gateway(vertx, configFile, prefix, providers, errorLog);
    try {
      gw.current.set(gw.generation(config));
    } catch (ConfigException | IOException e) {
      errorLog.close();
      vertx.close();
      return Future.failedFuture(e);
    }
    // every worker warms up before any worker listens
    return vertx.deployVerticle(() -> {
      ServerVerticle v = new ServerVerticle(gw.current::get, providers, errorLog, gw.leases);
      gw.verticles.add(v);
      return v;
    }, new DeploymentOptions().setInstances(config.workerProcesses()))
        .compose(id -> {
          gw.deployments.add(id);
          // the watch reads the files once now, before the ports open and the first requests arrive
          return gw.watchConfig(config.configScanIntervalMs());
        })
        .<Gateway>map(gw)
        .recover(e -> gw.failedStart(e));
  }

  /**
   * Opens the listeners of the config {@link #prepare} read, once the JVM has calmed down after the warm-up
   * (the JIT compiler keeps a CPU busy for a moment), and the {@code upstream_by_bgn} resolver's port.
   *
   * @return this gateway, serving; or the bind failure, after which the gateway is shut down
   */
  public Future<Gateway> listen() {
    Generation first = current.get();
    GatewayConfig config = first.config();
    // the methods preferred to the one in use, and why they were passed over
    for (EventMethod m : config.eventMethod() == null ? EventMethod.PREFERENCE : List.<EventMethod>of()) {
      if (m.available()) {
        break;
      }
      errorLog.info("the \"" + m + "\" event method is not available here: " + m.unavailabilityCause());
    }
    String started = "xgate started, " + config.workerProcesses() + " worker(s), "
        + EventMethod.transportFor(config.eventMethod()).name() + " transport, config " + configFile;
    return WarmUp.settle(vertx, 1000)
        .compose(x -> {
          List<Future<Void>> applied = new ArrayList<>();
          for (ServerVerticle v : verticles) {
            applied.add(v.applyFromAnyThread(first));
          }
          return Future.all(applied);
        })
        .compose(x -> applyResolver(config))
        .<Gateway>map(x -> {
          errorLog.notice(started);
          boolean reload;
          synchronized (this) {
            listening = true;
            reload = reloadWhenListening;
          }
          if (reload) {
            reload();
          }
          return this;
        })
        .recover(this::failedStart);
  }

  private Future<Gateway> failedStart(Throwable cause) {
    errorLog.log("emerg", cause.getMessage());
    return shutdown().transform(x -> Future.failedFuture(cause));
  }

  /** Deletes request bodies and responses a crashed process left in the temp paths (they are its files only). */
  private static void cleanTempPaths(GatewayConfig config) {
    Set<String> paths = new LinkedHashSet<>();
    for (var server : config.servers()) {
      paths.add(server.settings().clientBodyTempPath());
      paths.add(server.settings().proxyTempPath());
      for (var loc : server.locations()) {
        paths.add(loc.settings().clientBodyTempPath());
        paths.add(loc.settings().proxyTempPath());
      }
    }
    paths.forEach(p -> TempFiles.clean(Path.of(p)));
  }

  private Generation generation(GatewayConfig config) throws ConfigException, IOException {
    UpstreamRegistry upstreams = UpstreamRegistry.build(config, providers, TimeSource.SYSTEM, vertx);
    Generation g = new Generation(config, upstreams, logFiles, ++generations);
    logFiles.putAll(g.logFiles());
    return g;
  }

  /** The generation being served. */
  public Generation current() {
    return current.get();
  }

  /** The config being served. */
  public GatewayConfig config() {
    return current.get().config();
  }

  /** The error log. */
  public ErrorLog errorLog() {
    return errorLog;
  }

  /**
   * Peer selection without proxying: leases on the served upstreams' peers, whose outcomes the caller reports
   * ({@code upstream_by_bgn} locations answer from the same registry).
   */
  public LeaseRegistry leases() {
    return leases;
  }

  /** The Vert.x instance the gateway runs on. */
  public Vertx vertx() {
    return vertx;
  }

  /**
   * Re-reads the config file. A valid new config replaces the old one for every request that starts afterwards;
   * requests in flight finish on the old one. A bad config is logged with its {@code file:line} and the old one
   * keeps serving; the returned future then fails with the {@link ConfigException}. Asked for before
   * {@link #listen()} is done, it runs once the gateway listens (and the returned future completes at once).
   */
  public synchronized Future<Void> reload() {
    if (!listening) {
      reloadWhenListening = true;   // listen() opens the config it read; the reload follows right after
      return Future.succeededFuture();
    }
    if (reloading) {
      return Future.failedFuture(new IllegalStateException("a reload is already in progress"));
    }
    reloading = true;
    Future<Generation> built = vertx.executeBlocking(() -> {
      GatewayConfig config = new ConfigLoader(providers, prefix).load(configFile);
      config.warnings().forEach(errorLog::warn);
      if (config.workerProcesses() != current.get().config().workerProcesses()) {
        errorLog.warn("\"worker_processes\" changes take effect on restart only");
      }
      if (config.eventMethod() != current.get().config().eventMethod()) {
        errorLog.warn("\"use\" changes take effect on restart only");
      }
      synchronized (this) {
        return generation(config);
      }
    }, false);
    return built.compose(next -> {
      Generation old = current.getAndSet(next);
      old.upstreams().retire();   // stops the old generation's probes now; close() follows after the grace
      List<Future<Void>> applied = new ArrayList<>();
      for (ServerVerticle v : verticles) {
        applied.add(v.applyFromAnyThread(next));
      }
      applied.add(applyResolver(next.config()));
      return Future.all(applied).onComplete(ar -> {
        if (nativeListenerShutdown) {
          armNativeListenerShutdown();
        }
        vertx.setTimer(60_000, t -> old.upstreams().close());
        if (ar.succeeded()) {
          errorLog.notice("reconfiguring: " + configFile + " loaded");
        } else {
          errorLog.error("reconfiguring partly failed: " + ar.cause().getMessage());
        }
      }).<Void>mapEmpty();
    }).onComplete(ar -> {
      reloading = false;
      if (ar.failed()) {
        errorLog.log("emerg", ar.cause().getMessage() + " (reload rejected, the running config stays)");
      }
    });
  }

  /**
   * Stops serving, nginx's fast shutdown ({@code SIGTERM}, {@code -s stop}): listening sockets close at once, then
   * connections, clients, balancers and logs.
   */
  public Future<Void> stop() {
    errorLog.notice("xgate stopping");
    List<Future<Void>> closing = new ArrayList<>();
    for (ServerVerticle v : verticles) {
      closing.add(v.closeListeners());
    }
    return Future.join(closing).transform(x -> shutdown());
  }

  /**
   * Has the listening sockets shut down in native code the moment {@code SIGTERM} arrives, ahead of
   * {@link #haltNow()} ({@link NativeListenerShutdown}); kept up to date across reloads. Call it once the JVM's
   * {@code SIGTERM} handler is registered.
   *
   * @return whether the native shutdown is armed (false without the native library or transport)
   */
  public boolean armNativeListenerShutdown() {
    Set<io.netty.channel.Channel> listeners = new LinkedHashSet<>();
    for (ServerVerticle v : verticles) {
      listeners.addAll(v.listenChannels());
    }
    nativeListenerShutdown = NativeListenerShutdown.arm(listeners);
    return nativeListenerShutdown;
  }

  /**
   * Ends the process now, nginx's fast shutdown on {@code SIGTERM}: the listening sockets stop accepting (already
   * done if {@link #armNativeListenerShutdown()} succeeded), the logs are flushed and the pid file removed, then the
   * process halts; connections in flight are dropped.
   */
  public void haltNow() {
    for (ServerVerticle v : verticles) {
      v.closeListenersNow();
    }
    errorLog.notice("xgate exiting (fast shutdown)");
    removePidFile();
    for (LogFile f : logFiles.values()) {
      f.awaitFlushed(2000);
    }
    errorLog.awaitFlushed(2000);
    Runtime.getRuntime().halt(0);
  }

  /**
   * Stops serving gracefully, nginx's {@code quit}: stops accepting, lets requests in flight finish (up to
   * {@code graceMillis}), then stops.
   */
  public Future<Void> quit(long graceMillis) {
    errorLog.notice("xgate shutting down gracefully");
    List<Future<Void>> closing = new ArrayList<>();
    for (ServerVerticle v : verticles) {
      closing.add(v.shutdownListeners(graceMillis));
    }
    return Future.join(closing).transform(x -> shutdown());
  }

  /**
   * Reloads (as SIGHUP) whenever the config file or a file it includes changes, checked every {@code intervalMs}
   * through vertx-config ({@link NginxConfigStore}); 0 = never.
   */
  private Future<Void> watchConfig(long intervalMs) {
    if (intervalMs <= 0) {
      return Future.succeededFuture();
    }
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
        .setScanPeriod(intervalMs)
        .addStore(new ConfigStoreOptions().setType(NginxConfigStore.TYPE)
            .setConfig(new JsonObject().put("path", configFile.toAbsolutePath().toString()))));
    retriever.listen(change -> {
      if (change.getPreviousConfiguration().isEmpty()) {
        return;   // the first scan, which only learns the files' state
      }
      errorLog.notice("config file changed, reloading");
      reload();
    });
    configWatch = retriever;
    return retriever.getConfig().<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  /**
   * Starts, moves or stops the line-protocol peer resolver ({@code upstream_by_bgn_listen}) as {@code config} says.
   */
  private synchronized Future<Void> applyResolver(GatewayConfig config) {
    Listen wanted = config.peerResolverListen();
    Listen running = resolverListen;
    if (wanted == null ? running == null : wanted.equals(running)) {
      return Future.succeededFuture();
    }
    Future<Void> stopped = resolver == null ? Future.succeededFuture() : resolver.close();
    resolver = null;
    resolverListen = null;
    if (wanted == null) {
      return stopped;
    }
    return stopped.compose(x -> PeerResolverServer.start(vertx, wanted, leases,
        () -> current.get().config().httpSettings().leaseTimeoutMs()))
        .map(server -> {
          synchronized (this) {
            resolver = server;
            resolverListen = wanted;
          }
          return (Void) null;
        })
        .recover(err -> Future.failedFuture(new IllegalStateException(
            "bind() to " + wanted.key() + " for \"upstream_by_bgn_listen\" failed (" + err.getMessage() + ")", err)));
  }

  /** The line-protocol peer resolver's port, or -1 when none runs. */
  public synchronized int peerResolverPort() {
    return resolver == null ? -1 : resolver.port();
  }

  private Future<Void> shutdown() {
    if (configWatch != null) {
      configWatch.close();
    }
    leases.closeAll();
    return vertx.close().onComplete(ar -> {
      Generation g = current.get();
      if (g != null) {
        g.upstreams().close();
      }
      for (LogFile f : logFiles.values()) {
        f.close();
      }
      errorLog.close();
    });
  }

  /** Writes the pid file the config names, if any. */
  public void writePidFile() throws IOException {
    String pid = config().pidPath();
    if (pid != null) {
      Path p = Path.of(pid);
      if (p.getParent() != null) {
        Files.createDirectories(p.getParent());
      }
      Files.writeString(p, ProcessHandle.current().pid() + "\n");
    }
  }

  /** Removes the pid file, if it is still ours. */
  public void removePidFile() {
    String pid = config().pidPath();
    if (pid != null) {
      try {
        Path p = Path.of(pid);
        if (Files.exists(p) && Files.readString(p).trim().equals(Long.toString(ProcessHandle.current().pid()))) {
          Files.delete(p);
        }
      } catch (IOException ignored) {
        // nothing more to do on the way out
      }
    }
  }
}
