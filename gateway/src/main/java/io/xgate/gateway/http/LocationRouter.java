package io.xgate.gateway.http;

import io.xgate.gateway.config.LocationConfig;
import io.xgate.gateway.config.LocationConfig.Match;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * nginx's location search for one server: an exact ({@code =}) match wins at once; otherwise the longest matching
 * prefix is remembered, and unless it is a {@code ^~} prefix the regular expressions are tried in config order,
 * the first match winning; when none matches, the longest prefix serves. Immutable and thread-safe.
 */
public final class LocationRouter {

  private final Map<String, LocationConfig> exact = new HashMap<>();
  private final List<LocationConfig> prefixes = new ArrayList<>();
  private final List<LocationConfig> regexes = new ArrayList<>();

  public LocationRouter(List<LocationConfig> locations) {
    for (LocationConfig loc : locations) {
      switch (loc.match()) {
        case EXACT -> exact.put(loc.pattern(), loc);
        case PREFIX, PREFIX_NO_REGEX -> prefixes.add(loc);
        default -> regexes.add(loc);
      }
    }
    // longest first, so the first match is the longest
    prefixes.sort((a, b) -> Integer.compare(b.pattern().length(), a.pattern().length()));
  }

  /** The location for the normalized URI {@code uri}, or {@code null} when none matches. */
  public LocationConfig match(String uri) {
    LocationConfig e = exact.get(uri);
    if (e != null) {
      return e;
    }
    LocationConfig longest = null;
    for (LocationConfig p : prefixes) {
      if (uri.startsWith(p.pattern())) {
        longest = p;
        break;
      }
    }
    if (longest != null && longest.match() == Match.PREFIX_NO_REGEX) {
      return longest;
    }
    for (LocationConfig r : regexes) {
      if (r.regex().matcher(uri).find()) {
        return r;
      }
    }
    return longest;
  }
}
