package io.xgate.spi;

import java.util.Objects;

/**
 * A parsed config value, or the error that prevented it. Providers return this instead of throwing, so one bad
 * directive is reported with its {@code file:line} and never surfaces at request time.
 *
 * @param <T> the config value's type
 */
public final class ConfigOrError<T> {

  private final T config;
  private final ConfigException error;

  private ConfigOrError(T config, ConfigException error) {
    this.config = config;
    this.error = error;
  }

  /** A valid config value (may be {@code null} for a directive without arguments). */
  public static <T> ConfigOrError<T> of(T config) {
    return new ConfigOrError<>(config, null);
  }

  /** An error. */
  public static <T> ConfigOrError<T> error(ConfigException error) {
    return new ConfigOrError<>(null, Objects.requireNonNull(error));
  }

  public boolean isError() {
    return error != null;
  }

  /** The value; only meaningful when {@link #isError()} is false. */
  public T config() {
    return config;
  }

  /** The error, or {@code null}. */
  public ConfigException error() {
    return error;
  }

  /** The value, or the error thrown. */
  public T orThrow() throws ConfigException {
    if (error != null) {
      throw error;
    }
    return config;
  }
}
