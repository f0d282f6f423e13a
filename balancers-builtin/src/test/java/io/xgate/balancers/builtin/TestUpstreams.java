package io.xgate.balancers.builtin;

import io.vertx.core.Vertx;
import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.BalancerRegistry;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.ConfigValues;
import io.xgate.spi.Directive;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.TimeSource;
import io.xgate.spi.UpstreamContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Builds balancer chains from an {@code upstream u { ... }} block, the way the gateway does, for tests. Only what the
 * vectors use: {@code server ADDR [weight= max_fails= fail_timeout= max_conns= backup down];} and balancing
 * directives, found through {@link java.util.ServiceLoader}.
 */
final class TestUpstreams {

  static final BalancerRegistry REGISTRY = BalancerRegistry.loadDefault();

  private TestUpstreams() {
  }

  /** The chain of an upstream block, and its peers. */
  record Chain(Balancer balancer, RoundRobin roundRobin, PeerGroup peers) {
    Peer peer(String name) {
      for (Peer p : peers.peers()) {
        if (p.name().equals(name)) {
          return p;
        }
      }
      if (peers.backup() != null) {
        for (Peer p : peers.backup().peers()) {
          if (p.name().equals(name)) {
            return p;
          }
        }
      }
      throw new IllegalArgumentException(name);
    }
  }

  static Chain build(String block, TimeSource time) {
    String name = "u";
    List<Peer> primary = new ArrayList<>();
    List<Peer> backup = new ArrayList<>();
    List<Directive> directives = new ArrayList<>();
    int lineNo = 0;
    for (String raw : block.split("\n")) {
      lineNo++;
      String line = raw.trim();
      if (line.startsWith("upstream ")) {
        name = line.substring("upstream ".length()).replace("{", "").trim();
        continue;
      }
      if (line.isEmpty() || line.equals("}") || line.startsWith("#")) {
        continue;
      }
      if (line.endsWith(";")) {
        line = line.substring(0, line.length() - 1);
      }
      List<String> words = new ArrayList<>(Arrays.asList(line.trim().split("\\s+")));
      String directive = words.remove(0);
      if (directive.equals("server")) {
        Peer p = server(words);
        (p.isBackup() ? backup : primary).add(p);
      } else {
        directives.add(new Directive(directive, words, "upstream.conf", lineNo));
      }
    }
    PeerGroup backupGroup = backup.isEmpty() ? null : new PeerGroup(name, backup, null);
    PeerGroup group = new PeerGroup(name, primary, backupGroup);
    return chain(name, group, directives, time);
  }

  static Chain chain(String name, PeerGroup group, List<Directive> directives, TimeSource time) {
    RoundRobin rr = (RoundRobin) REGISTRY.provider(BalancerProvider.ROUND_ROBIN)
        .newBalancer(new Context(name, group, null, null, time), null);
    Balancer chain = rr;
    for (Directive d : directives) {
      BalancerProvider provider = REGISTRY.provider(d.name());
      if (provider == null) {
        throw new IllegalArgumentException("unknown directive \"" + d.name() + "\"");
      }
      ConfigOrError<?> config = provider.parseConfig(d);
      if (config.isError()) {
        throw new IllegalArgumentException(config.error().getMessage());
      }
      if (group.backup() != null && !provider.supportsBackup()) {
        throw new IllegalArgumentException("balancing method does not support parameter \"backup\"");
      }
      chain = provider.newBalancer(new Context(name, group, chain, rr, time), config.config());
    }
    return new Chain(chain, rr, group);
  }

  /** A peer from the words after {@code server}; its address must be an IP:port. */
  static Peer server(List<String> words) {
    String server = words.get(0);
    int weight = 1;
    int maxFails = 1;
    long failTimeout = 10;
    int maxConns = 0;
    boolean backup = false;
    boolean down = false;
    for (String w : words.subList(1, words.size())) {
      if (w.startsWith("weight=")) {
        weight = Integer.parseInt(w.substring(7));
      } else if (w.startsWith("max_fails=")) {
        maxFails = Integer.parseInt(w.substring(10));
      } else if (w.startsWith("fail_timeout=")) {
        failTimeout = ConfigValues.parseTimeSeconds(w.substring(13));
      } else if (w.startsWith("max_conns=")) {
        maxConns = Integer.parseInt(w.substring(10));
      } else if (w.equals("backup")) {
        backup = true;
      } else if (w.equals("down")) {
        down = true;
      } else {
        throw new IllegalArgumentException("invalid parameter \"" + w + "\"");
      }
    }
    int colon = server.lastIndexOf(':');
    return new Peer(server, server.substring(0, colon), Integer.parseInt(server.substring(colon + 1)), weight,
        maxFails, failTimeout, maxConns, backup, down, Map.of());
  }

  private record Context(String name, PeerGroup peers, Balancer base, RoundRobin roundRobin, TimeSource time)
      implements UpstreamContext {
    @Override
    public Vertx vertx() {
      return null;
    }
  }
}
