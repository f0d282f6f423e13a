package io.xgate.spi;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The {@link ContentHandlerProvider}s found on the class path, by directive name: for each name, the available
 * provider of the highest priority (the first found wins a tie). Immutable and thread-safe.
 */
public final class ContentHandlerRegistry {

  private final Map<String, ContentHandlerProvider> providers;

  private ContentHandlerRegistry(Map<String, ContentHandlerProvider> providers) {
    this.providers = Collections.unmodifiableMap(providers);
  }

  /** The providers that {@link ServiceLoader} finds through {@code loader}. */
  public static ContentHandlerRegistry load(ClassLoader loader) {
    return of(ServiceLoader.load(ContentHandlerProvider.class, loader));
  }

  /** The providers found through this class's loader. */
  public static ContentHandlerRegistry loadDefault() {
    return load(ContentHandlerRegistry.class.getClassLoader());
  }

  /** A registry of the given providers (tests). */
  public static ContentHandlerRegistry of(Iterable<? extends ContentHandlerProvider> candidates) {
    Map<String, ContentHandlerProvider> chosen = new HashMap<>();
    for (ContentHandlerProvider p : candidates) {
      if (!p.isAvailable()) {
        continue;
      }
      ContentHandlerProvider current = chosen.get(p.directiveName());
      if (current == null || p.priority() > current.priority()) {
        chosen.put(p.directiveName(), p);
      }
    }
    return new ContentHandlerRegistry(chosen);
  }

  /** The provider of {@code directive}, or {@code null}. */
  public ContentHandlerProvider provider(String directive) {
    return providers.get(directive);
  }
}
