package io.xgate.spi;

/**
 * A configuration error at a place in a config file, worded as nginx words it:
 * {@code invalid parameter "weight=0" in /etc/xgate/xgate.conf:12}.
 */
public final class ConfigException extends Exception {

  private final String reason;
  private final String file;
  private final int line;

  /**
   * @param reason what is wrong, without the place ({@code unknown directive "proxi_pass"})
   * @param file the config file, or {@code null} when the error has no place
   * @param line the 1-based line in {@code file}
   */
  public ConfigException(String reason, String file, int line) {
    super(file == null ? reason : reason + " in " + file + ":" + line, null, false, false);
    this.reason = reason;
    this.file = file;
    this.line = line;
  }

  /** What is wrong, without the place. */
  public String reason() {
    return reason;
  }

  /** The config file, or {@code null}. */
  public String file() {
    return file;
  }

  /** The 1-based line in {@link #file()}, or 0. */
  public int line() {
    return line;
  }
}
