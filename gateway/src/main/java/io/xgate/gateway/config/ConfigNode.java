package io.xgate.gateway.config;

import io.xgate.spi.ConfigException;
import io.xgate.spi.Directive;
import java.util.List;

/**
 * One directive of an nginx-syntax file as parsed, before any meaning is given to it: name, arguments, place, and
 * for a block directive ({@code http { ... }}) its children.
 *
 * @param name the directive's name
 * @param args its arguments, quotes removed and escapes resolved
 * @param file the file it was read from
 * @param line the 1-based line of its name
 * @param children the directives inside its block, or {@code null} for a simple directive
 */
public record ConfigNode(String name, List<String> args, String file, int line, List<ConfigNode> children) {

  public ConfigNode {
    args = List.copyOf(args);
    children = children == null ? null : List.copyOf(children);
  }

  public boolean isBlock() {
    return children != null;
  }

  public String arg(int i) {
    return args.get(i);
  }

  /** An error at this directive's place. */
  public ConfigException error(String reason) {
    return new ConfigException(reason, file, line);
  }

  /** A warning about this directive, with its place, as nginx words one. */
  public String warning(String reason) {
    return reason + " in " + file + ":" + line;
  }

  /** The SPI's view of this directive. */
  public Directive toDirective() {
    return new Directive(name, args, file, line);
  }
}
