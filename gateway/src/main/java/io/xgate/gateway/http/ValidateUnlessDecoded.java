package io.xgate.gateway.http;

import io.vertx.core.http.impl.HttpUtils;
import java.util.function.BiConsumer;

/**
 * The validator of a header map filled with headers a decoder checked already: while {@link #decoded} is set (during
 * that fill) nothing is checked again; afterwards, what anyone else puts in the map is checked as Vert.x checks it
 * ({@code HttpUtils.validateHeader}), ~50 ns a header saved per decoded header.
 */
public final class ValidateUnlessDecoded implements BiConsumer<CharSequence, CharSequence> {

  /** Set while the map is filled with checked headers, and only then. */
  public boolean decoded;

  @Override
  public void accept(CharSequence name, CharSequence value) {
    if (!decoded) {
      HttpUtils.validateHeader(name, value);
    }
  }
}
