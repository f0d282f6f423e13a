package io.xgate.gateway.log;

import io.xgate.gateway.config.LogFormat;
import io.xgate.spi.RequestView;

/**
 * Formats access log lines as nginx does: unset or empty variables as {@code -}, and with
 * {@code escape=default} every {@code "}, {@code \}, control or non-ASCII byte as {@code \xXX}.
 */
public final class AccessLog {

  private AccessLog() {
  }

  /** The line {@code format} gives for the request behind {@code vars}. */
  public static String format(LogFormat format, RequestView vars) {
    var template = format.template();
    StringBuilder sb = new StringBuilder(160);
    // evaluate variable by variable so each value can be escaped and '-' substituted
    String source = template.toString();
    int i = 0;
    int n = source.length();
    while (i < n) {
      char c = source.charAt(i);
      if (c != '$') {
        sb.append(c);
        i++;
        continue;
      }
      int start = ++i;
      String name;
      if (i < n && source.charAt(i) == '{') {
        int close = source.indexOf('}', i);
        name = source.substring(i + 1, close);
        i = close + 1;
      } else {
        while (i < n && (Character.isLetterOrDigit(source.charAt(i)) || source.charAt(i) == '_')) {
          i++;
        }
        name = source.substring(start, i);
      }
      String v = vars.variable(name);
      if (v == null || v.isEmpty()) {
        sb.append(format.escape().equals("json") ? "" : "-");
      } else {
        escape(sb, v, format.escape());
      }
    }
    return sb.toString();
  }

  private static void escape(StringBuilder sb, String v, String mode) {
    if (mode.equals("none")) {
      sb.append(v);
      return;
    }
    if (mode.equals("json")) {
      for (int i = 0; i < v.length(); i++) {
        char c = v.charAt(i);
        if (c == '"' || c == '\\') {
          sb.append('\\').append(c);
        } else if (c < 0x20) {
          sb.append(String.format("\\u%04x", (int) c));
        } else {
          sb.append(c);
        }
      }
      return;
    }
    for (int i = 0; i < v.length(); i++) {
      int b = v.charAt(i) & 0xff;   // values are byte strings: one char per byte
      if (b == '"' || b == '\\' || b < 0x20 || b >= 0x7f) {
        sb.append("\\x").append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      } else {
        sb.append((char) b);
      }
    }
  }
}
