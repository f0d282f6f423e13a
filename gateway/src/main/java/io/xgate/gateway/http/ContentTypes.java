package io.xgate.gateway.http;

/**
 * The {@code Content-Type} of a response xgate writes from text ({@code return 200 "text"}), as nginx's
 * {@code ngx_http_set_content_type} chooses it without a {@code types} block: by the extension of the request's
 * path from nginx's three built-in types ({@code html}, {@code gif}, {@code jpg}, in any case), else the location's
 * {@code default_type}.
 */
public final class ContentTypes {

  private ContentTypes() {
  }

  /** The type for a response to {@code uri} (the normalized path) in a location whose default is {@code defaultType}. */
  public static String forPath(String uri, String defaultType) {
    for (int i = uri.length() - 1; i >= 0; i--) {
      char c = uri.charAt(i);
      if (c == '/') {
        break;
      }
      if (c == '.') {
        String extension = uri.substring(i + 1);
        if (extension.equalsIgnoreCase("html")) {
          return "text/html";
        }
        if (extension.equalsIgnoreCase("gif")) {
          return "image/gif";
        }
        if (extension.equalsIgnoreCase("jpg")) {
          return "image/jpeg";
        }
        break;
      }
    }
    return defaultType;
  }
}
