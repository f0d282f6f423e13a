package io.xgate.gateway.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole, validated configuration: what {@link ConfigLoader} makes of an nginx-syntax file. Immutable once built
 * (package-private fields are filled only by the builder).
 */
public final class GatewayConfig {

  final Path file;
  final Path prefix;
  int workerProcesses = 1;
  String errorLogPath;
  String errorLogLevel = "error";
  String pidPath;
  long configScanIntervalMs = 5_000;
  int workerConnections = 512;
  /** {@code use}: {@code null} when the config names no method. */
  EventMethod eventMethod;
  Listen peerResolverListen;
  final Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
  final List<ServerConfig> servers = new ArrayList<>();
  /** What nginx would warn about while reading the config, each with its {@code file:line}. */
  final List<String> warnings = new ArrayList<>();
  final Map<String, LogFormat> logFormats = new LinkedHashMap<>();
  final Map<String, VariableMap> maps = new LinkedHashMap<>();
  ProxySettings httpSettings = new ProxySettings();
  boolean hasHttp;

  GatewayConfig(Path file, Path prefix) {
    this.file = file;
    this.prefix = prefix;
    logFormats.put("combined", LogFormat.COMBINED);
  }

  /** The main config file. */
  public Path file() {
    return file;
  }

  /** The folder relative log, pid and temp paths are resolved against (nginx's prefix, {@code -p}). */
  public Path prefix() {
    return prefix;
  }

  /** {@code worker_processes}: how many server verticle instances (event loops) serve requests. */
  public int workerProcesses() {
    return workerProcesses;
  }

  /**
   * {@code use} in {@code events}: the event method the config names, or {@code null} for the best one available
   * ({@link EventMethod#transportFor}).
   */
  public EventMethod eventMethod() {
    return eventMethod;
  }

  /** {@code error_log} file, or {@code "stderr"}. */
  public String errorLogPath() {
    return errorLogPath;
  }

  public String errorLogLevel() {
    return errorLogLevel;
  }

  /** {@code pid} file, or {@code null} for none. */
  /**
   * {@code config_scan_interval}: how often the config file and its includes are checked for changes, which
   * reload the gateway as SIGHUP does; 0 = never ({@code off}).
   */
  /** The {@code http} level's settings, nginx's defaults filled in. */
  public ProxySettings httpSettings() {
    return httpSettings;
  }

  /** The {@code log_format}s, {@code combined} included. */
  public java.util.Collection<LogFormat> logFormats() {
    return java.util.Collections.unmodifiableCollection(logFormats.values());
  }

  /** {@code upstream_by_bgn_listen}: where the line-protocol peer resolver listens, or {@code null}. */
  public Listen peerResolverListen() {
    return peerResolverListen;
  }

  public long configScanIntervalMs() {
    return configScanIntervalMs;
  }

  public String pidPath() {
    return pidPath;
  }

  public Map<String, UpstreamConfig> upstreams() {
    return upstreams;
  }

  public List<ServerConfig> servers() {
    return servers;
  }

  /**
   * What nginx would warn about while reading this config ({@code low address bits of ... are meaningless in
   * FILE:LINE}, ...): printed by {@code -t}, written at {@code warn} when the config is loaded.
   */
  public List<String> warnings() {
    return warnings;
  }

  /** The variables {@code map} blocks define, by name without {@code $}. */
  public Map<String, VariableMap> maps() {
    return maps;
  }
}
