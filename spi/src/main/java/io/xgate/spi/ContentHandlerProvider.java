package io.xgate.spi;

/**
 * A location content handler from a plugin, found with {@link java.util.ServiceLoader} and named by the
 * {@code location {}} directive it owns (Tengine's {@code check_status}): a location with that directive answers
 * every request itself, in place of {@code proxy_pass} or {@code return}. Register an implementation in
 * {@code META-INF/services/io.xgate.spi.ContentHandlerProvider}.
 *
 * <p>A provider with a higher {@link #priority()} replaces one of the same {@link #directiveName()}.
 * Implementations must be thread-safe and cheap to construct.
 *
 * <pre>{@code
 * public final class HelloProvider extends ContentHandlerProvider {
 *   public String directiveName() { return "hello"; }
 *   public ConfigOrError<?> parseConfig(Directive d) {
 *     return d.args().size() == 1 ? ConfigOrError.of(d.arg(0)) : ConfigOrError.error(d.invalidArgumentCount());
 *   }
 *   public ContentHandler newHandler(Object config) {
 *     return request -> ContentResponse.of(200, "text/plain", Buffer.buffer("hello " + config + "\n"));
 *   }
 * }
 * }</pre>
 */
public abstract class ContentHandlerProvider {

  /** The directive inside {@code location {}}: {@code check_status}, ... */
  public abstract String directiveName();

  /** Higher wins among providers of the same directive; built-ins use 5. */
  public int priority() {
    return 5;
  }

  /** Whether the provider can be used on this system; unavailable providers are ignored. */
  public boolean isAvailable() {
    return true;
  }

  /**
   * Validates the directive's arguments into an immutable config value, or returns an error that names the
   * directive's {@code file:line}. Must not throw.
   */
  public abstract ConfigOrError<?> parseConfig(Directive directive);

  /**
   * The handler of one location.
   *
   * @param config the value {@link #parseConfig} returned
   */
  public abstract ContentHandler newHandler(Object config);
}
