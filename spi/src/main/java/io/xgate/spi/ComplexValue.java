package io.xgate.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * A compiled nginx "complex value": text mixed with variables, as in {@code $arg_user$http_x_tenant} or
 * {@code "key-${host}:$uri"}. Unset variables evaluate to the empty string, as in nginx.
 *
 * <p>Immutable and thread-safe.
 */
public final class ComplexValue {

  private final String source;
  private final String[] texts;     // texts[i] precedes variables[i]; the last text follows the last variable
  private final String[] variables;

  private ComplexValue(String source, List<String> texts, List<String> variables) {
    this.source = source;
    this.texts = texts.toArray(String[]::new);
    this.variables = variables.toArray(String[]::new);
  }

  /**
   * Compiles {@code value}. {@code $name} takes the longest run of {@code [A-Za-z0-9_]}; {@code ${name}} delimits
   * it explicitly.
   *
   * @throws IllegalArgumentException for {@code $} without a name or an unclosed <code>${</code>
   */
  public static ComplexValue parse(String value) {
    List<String> texts = new ArrayList<>();
    List<String> variables = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    int i = 0;
    int n = value.length();
    while (i < n) {
      char c = value.charAt(i);
      if (c != '$') {
        text.append(c);
        i++;
        continue;
      }
      i++;
      String name;
      if (i < n && value.charAt(i) == '{') {
        int close = value.indexOf('}', i);
        if (close < 0) {
          throw new IllegalArgumentException("the closing bracket in \"" + value + "\" variable is missing");
        }
        name = value.substring(i + 1, close);
        i = close + 1;
      } else {
        int start = i;
        while (i < n && isNameChar(value.charAt(i))) {
          i++;
        }
        name = value.substring(start, i);
      }
      if (name.isEmpty()) {
        throw new IllegalArgumentException("invalid variable name in \"" + value + "\"");
      }
      texts.add(text.toString());
      text.setLength(0);
      variables.add(name);
    }
    texts.add(text.toString());
    return new ComplexValue(value, texts, variables);
  }

  private static boolean isNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }

  /** Whether the value has no variables. */
  public boolean isConstant() {
    return variables.length == 0;
  }

  /** The variable names, in order of appearance. */
  public List<String> variables() {
    return List.of(variables);
  }

  /** Evaluates against {@code request}. */
  public String evaluate(RequestView request) {
    if (variables.length == 0) {
      return texts[0];
    }
    if (variables.length == 1 && texts[0].isEmpty() && texts[1].isEmpty()) {
      String v = request.variable(variables[0]);   // "$proxy_host": the variable's own string, nothing built
      return v == null ? "" : v;
    }
    StringBuilder out = new StringBuilder(64);
    for (int i = 0; i < variables.length; i++) {
      out.append(texts[i]);
      String v = request.variable(variables[i]);
      if (v != null) {
        out.append(v);
      }
    }
    out.append(texts[variables.length]);
    return out.toString();
  }

  /** The value as written. */
  @Override
  public String toString() {
    return source;
  }
}
