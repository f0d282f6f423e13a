package io.xgate.gateway.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code server} block of {@code http}: where it listens, the names it answers to, its locations.
 */
public final class ServerConfig {

  final List<Listen> listens = new ArrayList<>();
  final List<String> serverNames = new ArrayList<>();
  final List<LocationConfig> locations = new ArrayList<>();
  ProxySettings settings = new ProxySettings();
  final String file;
  final int line;

  ServerConfig(String file, int line) {
    this.file = file;
    this.line = line;
  }

  public List<Listen> listens() {
    return listens;
  }

  /** The {@code server_name}s; the first is the primary name ({@code $server_name}). */
  public List<String> serverNames() {
    return serverNames;
  }

  public List<LocationConfig> locations() {
    return locations;
  }

  public ProxySettings settings() {
    return settings;
  }

  @Override
  public String toString() {
    return "server " + serverNames + " " + listens + " (" + file + ":" + line + ")";
  }
}
