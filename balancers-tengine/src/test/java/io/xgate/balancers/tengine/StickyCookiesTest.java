package io.xgate.balancers.tengine;

import static org.assertj.core.api.Assertions.assertThat;

import io.xgate.spi.ConfigOrError;
import io.xgate.spi.Directive;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cookie text of session_sticky, pinned to what Tengine 3.2.0 wrote and read in the recordings. */
class StickyCookiesTest {

  static final String S1 = "2fd22bc08b7a9c74057fcd7d74d88a63";   // md5("127.0.0.1:19301")
  static final String S2 = "97c4d03732a39d66baf3d64605550b01";   // md5("127.0.0.1:19302")
  static final String S3 = "a1c05154ac4a11060936ff231429f68d";   // md5("127.0.0.1:19303")
  /** {@code recorded_at_epoch} of samples_time_dependent.json. */
  static final long RECORDED = 1795313613L;

  static StickyConfig config(String... args) {
    ConfigOrError<StickyConfig> c = StickyConfig.parse(new Directive("session_sticky", Arrays.asList(args), "t", 1));
    assertThat(c.isError()).as(String.valueOf(c.error())).isFalse();
    return c.config();
  }

  private static StickyCookies.Lookup lookup(StickyConfig c, String... lines) {
    return StickyCookies.lookup(List.of(lines), c, RECORDED);
  }

  @Test
  void serverIdsAreTheLowercaseHexMd5OfIpPort() {
    assertThat(StickyCookies.md5Hex("127.0.0.1:19301")).isEqualTo(S1);
    assertThat(StickyCookies.md5Hex("127.0.0.1:19302")).isEqualTo(S2);
    assertThat(StickyCookies.md5Hex("127.0.0.1:19303")).isEqualTo(S3);
  }

  @Test
  void insertModeSetsNameIdAndPathByDefault() {
    assertThat(StickyCookies.insert(config(), S1, "", "", RECORDED)).isEqualTo("route=" + S1 + "; Path=/");
  }

  @Test
  void domainComesBeforePath() {
    StickyConfig c = config("cookie=srv", "domain=example.test", "path=/app", "hash=plain");
    assertThat(StickyCookies.insert(c, "app-2", "", "", RECORDED))
        .isEqualTo("srv=app-2; Domain=example.test; Path=/app");
  }

  @Test
  void maxageAddsMaxAgeAndExpiresWithATwoDigitYear() {
    assertThat(StickyCookies.insert(config("maxage=3600"), S2, "", "", RECORDED))
        .isEqualTo("route=" + S2 + "; Path=/; Max-Age=3600; Expires=Sun, 22-Nov-26 03:13:33 GMT");
  }

  @Test
  void cookieTimeKeepsFourDigitsAfter2037AsNginx() {
    assertThat(StickyCookies.cookieTime(0)).isEqualTo("Thu, 01-Jan-70 00:00:00 GMT");
    assertThat(StickyCookies.cookieTime(2145916800L)).isEqualTo("Fri, 01-Jan-2038 00:00:00 GMT");
    assertThat(StickyCookies.cookieTime(2145916799L)).isEqualTo("Thu, 31-Dec-37 23:59:59 GMT");
  }

  @Test
  void timedCookiesCarryLastseenAndFirstseenAndNoMaxAge() {
    StickyConfig c = config("maxidle=60", "maxlife=3600", "maxage=10");
    assertThat(StickyCookies.insert(c, S1, "1795313613", "1795313603", RECORDED))
        .isEqualTo("route=" + S1 + "|1795313613|1795313603; Path=/");
  }

  @Test
  void lookupFindsTheNameAsASubstringFollowedByEqualsOrSpace() {
    StickyConfig c = config();
    assertThat(lookup(c, "route=" + S2).sid()).isEqualTo(S2);
    assertThat(lookup(c, "a=1; route=" + S2 + "; b=2").sid()).isEqualTo(S2);
    assertThat(lookup(c, "xroute=" + S2).sid()).isEqualTo(S2);
    assertThat(lookup(c, "route = " + S2).sid()).isEqualTo(S2);
    assertThat(lookup(c, "route=" + S2 + ";").sid()).isEqualTo(S2);
    assertThat(lookup(c, "route=" + S1 + "; route=" + S2).sid()).isEqualTo(S1);
    assertThat(lookup(c, "route=97C4D03732A39D66BAF3D64605550B01").sid()).isEqualTo("97C4D03732A39D66BAF3D64605550B01");
    assertThat(lookup(c, "route=x").placed()).isFalse();
  }

  @Test
  void lookupMissesWithoutAValueOrWithAnotherCase() {
    StickyConfig c = config();
    assertThat(lookup(c, "ROUTE=" + S2).placed()).isTrue();
    assertThat(lookup(c, "route=").placed()).isTrue();
    assertThat(lookup(c, "route").placed()).isTrue();
    assertThat(lookup(c, "other=1").placed()).isTrue();
    // only the first occurrence in a line counts: "routex" hides the later "route="
    assertThat(lookup(c, "routex=1; route=" + S2).placed()).isTrue();
    assertThat(lookup(c).placed()).isTrue();
  }

  @Test
  void theFirstCookieLineHoldingTheNameCounts() {
    StickyConfig c = config();
    StickyCookies.Lookup l = lookup(c, "a=1", "route=" + S3, "route=" + S1);
    assertThat(l.sid()).isEqualTo(S3);
    assertThat(l.line()).isEqualTo(-1);   // insert mode cuts nothing
  }

  @Test
  void emptyValueBeforeSemicolonIsAnEmptyId() {
    StickyCookies.Lookup l = lookup(config(), "route=;");
    assertThat(l.placed()).isFalse();
    assertThat(l.sid()).isEmpty();
  }

  @Test
  void indirectCutsNameValueAndSemicolonFromItsLine() {
    StickyConfig c = config("cookie=uid", "option=indirect");
    assertThat(lookup(c, "uid=" + S1 + "; other=1").cut()).isEqualTo(" other=1");
    assertThat(lookup(c, "other=1; uid=" + S1).cut()).isEqualTo("other=1; ");
    assertThat(lookup(c, "a=1; uid=" + S2 + "; b=2").cut()).isEqualTo("a=1;  b=2");
    assertThat(lookup(c, "uid=" + S2).cut()).isEmpty();
    StickyCookies.Lookup unknown = lookup(c, "uid=zzz; k=v");
    assertThat(unknown.sid()).isEqualTo("zzz");
    assertThat(unknown.cut()).isEqualTo(" k=v");
    assertThat(lookup(c, "x=1", "uid=" + S2).line()).isEqualTo(1);
  }

  @Test
  void prefixModeRoutesOnTheIdBeforeTildeAndCutsIt() {
    StickyConfig c = config("cookie=JSESSIONID", "mode=prefix");
    StickyCookies.Lookup l = lookup(c, "k=v; JSESSIONID=" + S1 + "~abc123; z=1");
    assertThat(l.sid()).isEqualTo(S1);
    assertThat(l.cut()).isEqualTo("k=v; JSESSIONID=abc123; z=1");
    StickyCookies.Lookup unknown = lookup(c, "JSESSIONID=nosuchserver~abc");
    assertThat(unknown.placed()).isFalse();
    assertThat(unknown.sid()).isEqualTo("nosuchserver");
    assertThat(unknown.cut()).isEqualTo("JSESSIONID=abc");
    StickyCookies.Lookup plain = lookup(c, "JSESSIONID=" + S1);
    assertThat(plain.placed()).isTrue();
    assertThat(plain.line()).isEqualTo(-1);
  }

  @Test
  void timedCookiesWithinTheirLimitsKeepFirstseenAndRefreshLastseen() {
    StickyConfig c = config("maxidle=60", "maxlife=3600");
    StickyCookies.Lookup l = lookup(c, "route=" + S1 + "|1795313613|1795313603");
    assertThat(l.placed()).isFalse();
    assertThat(l.sid()).isEqualTo(S1);
    assertThat(l.lastseen()).isEqualTo("1795313613");
    assertThat(l.firstseen()).isEqualTo("1795313603");
  }

  @Test
  void timedCookiesOutsideTheirLimitsOrMalformedAreAbsent() {
    StickyConfig c = config("maxidle=60", "maxlife=3600");
    for (String value : List.of(S1 + "|1795313513|1795313603", S2 + "|1795313608|1795309613", S1, S1 + "|x|y",
        S1 + "|1795313613|", S1 + "|1795313613", S1 + "|1795500000|1795313603")) {
      StickyCookies.Lookup l = lookup(c, "route=" + value);
      assertThat(l.placed()).as(value).isTrue();
      assertThat(l.sid()).as(value).isEmpty();
      assertThat(l.lastseen()).as(value).isEqualTo("1795313613");
      assertThat(l.firstseen()).as(value).isEqualTo("1795313613");
    }
  }

  @Test
  void maxidleAloneLeavesTheLifeUnlimited() {
    StickyConfig c = config("maxidle=60");
    assertThat(lookup(c, "route=" + S1 + "|1795313600|1000000000").placed()).isFalse();
  }

  @Test
  void rewriteReplacesTheBackendsValueWithTheIdInTheConfiguredSpelling() {
    StickyConfig c = config("cookie=route", "mode=rewrite");
    assertThat(StickyCookies.rewrite("route=fromA; Path=/app", c, S1)).isEqualTo("route=" + S1 + "; Path=/app");
    assertThat(StickyCookies.rewrite("Route=fromB", c, S2)).isEqualTo("route=" + S2);
    assertThat(StickyCookies.rewrite("route=  v ; x", c, S2)).isEqualTo("route=" + S2 + "; x");
    assertThat(StickyCookies.rewrite("route; Path=/", c, S2)).isEqualTo("route=" + S2 + "; Path=/");
    assertThat(StickyCookies.rewrite("route=", c, S2)).isNull();
    assertThat(StickyCookies.rewrite("other=1", c, S2)).isNull();
  }

  @Test
  void prefixPutsIdAndTildeInFrontOfTheBackendsValue() {
    StickyConfig c = config("cookie=JSESSIONID", "mode=prefix");
    assertThat(StickyCookies.prefix("JSESSIONID=abc123; Path=/", c, S1))
        .isEqualTo("JSESSIONID=" + S1 + "~abc123; Path=/");
    assertThat(StickyCookies.prefix("jsessionid=xyz; HttpOnly", c, S2))
        .isEqualTo("jsessionid=" + S2 + "~xyz; HttpOnly");
    assertThat(StickyCookies.prefix("JSESSIONID=; Path=/", c, S2)).isEqualTo("JSESSIONID=" + S2 + "~; Path=/");
    assertThat(StickyCookies.prefix("JSESSIONID", c, S2)).isNull();
  }

  @Test
  void configErrorsAreTengines() {
    for (String[] bad : new String[][] {{"cookie="}, {"domain="}, {"path="}, {"maxage=1h"}, {"maxidle=x"},
        {"maxlife="}, {"mode=sticky"}, {"option=x"}, {"fallback=maybe"}, {"hash=sha1"}, {"nonsense"}}) {
      ConfigOrError<StickyConfig> c = StickyConfig.parse(new Directive("session_sticky", List.of(bad), "x.conf", 7));
      assertThat(c.isError()).as(bad[0]).isTrue();
      assertThat(c.error().getMessage()).as(bad[0]).startsWith("invalid ").endsWith(" in x.conf:7");
    }
  }

  @Test
  void laterArgumentsChangeTheFlagsAsTengines() {
    assertThat(config("mode=rewrite", "option=indirect").has(StickyConfig.INDIRECT)).isTrue();
    assertThat(config("option=indirect", "mode=rewrite").has(StickyConfig.INDIRECT)).isFalse();
    assertThat(config("mode=prefix").has(StickyConfig.INSERT)).isFalse();
    assertThat(config("hash=plain").has(StickyConfig.MD5)).isFalse();
    assertThat(config("maxlife=10").maxidle()).isEqualTo(Integer.MAX_VALUE);
  }
}
