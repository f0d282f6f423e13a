package io.xgate.gateway.config;

/**
 * A {@code listen} address.
 *
 * @param host the address to bind ({@code 0.0.0.0} for {@code *})
 * @param port the port
 * @param defaultServer whether this server is the default for the address
 */
public record Listen(String host, int port, boolean defaultServer) {

  /** The address key servers are grouped by. */
  public String key() {
    return host + ":" + port;
  }
}
