package io.xgate.gateway.config;

import io.netty.util.AsciiString;
import java.util.Arrays;
import java.util.Collection;

/**
 * A few ASCII header names, matched in any case. They are kept by length, so that a name of no listed length (most
 * names a message carries) is rejected by one array read: such checks run for every header of every request and
 * response.
 */
public final class HeaderNameSet {

  private final String[][] byLength;

  public HeaderNameSet(String... names) {
    int longest = 0;
    for (String n : names) {
      longest = Math.max(longest, n.length());
    }
    byLength = new String[longest + 1][];
    for (String n : names) {
      String[] bucket = byLength[n.length()];
      bucket = bucket == null ? new String[1] : Arrays.copyOf(bucket, bucket.length + 1);
      bucket[bucket.length - 1] = n;
      byLength[n.length()] = bucket;
    }
  }

  public HeaderNameSet(Collection<String> names) {
    this(names.toArray(new String[0]));
  }

  /** Whether {@code name} is one of the set, in any case. */
  public boolean contains(CharSequence name) {
    int length = name.length();
    String[] bucket = length < byLength.length ? byLength[length] : null;
    if (bucket != null) {
      for (String n : bucket) {
        if (AsciiString.regionMatches(n, true, 0, name, 0, length)) {
          return true;
        }
      }
    }
    return false;
  }
}
