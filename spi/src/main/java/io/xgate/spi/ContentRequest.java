package io.xgate.spi;

import java.util.Map;

/**
 * What a {@link ContentHandler} sees of one request and of the configuration generation serving it.
 */
public interface ContentRequest {

  /** The request method as sent ({@code GET}, {@code HEAD}, ...). */
  String method();

  /** The request's nginx variables ({@code $arg_format}, {@code $request_uri}, ...). */
  RequestView variables();

  /**
   * The upstreams of the configuration generation serving this request, by name in config order, each as its
   * balancer chain (the outermost balancer; {@link Balancer#peers()} gives its peers).
   */
  Map<String, Balancer> upstreams();

  /** The configuration generation serving this request: 1 for the config loaded at start, +1 per reload. */
  long generation();

  /** A request of these parts (the gateway's, and tests'). */
  static ContentRequest of(String method, RequestView variables, Map<String, Balancer> upstreams, long generation) {
    record Of(String method, RequestView variables, Map<String, Balancer> upstreams, long generation)
        implements ContentRequest {
    }
    return new Of(method, variables, upstreams, generation);
  }
}
