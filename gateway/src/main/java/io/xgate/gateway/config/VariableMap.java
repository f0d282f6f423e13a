package io.xgate.gateway.config;

import io.xgate.spi.ComplexValue;
import io.xgate.spi.RequestView;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One {@code map SOURCE $variable { ... }} block, as nginx's map module evaluates it: the source value is looked
 * up among the exact strings first, compared case-insensitively ({@code ''} matches an empty or unset source), then
 * the regular expressions ({@code ~} case-sensitive, {@code ~*} not) in the order written, and otherwise
 * {@code default} (an empty value when there is none). Values may hold variables. Immutable and thread-safe.
 */
public final class VariableMap {

  /** A regular expression key and its value. */
  record RegexEntry(Pattern pattern, ComplexValue value) {
  }

  private final String variable;
  private final ComplexValue source;
  private final Map<String, ComplexValue> exact;
  private final List<RegexEntry> regexes;
  private final ComplexValue defaultValue;

  VariableMap(String variable, ComplexValue source, Map<String, ComplexValue> exact, List<RegexEntry> regexes,
      ComplexValue defaultValue) {
    this.variable = variable;
    this.source = source;
    this.exact = Map.copyOf(exact);
    this.regexes = List.copyOf(regexes);
    this.defaultValue = defaultValue;
  }

  /** The variable's name, without {@code $}. */
  public String variable() {
    return variable;
  }

  /** The variable's value for {@code request}. */
  public String evaluate(RequestView request) {
    String key = source.evaluate(request);
    ComplexValue v = exact.get(key.toLowerCase(Locale.ROOT));
    if (v == null && !key.isEmpty()) {
      for (RegexEntry r : regexes) {
        if (r.pattern().matcher(key).find()) {
          v = r.value();
          break;
        }
      }
    }
    if (v == null) {
      v = defaultValue;
    }
    return v == null ? "" : v.evaluate(request);
  }
}
