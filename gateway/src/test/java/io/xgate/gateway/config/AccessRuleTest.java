package io.xgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code allow} / {@code deny} values as nginx 1.22.1 reads them, and the first matching rule deciding. */
class AccessRuleTest {

  private static final byte[] V4 = {127, 0, 0, 1};
  private static final byte[] V4_MAPPED = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
  private static final byte[] V6_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

  private static List<AccessRule> rules(String... lines) {
    return java.util.Arrays.stream(lines).map(l -> {
      String[] w = l.split(" ");
      return AccessRule.parse(w[0].equals("allow"), w[1]);
    }).toList();
  }

  @Test
  void valuesNginxRefusesAreRefused() {
    for (String bad : List.of("10.1", "host.example", "10.0.0.256", "10.0.0.0/33", "::1/129", "10.0.0.0/", "",
        "/8", "10.0.0.1/x", "1.2.3.4.5")) {
      assertThat(AccessRule.parse(false, bad)).as(bad).isNull();
    }
    for (String good : List.of("all", "unix:", "10.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "::1", "2001:db8::/32",
        "::ffff:1.2.3.4/120")) {
      assertThat(AccessRule.parse(false, good)).as(good).isNotNull();
    }
  }

  @Test
  void theFirstMatchingRuleDecidesAndNoMatchAllows() {
    assertThat(AccessRule.allows(rules("deny 127.0.0.1", "allow all"), V4)).isFalse();
    assertThat(AccessRule.allows(rules("allow 127.0.0.0/8", "deny all"), V4)).isTrue();
    assertThat(AccessRule.allows(rules("deny 10.0.0.0/8"), V4)).isTrue();
    assertThat(AccessRule.allows(rules("allow 10.0.0.0/8", "deny all"), V4)).isFalse();
    assertThat(AccessRule.allows(null, V4)).isTrue();
  }

  @Test
  void aNetworksHostBitsAreClearedAndPartialBytesCompare() {
    assertThat(AccessRule.allows(rules("deny 127.0.0.5/8"), V4)).isFalse();
    assertThat(AccessRule.allows(rules("deny 127.0.0.0/31"), V4)).isFalse();
    assertThat(AccessRule.allows(rules("deny 127.0.0.2/31"), V4)).isTrue();
    assertThat(AccessRule.allows(rules("deny 126.0.0.0/7"), V4)).isFalse();
    assertThat(AccessRule.allows(rules("deny 128.0.0.0/1"), V4)).isTrue();
  }

  @Test
  void anIpv4ClientOnAnIpv6SocketIsMatchedByIpv4RulesOnlyAndAnIpv6ClientByIpv6Ones() {
    assertThat(AccessRule.allows(rules("deny 127.0.0.1"), V4_MAPPED)).isFalse();
    assertThat(AccessRule.allows(rules("deny ::ffff:127.0.0.1"), V4_MAPPED)).isTrue();
    assertThat(AccessRule.allows(rules("deny ::1", "deny 0.0.0.0/0"), V6_LOOPBACK)).isFalse();
    assertThat(AccessRule.allows(rules("deny 0.0.0.0/0"), V6_LOOPBACK)).isTrue();
    assertThat(AccessRule.allows(rules("deny all"), V6_LOOPBACK)).isFalse();
    assertThat(AccessRule.allows(rules("deny unix:"), V4)).as("xgate has no unix-domain clients").isTrue();
  }
}
