package io.xgate.balancers.tengine;

import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.ConfigValues;
import io.xgate.spi.Directive;
import io.xgate.spi.UpstreamContext;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntUnaryOperator;

/**
 * Tengine's {@code vnswrr [max_init=N];}: smooth weighted round robin through a precomputed virtual-node table,
 * O(1) per pick ({@link VnswrrBalancer}). {@code max_init} is how many table slots are built at a time (default:
 * the number of servers).
 *
 * <p>Where the walk starts is random per upstream, as in Tengine ({@code init = random() % servers}, the first
 * request takes slot {@code init + 1}). The system property {@value #INIT_PROPERTY} pins {@code init} (taken modulo
 * the number of servers), for tests and replays that compare with the canonical recordings ({@code init = 0}):
 * {@code java -Dxgate.vnswrr.init=0 -jar xgate.jar}, or {@code XGATE_JAVA_OPTS=-Dxgate.vnswrr.init=0} for
 * {@code xgate-as-proxy.sh}.
 *
 * @see ConsistentHashProvider
 */
public final class VnswrrProvider extends BalancerProvider {

  /** The system property that pins the walk's start. */
  public static final String INIT_PROPERTY = "xgate.vnswrr.init";

  /** The parsed directive: {@code max_init}, 0 for the default. */
  record Config(int maxInit) {
  }

  @Override
  public String policyName() {
    return "vnswrr";
  }

  @Override
  public ConfigOrError<?> parseConfig(Directive directive) {
    if (directive.args().size() > 1) {
      return ConfigOrError.error(directive.invalidArgumentCount());
    }
    if (directive.args().isEmpty()) {
      return ConfigOrError.of(new Config(0));
    }
    String arg = directive.arg(0);
    long value = arg.startsWith("max_init=") ? ConfigValues.parseNumber(arg.substring(9)) : -1;
    if (value < 0 || value > Integer.MAX_VALUE) {
      return ConfigOrError.error(directive.invalidParameter(arg));
    }
    return ConfigOrError.of(new Config((int) value));
  }

  @Override
  public Balancer newBalancer(UpstreamContext upstream, Object config) {
    return new VnswrrBalancer(upstream.base(), upstream.roundRobin(), upstream.peers(), ((Config) config).maxInit(),
        start());
  }

  /** Tengine's random start, or the pinned one. */
  static IntUnaryOperator start() {
    String pinned = System.getProperty(INIT_PROPERTY);
    if (pinned != null && !pinned.isBlank()) {
      try {
        int init = Integer.parseInt(pinned.trim());
        return n -> Math.floorMod(init, n);
      } catch (NumberFormatException e) {
        // an unusable value leaves the start random
      }
    }
    return n -> ThreadLocalRandom.current().nextInt(n);
  }
}
