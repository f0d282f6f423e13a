package io.xgate.spi;

/**
 * Answers the requests of a location whose directive a {@link ContentHandlerProvider} owns.
 *
 * <p>Called on an event loop, by every event loop at once: implementations must be thread-safe, must not block and
 * should not throw (the gateway answers 500 if one does).
 */
@FunctionalInterface
public interface ContentHandler {

  /** The response to {@code request}. */
  ContentResponse handle(ContentRequest request);
}
