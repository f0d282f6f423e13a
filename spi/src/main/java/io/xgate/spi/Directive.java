package io.xgate.spi;

import java.util.List;

/**
 * One directive as written in the config: its name, its arguments (quotes removed, escapes resolved, variables
 * left as written) and its place. A provider receives the directive it owns and reports problems with
 * {@link #error(String)} so the message carries {@code file:line}.
 *
 * @param name the directive's name
 * @param args the arguments, without the name
 * @param file the file it was read from
 * @param line the 1-based line of its name
 */
public record Directive(String name, List<String> args, String file, int line) {

  public Directive {
    args = List.copyOf(args);
  }

  /** An error at this directive's place. */
  public ConfigException error(String reason) {
    return new ConfigException(reason, file, line);
  }

  /** nginx's "invalid number of arguments in "NAME" directive". */
  public ConfigException invalidArgumentCount() {
    return error("invalid number of arguments in \"" + name + "\" directive");
  }

  /** nginx's "invalid parameter "X"". */
  public ConfigException invalidParameter(String parameter) {
    return error("invalid parameter \"" + parameter + "\"");
  }

  /** The argument at {@code index}. */
  public String arg(int index) {
    return args.get(index);
  }
}
