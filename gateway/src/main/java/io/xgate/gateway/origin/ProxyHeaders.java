package io.xgate.gateway.origin;

import io.vertx.core.MultiMap;

/**
 * Where the proxy puts the headers it sets on an origin request ({@code Host}, {@code proxy_set_header} values,
 * {@code Connection}, a body's length): an {@link OriginExchange}, or the map of another client's request.
 */
public interface ProxyHeaders {

  /** Sets {@code name}, replacing what the proxy set under it before. */
  void setHeader(CharSequence name, CharSequence value);

  /**
   * Adds {@code name: value} after what the proxy set before, whatever its name: each {@code proxy_set_header} line
   * is a header line of its own, as nginx sends them (one name set twice goes out twice).
   */
  void addHeader(CharSequence name, CharSequence value);

  /** Removes {@code name}. */
  void removeHeader(CharSequence name);

  /** The value set under {@code name}, or null. */
  String header(CharSequence name);

  /** {@code map} as the place for the proxy's headers. */
  static ProxyHeaders of(MultiMap map) {
    return new ProxyHeaders() {
      @Override
      public void setHeader(CharSequence name, CharSequence value) {
        map.set(name, value);
      }

      @Override
      public void addHeader(CharSequence name, CharSequence value) {
        map.add(name, value);
      }

      @Override
      public void removeHeader(CharSequence name) {
        map.remove(name);
      }

      @Override
      public String header(CharSequence name) {
        return map.get(name);
      }
    };
  }
}
