package io.xgate.spi;

import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@link ContentHandler} answers. The gateway adds its own headers ({@code Server}, {@code add_header}) and
 * writes the access log as for any response.
 *
 * @param status the status code
 * @param headers response headers, in order
 * @param body the body (sent with a {@code Content-Length}), or {@code null} for headers only (no
 *     {@code Content-Length}, as for a {@code HEAD} request)
 * @param errorPage whether the gateway should answer with its own page for {@code status} instead (nginx's handler
 *     returning an HTTP error code, such as 405 for a method it does not serve); {@code headers} and {@code body}
 *     are then unused
 */
public record ContentResponse(int status, Map<String, String> headers, Buffer body, boolean errorPage) {

  public ContentResponse {
    headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }

  /** A response with a body and its {@code Content-Type}. */
  public static ContentResponse of(int status, String contentType, Buffer body) {
    return new ContentResponse(status, Map.of("Content-Type", contentType), body, false);
  }

  /** Headers only: no body and no {@code Content-Length}. */
  public static ContentResponse headersOnly(int status, String contentType) {
    return new ContentResponse(status, Map.of("Content-Type", contentType), null, false);
  }

  /** The gateway's own page for {@code status} (405, 500, ...). */
  public static ContentResponse errorPage(int status) {
    return new ContentResponse(status, Map.of(), null, true);
  }
}
