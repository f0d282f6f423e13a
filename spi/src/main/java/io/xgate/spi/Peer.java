package io.xgate.spi;

import java.util.List;
import java.util.Map;

/**
 * One server address of an upstream: its configuration as the {@code server} line wrote it, and nginx's per-peer
 * balancing state ({@code ngx_http_upstream_rr_peer_t}).
 *
 * <p>Thread safety: the configuration is immutable. The balancing state ({@link #currentWeight()},
 * {@link #effectiveWeight()}, {@link #conns()}, {@link #fails()}, {@link #accessed()}, {@link #checked()}) may only
 * be changed by balancers while they hold their group's {@link PeerGroup#lock()}; readers outside the lock (status
 * pages) may see a slightly stale value. {@link #healthDown()} is set by active health checks and may be read
 * without the lock; every change of it is counted by {@link PeerGroup#healthChanges()}, so balancers that index
 * peers by usability notice it without scanning.
 *
 * <p>Times ({@link #accessed()}, {@link #checked()}) are whole seconds from {@link TimeSource#nowSeconds()}, as
 * nginx's {@code ngx_time()}: {@code fail_timeout} is counted on that coarse clock.
 */
public final class Peer {

  private final String server;
  private final String name;
  private final String host;
  private final int port;
  private final int weight;
  private final int maxFails;
  private final long failTimeoutSeconds;
  private final int maxConns;
  private final boolean backup;
  private final boolean down;
  private final Map<String, String> parameters;
  private int index;
  private PeerGroup group;

  private int currentWeight;
  private int effectiveWeight;
  private int conns;
  private int fails;
  private long accessed;
  private long checked;
  private volatile boolean healthDown;
  private volatile Peer[] healthSharers = new Peer[0];

  /**
   * @param server the server's address as written in the config ({@code backend.local:8080})
   * @param host the resolved IP address text
   * @param port the port
   * @param weight the weight, at least 1
   * @param maxFails failures within {@code failTimeoutSeconds} that disable the peer; 0 disables the accounting
   * @param failTimeoutSeconds the failure window and the time a peer stays disabled, in seconds
   * @param maxConns the most concurrent attempts on this peer; 0 = unlimited
   * @param backup whether it belongs to the backup group
   * @param down whether it is marked {@code down}
   * @param parameters further {@code key=value} parameters a balancer accepted ({@code id=} for Tengine)
   */
  public Peer(String server, String host, int port, int weight, int maxFails, long failTimeoutSeconds, int maxConns,
      boolean backup, boolean down, Map<String, String> parameters) {
    this.server = server;
    this.host = host;
    this.port = port;
    this.name = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    this.weight = weight;
    this.maxFails = maxFails;
    this.failTimeoutSeconds = failTimeoutSeconds;
    this.maxConns = maxConns;
    this.backup = backup;
    this.down = down;
    this.parameters = Map.copyOf(parameters);
    this.effectiveWeight = weight;
  }

  /** The server as written in the config, before resolution ({@code backend.local:8080}). */
  public String server() {
    return server;
  }

  /** The resolved address as nginx prints it in {@code $upstream_addr}: {@code 127.0.0.1:8080}. */
  public String name() {
    return name;
  }

  /** The resolved IP address text. */
  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public int weight() {
    return weight;
  }

  public int maxFails() {
    return maxFails;
  }

  public long failTimeoutSeconds() {
    return failTimeoutSeconds;
  }

  public int maxConns() {
    return maxConns;
  }

  public boolean isBackup() {
    return backup;
  }

  /** Whether the config marks this peer {@code down}. */
  public boolean isDown() {
    return down;
  }

  /** A further {@code key=value} server parameter a balancer accepted, or {@code null}. */
  public String parameter(String key) {
    return parameters.get(key);
  }

  /** The peer's position in its group, from 0, in config order. */
  public int index() {
    return index;
  }

  void index(int index) {
    this.index = index;
  }

  /** The group this peer belongs to (primary or backup), once the group is built. */
  public PeerGroup group() {
    return group;
  }

  void group(PeerGroup group) {
    this.group = group;
  }

  // ---- balancing state: change only under the group's lock ----

  public int currentWeight() {
    return currentWeight;
  }

  public void currentWeight(int value) {
    currentWeight = value;
  }

  public int effectiveWeight() {
    return effectiveWeight;
  }

  public void effectiveWeight(int value) {
    effectiveWeight = value;
  }

  /** Attempts in progress on this peer. */
  public int conns() {
    return conns;
  }

  public void conns(int value) {
    conns = value;
  }

  /** Failures counted since the peer was last seen working. */
  public int fails() {
    return fails;
  }

  public void fails(int value) {
    fails = value;
  }

  /** When the last failure happened (seconds). */
  public long accessed() {
    return accessed;
  }

  public void accessed(long seconds) {
    accessed = seconds;
  }

  /** When the peer was last chosen after its fail_timeout window, or failed (seconds). */
  public long checked() {
    return checked;
  }

  public void checked(long seconds) {
    checked = seconds;
  }

  /** Whether an active health check currently holds this peer down. */
  public boolean healthDown() {
    return healthDown;
  }

  /**
   * Holds the peer down (or lets it up) for active health checks. A change is published to
   * {@link PeerGroup#healthChanges()} after the flag is written.
   */
  public void healthDown(boolean value) {
    if (setHealthDown(value)) {
      for (Peer p : healthSharers) {
        p.setHealthDown(value);
      }
    }
  }

  private boolean setHealthDown(boolean value) {
    if (healthDown == value) {
      return false;
    }
    healthDown = value;
    PeerGroup g = group;
    if (g != null) {
      g.healthChanged();
    }
    return true;
  }

  /**
   * Makes {@code others} (the same address in other upstreams that share health, {@link SharedHealth}) follow this
   * peer's health-check state: each change of {@link #healthDown(boolean)} here is written there too, so an upstream
   * without a check of its own sees what another upstream's check found. Set by the gateway once every upstream of a
   * config is built; replaces any earlier list.
   */
  public void shareHealthWith(List<Peer> others) {
    healthSharers = others.toArray(new Peer[0]);
  }

  /**
   * nginx's passive-health test: the peer has {@code max_fails} failures and its {@code fail_timeout} has not yet
   * passed since it was last checked.
   */
  public boolean isFailed(long nowSeconds) {
    return maxFails != 0 && fails >= maxFails && nowSeconds - checked <= failTimeoutSeconds;
  }

  /** Whether {@code max_conns} is reached. */
  public boolean isAtMaxConns() {
    return maxConns != 0 && conns >= maxConns;
  }

  @Override
  public String toString() {
    return name;
  }
}
