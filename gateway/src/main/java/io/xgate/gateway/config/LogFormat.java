package io.xgate.gateway.config;

import io.xgate.spi.ComplexValue;

/**
 * A {@code log_format}: a name and its line template.
 *
 * @param name the format's name
 * @param template the line, with variables
 * @param escape {@code default} (nginx's \xXX escaping of variable values), {@code json} or {@code none}
 */
public record LogFormat(String name, ComplexValue template, String escape) {

  /** nginx's predefined {@code combined} format. */
  public static final LogFormat COMBINED = new LogFormat("combined", ComplexValue.parse(
      "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent "
          + "\"$http_referer\" \"$http_user_agent\""), "default");
}
