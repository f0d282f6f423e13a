package io.xgate.gateway.http;

import java.util.Locale;
import java.util.Map;

/**
 * The {@code Content-Type} of a response xgate writes from text ({@code return 200 "text"}), as nginx's
 * {@code ngx_http_set_content_type} chooses it: by the extension of the request's path (after the last dot of its
 * last segment, without case) in the location's {@code types}, or without any {@code types} block in nginx's three
 * built-in types ({@code html}, {@code gif}, {@code jpg}); else the location's {@code default_type}.
 */
public final class ContentTypes {

  /** nginx's types when no level has a {@code types} block ({@code ngx_http_core_default_types}). */
  private static final Map<String, String> BUILT_IN = Map.of("html", "text/html", "gif", "image/gif",
      "jpg", "image/jpeg");

  private ContentTypes() {
  }

  /**
   * The type for a response to {@code uri} (the normalized path) in a location with {@code types} (null: none
   * configured) whose default is {@code defaultType}.
   */
  public static String forPath(String uri, Map<String, String> types, String defaultType) {
    for (int i = uri.length() - 1; i >= 0; i--) {
      char c = uri.charAt(i);
      if (c == '/') {
        break;
      }
      if (c == '.') {
        String type = (types != null ? types : BUILT_IN).get(uri.substring(i + 1).toLowerCase(Locale.ROOT));
        return type != null ? type : defaultType;
      }
    }
    return defaultType;
  }
}
