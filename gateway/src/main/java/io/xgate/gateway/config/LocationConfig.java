package io.xgate.gateway.config;

import io.xgate.spi.ComplexValue;
import io.xgate.spi.ContentHandler;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A {@code location} block: how it matches and what it does.
 */
public final class LocationConfig {

  /** nginx's location modifiers. */
  public enum Match { EXACT, PREFIX, PREFIX_NO_REGEX, REGEX, REGEX_CASELESS }

  final Match match;
  final String pattern;
  final Pattern regex;
  final String file;
  final int line;
  ProxyPass proxyPass;
  Integer returnStatus;
  ComplexValue returnText;
  ComplexValue upstreamByBgn;
  ContentHandler content;
  ProxySettings settings = new ProxySettings();
  /** {@code limit_except}: the methods it leaves to the location's own rules; null: none configured. */
  Set<String> limitExceptMethods;
  /** {@code limit_except}'s block: its own {@code allow} / {@code deny}, else the location's (after the build). */
  ProxySettings limitExceptSettings;

  LocationConfig(Match match, String pattern, String file, int line) {
    this.match = match;
    this.pattern = pattern;
    this.file = file;
    this.line = line;
    this.regex = match == Match.REGEX ? Pattern.compile(pattern)
        : match == Match.REGEX_CASELESS ? Pattern.compile(pattern, Pattern.CASE_INSENSITIVE) : null;
  }

  public Match match() {
    return match;
  }

  public String pattern() {
    return pattern;
  }

  /** The compiled pattern of a regex location, else {@code null}. */
  public Pattern regex() {
    return regex;
  }

  /** The {@code proxy_pass} target, or {@code null}. */
  public ProxyPass proxyPass() {
    return proxyPass;
  }

  /** The {@code return} status, or {@code null}. */
  public Integer returnStatus() {
    return returnStatus;
  }

  /** The {@code return} text or URL, or {@code null}. */
  public ComplexValue returnText() {
    return returnText;
  }

  /**
   * {@code upstream_by_bgn NAME}: the upstream (name, possibly with variables) whose peer choice this location
   * answers instead of proxying, or {@code null}. It takes the place of {@code proxy_pass} in the same location.
   */
  public ComplexValue upstreamByBgn() {
    return upstreamByBgn;
  }

  /** A plugin's content handler ({@code check_status}) that answers in place of a proxy, or {@code null}. */
  public ContentHandler content() {
    return content;
  }

  /** The merged settings (after the config is built). */
  public ProxySettings settings() {
    return settings;
  }

  /**
   * The {@code allow} / {@code deny} rules for a request of {@code method} (null: none), as nginx's
   * {@code limit_except} chooses them: a method the block does not name takes the block's rules (its own, or the
   * location's when it has none), a method it names (GET naming HEAD too) the location's.
   */
  public List<AccessRule> accessRulesFor(String method) {
    if (limitExceptMethods != null && !limitExceptMethods.contains(method)) {
      return limitExceptSettings.accessRules();
    }
    return settings.accessRules();
  }

  @Override
  public String toString() {
    return "location " + match + " " + pattern + " (" + file + ":" + line + ")";
  }
}
