package io.xgate.balancers.tengine;

import io.vertx.core.Vertx;
import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.BalancerRegistry;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.ConfigValues;
import io.xgate.spi.Directive;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.Selection;
import io.xgate.spi.SharedHealth;
import io.xgate.spi.TimeSource;
import io.xgate.spi.UpstreamContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds balancer chains from upstream blocks as the gateway does (providers found by ServiceLoader, the built-in
 * round-robin base at the root), and runs requests through them, for tests.
 */
final class TestChains {

  static final BalancerRegistry REGISTRY = BalancerRegistry.loadDefault();

  private TestChains() {
  }

  /** A clock the test moves. */
  static final class Clock implements TimeSource {
    long millis;

    Clock(long millis) {
      this.millis = millis;
    }

    @Override
    public long nowSeconds() {
      return Math.floorDiv(millis, 1000);
    }

    @Override
    public long nowMillis() {
      return millis;
    }
  }

  /** A built chain and its peers. */
  record Chain(Balancer balancer, PeerGroup peers) {
    Peer peer(String name) {
      for (Peer p : peers.peers()) {
        if (p.name().equals(name)) {
          return p;
        }
      }
      throw new IllegalArgumentException(name);
    }

    /**
     * One request: attempts until the selection gives no peer or an attempt succeeds; peers in {@code refusing}
     * fail. Returns the tried list, as {@code $upstream_addr} shows it.
     */
    List<String> request(io.xgate.spi.RequestView request, Set<String> refusing) {
      Selection s = balancer.select(request);
      List<String> tried = new ArrayList<>();
      int tries = s.tries();
      while (true) {
        Peer p = s.next();
        if (p == null) {
          String name = s.noPeerName(peers.name());
          if (!name.isEmpty()) {
            tried.add(name);
          }
          return tried;
        }
        tried.add(p.name());
        boolean fails = refusing.contains(p.name());
        s.report(p, fails ? Outcome.FAILURE : Outcome.SUCCESS);
        tries = Math.min(tries - 1, s.tries());
        if (!fails || tries <= 0) {
          return tried;
        }
      }
    }
  }

  /** The chain of {@code block} ({@code upstream NAME { ... }}, one directive per line). */
  static Chain build(String block, TimeSource time) {
    return build(block, time, SharedHealth.NONE);
  }

  /** The chain of {@code block}, telling {@code health} the outcomes as the gateway's shared health is told. */
  static Chain build(String block, TimeSource time, SharedHealth health) {
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
      if (line.isEmpty() || line.equals("}")) {
        continue;
      }
      line = line.substring(0, line.length() - 1);   // the ';'
      List<String> words = new ArrayList<>(Arrays.asList(line.split("\\s+")));
      String directive = words.remove(0);
      if (directive.equals("server")) {
        Peer p = server(words);
        (p.isBackup() ? backup : primary).add(p);
      } else {
        directives.add(new Directive(directive, words, "upstream.conf", lineNo));
      }
    }
    PeerGroup group = new PeerGroup(name, primary, backup.isEmpty() ? null : new PeerGroup(name, backup, null));
    RoundRobin rr = (RoundRobin) REGISTRY.provider(BalancerProvider.ROUND_ROBIN)
        .newBalancer(context(name, group, null, null, time, health), null);
    Balancer current = rr;
    for (Directive d : directives) {
      BalancerProvider provider = REGISTRY.provider(d.name());
      ConfigOrError<?> config = provider.parseConfig(d);
      if (config.isError()) {
        throw new IllegalArgumentException(config.error().getMessage());
      }
      current = provider.newBalancer(context(name, group, current, rr, time, health), config.config());
    }
    return new Chain(current, group);
  }

  private static Peer server(List<String> words) {
    String address = words.get(0);
    int colon = address.lastIndexOf(':');
    int weight = 1;
    int maxFails = 1;
    long failTimeout = 10;
    boolean down = false;
    boolean backup = false;
    Map<String, String> params = new HashMap<>();
    for (String w : words.subList(1, words.size())) {
      if (w.startsWith("weight=")) {
        weight = Integer.parseInt(w.substring(7));
      } else if (w.startsWith("max_fails=")) {
        maxFails = Integer.parseInt(w.substring(10));
      } else if (w.startsWith("fail_timeout=")) {
        failTimeout = ConfigValues.parseTimeSeconds(w.substring(13));
      } else if (w.equals("down")) {
        down = true;
      } else if (w.equals("backup")) {
        backup = true;
      } else if (w.startsWith("id=")) {
        params.put("id", w.substring(3));
      } else {
        throw new IllegalArgumentException(w);
      }
    }
    return new Peer(address, address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)), weight,
        maxFails, failTimeout, 0, backup, down, params);
  }

  private static UpstreamContext context(String name, PeerGroup group, Balancer base, RoundRobin rr,
      TimeSource time, SharedHealth health) {
    return new UpstreamContext() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public PeerGroup peers() {
        return group;
      }

      @Override
      public Balancer base() {
        return base;
      }

      @Override
      public RoundRobin roundRobin() {
        return rr;
      }

      @Override
      public TimeSource time() {
        return time;
      }

      @Override
      public Vertx vertx() {
        return null;
      }

      @Override
      public SharedHealth sharedHealth() {
        return health;
      }
    };
  }
}
