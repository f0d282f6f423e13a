package io.xgate.spi;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The peers of one upstream of one kind, primary or backup ({@code ngx_http_upstream_rr_peers_t}). The primary
 * group links to the backup group with {@link #backup()}; both share one {@link #lock()}.
 *
 * <p>Immutable apart from the peers' balancing state, which is guarded by {@link #lock()}.
 */
public final class PeerGroup {

  private final String name;
  private final List<Peer> peers;
  private final PeerGroup backup;
  private final ReentrantLock lock;
  private final AtomicLong healthChanges;
  private final int totalWeight;
  private final int usableCount;
  private final boolean single;

  /**
   * @param name the upstream's name ({@code $upstream_addr} shows it when no peer is left)
   * @param peers the peers in config order
   * @param backup the backup group, or {@code null}
   */
  public PeerGroup(String name, List<Peer> peers, PeerGroup backup) {
    this(name, peers, backup, backup != null ? backup.lock : new ReentrantLock(),
        backup != null ? backup.healthChanges : new AtomicLong());
  }

  private PeerGroup(String name, List<Peer> peers, PeerGroup backup, ReentrantLock lock, AtomicLong healthChanges) {
    // nginx's peers->single: one primary peer and no backup group; a backup group is never single
    this.single = peers.size() == 1 && backup == null && !peers.get(0).isBackup();
    this.name = name;
    this.peers = List.copyOf(peers);
    this.backup = backup;
    this.lock = lock;
    this.healthChanges = healthChanges;
    int total = 0;
    int usable = 0;
    for (int i = 0; i < this.peers.size(); i++) {
      Peer p = this.peers.get(i);
      p.index(i);
      p.group(this);
      total += p.weight();
      if (!p.isDown()) {
        usable++;
      }
    }
    this.totalWeight = total;
    this.usableCount = usable;
  }

  /** The upstream's name. */
  public String name() {
    return name;
  }

  /** The peers in config order; {@link Peer#index()} is the position here. */
  public List<Peer> peers() {
    return peers;
  }

  public int size() {
    return peers.size();
  }

  public Peer get(int index) {
    return peers.get(index);
  }

  /** The backup group, or {@code null} (always {@code null} for a backup group). */
  public PeerGroup backup() {
    return backup;
  }

  /** Sum of all peers' weights, down ones included (nginx's {@code total_weight}). */
  public int totalWeight() {
    return totalWeight;
  }

  /**
   * Whether this is a primary group of exactly one peer and no backup group: nginx then ignores max_fails and never
   * retries. A backup group is never single, as in nginx.
   */
  public boolean isSingle() {
    return single;
  }

  /** Whether any peer's weight differs from 1. */
  public boolean isWeighted() {
    return totalWeight != peers.size();
  }

  /** Peers not marked {@code down}: nginx's tries budget of the group. */
  public int usableCount() {
    return usableCount;
  }

  /** The lock that guards the balancing state of this group and its backup group. */
  public ReentrantLock lock() {
    return lock;
  }

  /**
   * How many times {@link Peer#healthDown(boolean)} has changed a peer of this group or of its backup group (the
   * two share the count). It moves after the peer's flag is written, so a balancer that read the count and then the
   * flags has seen every change counted so far; one that keeps its own view of which peers are held down compares
   * the count under {@link #lock()} instead of reading every flag on every pick.
   */
  public long healthChanges() {
    return healthChanges.get();
  }

  void healthChanged() {
    healthChanges.incrementAndGet();
  }
}
