package io.xgate.gateway.http;

import io.xgate.gateway.config.AccessLogTarget;
import io.xgate.gateway.config.GatewayConfig;
import io.xgate.gateway.config.Listen;
import io.xgate.gateway.config.LocationConfig;
import io.xgate.gateway.config.ServerConfig;
import io.xgate.gateway.log.LogFile;
import io.xgate.gateway.upstream.UpstreamRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one configuration generation serves with: the config, its upstreams (balancer chains), the virtual
 * hosts of every listen address and the access log files. A reload builds a new generation and swaps it in whole;
 * requests already running finish on the generation they started with.
 */
public final class Generation {

  private final GatewayConfig config;
  private final UpstreamRegistry upstreams;
  private final Map<String, VirtualHosts> hostsByListen = new LinkedHashMap<>();
  private final Map<String, Listen> listens = new LinkedHashMap<>();
  private final Map<String, LogFile> logFiles;
  private final long number;

  /**
   * @param config the validated config
   * @param upstreams its upstreams
   * @param openLogs log files already open (reused by path across reloads); new ones are opened and added
   */
  public Generation(GatewayConfig config, UpstreamRegistry upstreams, Map<String, LogFile> openLogs)
      throws IOException {
    this(config, upstreams, openLogs, 1);
  }

  /**
   * @param number 1 for the config loaded at start, +1 per reload (plugin content handlers show it)
   */
  public Generation(GatewayConfig config, UpstreamRegistry upstreams, Map<String, LogFile> openLogs, long number)
      throws IOException {
    this.number = number;
    this.config = config;
    this.upstreams = upstreams;
    Map<String, List<VirtualHosts.Host>> byKey = new LinkedHashMap<>();
    Map<String, VirtualHosts.Host> defaults = new HashMap<>();
    for (ServerConfig server : config.servers()) {
      VirtualHosts.Host host = new VirtualHosts.Host(server, new LocationRouter(server.locations()));
      for (Listen l : server.listens()) {
        byKey.computeIfAbsent(l.key(), k -> new ArrayList<>()).add(host);
        listens.putIfAbsent(l.key(), l);
        if (l.defaultServer() || !defaults.containsKey(l.key())) {
          if (l.defaultServer() || defaults.get(l.key()) == null) {
            defaults.put(l.key(), host);
          }
        }
      }
    }
    for (Map.Entry<String, List<VirtualHosts.Host>> e : byKey.entrySet()) {
      hostsByListen.put(e.getKey(), new VirtualHosts(e.getValue(), defaults.get(e.getKey())));
    }
    Map<String, LogFile> logs = new HashMap<>();
    for (ServerConfig server : config.servers()) {
      for (LocationConfig loc : server.locations()) {
        for (AccessLogTarget t : loc.settings().accessLogs()) {
          if (!logs.containsKey(t.path())) {
            LogFile f = openLogs.get(t.path());
            logs.put(t.path(), f != null ? f : LogFile.open(t.path()));
          }
        }
      }
    }
    this.logFiles = logs;
  }

  /** 1 for the config loaded at start, +1 per reload. */
  public long number() {
    return number;
  }

  public GatewayConfig config() {
    return config;
  }

  public UpstreamRegistry upstreams() {
    return upstreams;
  }

  /** The listen addresses, by {@link Listen#key()}. */
  public Map<String, Listen> listens() {
    return listens;
  }

  /** The virtual hosts on a listen address. */
  public VirtualHosts hosts(String listenKey) {
    return hostsByListen.get(listenKey);
  }

  /** The open access log files, by path. */
  public Map<String, LogFile> logFiles() {
    return logFiles;
  }
}
