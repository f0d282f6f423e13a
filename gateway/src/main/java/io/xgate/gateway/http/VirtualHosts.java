package io.xgate.gateway.http;

import io.xgate.gateway.config.ServerConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code server {}} blocks listening on one address, chosen by the request's host as nginx does: an exact
 * name, then the longest wildcard starting with {@code *.}, then the longest ending with {@code .*}, then the
 * first matching regex ({@code ~}), else the address's default server (marked {@code default_server}, or the
 * first one). Immutable and thread-safe.
 */
public final class VirtualHosts {

  /** A server with its location router. */
  public record Host(ServerConfig server, LocationRouter router) {
    /** {@code $server_name}: the first name, or empty. */
    public String name() {
      return server.serverNames().isEmpty() ? "" : server.serverNames().get(0);
    }
  }

  private final Host defaultHost;
  private final Map<String, Host> exact = new HashMap<>();
  private final List<Map.Entry<String, Host>> leadingWildcards = new ArrayList<>();
  private final List<Map.Entry<String, Host>> trailingWildcards = new ArrayList<>();
  private final List<Map.Entry<Pattern, Host>> regexes = new ArrayList<>();
  /** The address's only server when no host can change the choice, else {@code null}. */
  private final Host only;

  /**
   * @param hosts the servers on this address, in config order
   * @param defaultHost the default server of this address
   */
  public VirtualHosts(List<Host> hosts, Host defaultHost) {
    this.defaultHost = defaultHost;
    for (Host h : hosts) {
      for (String name : h.server().serverNames()) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("~")) {
          regexes.add(Map.entry(Pattern.compile(name.substring(1)), h));
        } else if (n.startsWith("*.")) {
          leadingWildcards.add(Map.entry(n.substring(1), h));
        } else if (n.startsWith(".")) {
          exact.putIfAbsent(n.substring(1), h);
          leadingWildcards.add(Map.entry(n, h));
        } else if (n.endsWith(".*")) {
          trailingWildcards.add(Map.entry(n.substring(0, n.length() - 1), h));
        } else {
          exact.putIfAbsent(n, h);
        }
      }
    }
    leadingWildcards.sort((a, b) -> Integer.compare(b.getKey().length(), a.getKey().length()));
    trailingWildcards.sort((a, b) -> Integer.compare(b.getKey().length(), a.getKey().length()));
    // as nginx, which looks names up only for an address of several servers or one with a regex name
    only = hosts.size() == 1 && regexes.isEmpty() ? defaultHost : null;
  }

  /**
   * The address's one server when it has no other and no regex name, so that the request's host cannot change the
   * choice (nginx then skips the lookup); {@code null} when {@link #select} must be asked.
   */
  public Host only() {
    return only;
  }

  /** The server for {@code host} (lowercase, without port; may be {@code null}). */
  public Host select(String host) {
    if (host == null || host.isEmpty()) {
      return defaultHost;
    }
    Host h = exact.get(host);
    if (h != null) {
      return h;
    }
    for (Map.Entry<String, Host> e : leadingWildcards) {
      if (host.endsWith(e.getKey())) {
        return e.getValue();
      }
    }
    for (Map.Entry<String, Host> e : trailingWildcards) {
      if (host.startsWith(e.getKey())) {
        return e.getValue();
      }
    }
    for (Map.Entry<Pattern, Host> e : regexes) {
      if (e.getKey().matcher(host).find()) {
        return e.getValue();
      }
    }
    return defaultHost;
  }
}
