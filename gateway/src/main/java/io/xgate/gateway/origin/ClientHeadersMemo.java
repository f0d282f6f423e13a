package io.xgate.gateway.origin;

import io.vertx.core.MultiMap;

/**
 * The headers a proxy made for its client from an origin's response head, kept with that head. An origin repeats
 * its heads, and {@link OriginResponseDecoder} delivers a repeated head as the same object, so the client's headers
 * are made once per head and key instead of once per response. One entry, its keys compared by identity; used on
 * the event loop of the head's connection only.
 */
public final class ClientHeadersMemo {

  private Object settings;
  private String date;
  private MultiMap headers;

  /**
   * The headers made under {@code settings} (the location's, as the proxy holds them) in the second whose HTTP date
   * is {@code date}, or null when the memo holds others.
   */
  public MultiMap get(Object settings, String date) {
    return this.settings == settings && this.date == date ? headers : null;
  }

  /** Keeps {@code headers}, made under {@code settings} in the second of {@code date}, in place of any others. */
  public void put(Object settings, String date, MultiMap headers) {
    this.settings = settings;
    this.date = date;
    this.headers = headers;
  }
}
