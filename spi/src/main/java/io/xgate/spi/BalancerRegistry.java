package io.xgate.spi;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The providers found on the class path, by policy name: for each name, the available provider of the highest
 * priority (the first found wins a tie). Immutable and thread-safe.
 */
public final class BalancerRegistry {

  private final Map<String, BalancerProvider> providers;

  private BalancerRegistry(Map<String, BalancerProvider> providers) {
    this.providers = Collections.unmodifiableMap(providers);
  }

  /** The providers that {@link ServiceLoader} finds through {@code loader}. */
  public static BalancerRegistry load(ClassLoader loader) {
    return of(ServiceLoader.load(BalancerProvider.class, loader));
  }

  /** The providers found through this class's loader. */
  public static BalancerRegistry loadDefault() {
    return load(BalancerRegistry.class.getClassLoader());
  }

  /** A registry of the given providers (tests). */
  public static BalancerRegistry of(Iterable<? extends BalancerProvider> candidates) {
    Map<String, BalancerProvider> chosen = new TreeMap<>();
    for (BalancerProvider p : candidates) {
      if (!p.isAvailable()) {
        continue;
      }
      BalancerProvider current = chosen.get(p.policyName());
      if (current == null || p.priority() > current.priority()) {
        chosen.put(p.policyName(), p);
      }
    }
    return new BalancerRegistry(new LinkedHashMap<>(chosen));
  }

  /** The provider of {@code policyName}, or {@code null}. */
  public BalancerProvider provider(String policyName) {
    return providers.get(policyName);
  }

  /** All chosen providers, by name. */
  public Collection<BalancerProvider> providers() {
    return providers.values();
  }
}
