package io.xgate.balancers.tengine.check;

import io.xgate.spi.PeerGroup;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The health-checked upstreams of the process, by their peer group, so the status page finds the check of an
 * upstream whatever balancers decorate it. {@link PeerGroup} has identity equality: each config generation has
 * its own groups.
 */
final class CheckedUpstreams {

  private static final Map<PeerGroup, CheckBalancer> BY_GROUP = new ConcurrentHashMap<>();

  private CheckedUpstreams() {
  }

  static void register(PeerGroup group, CheckBalancer check) {
    BY_GROUP.put(group, check);
  }

  static void unregister(PeerGroup group, CheckBalancer check) {
    BY_GROUP.remove(group, check);
  }

  /** The check of the upstream whose primary group is {@code group}, or {@code null}. */
  static CheckBalancer of(PeerGroup group) {
    return BY_GROUP.get(group);
  }
}
