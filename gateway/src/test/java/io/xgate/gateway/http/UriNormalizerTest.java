package io.xgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code $uri} as nginx makes it from the request path: decoded, slashes merged, dot segments resolved. */
class UriNormalizerTest {

  @Test
  void aPlainPathIsItselfNotACopy() {
    for (String path : new String[] {"/", "/small", "/64k.bin", "/a/b.c/d.", "/a/", "/a-b_c~d"}) {
      assertThat(UriNormalizer.normalize(path)).isSameAs(path);
    }
  }

  @Test
  void escapesAreDecoded() {
    assertThat(UriNormalizer.normalize("/a%20b")).isEqualTo("/a b");
    assertThat(UriNormalizer.normalize("/%2e%2e/x")).isNull();   // decoded first: a climb above the root
  }

  @Test
  void theResultIsTheBytesNginxsUriHoldsOneCharPerByte() {
    String utf8 = "/\u00e4\u00b8\u00ad";   // the three bytes of "中" in UTF-8
    assertThat(UriNormalizer.normalize("/%E4%B8%AD")).isEqualTo(utf8);
    assertThat(UriNormalizer.normalize(utf8 + "/./x")).as("sent raw").isEqualTo(utf8 + "/x");
    assertThat(UriNormalizer.normalize("/caf%E9")).as("not UTF-8: the byte itself").isEqualTo("/caf\u00e9");
  }

  @Test
  void slashesAreMergedAndDotSegmentsResolved() {
    assertThat(UriNormalizer.normalize("//a///b")).isEqualTo("/a/b");
    assertThat(UriNormalizer.normalize("/a/./b")).isEqualTo("/a/b");
    assertThat(UriNormalizer.normalize("/a/b/../c")).isEqualTo("/a/c");
    assertThat(UriNormalizer.normalize("/a/b/..")).isEqualTo("/a/");
    assertThat(UriNormalizer.normalize("/a/.")).isEqualTo("/a/");
    assertThat(UriNormalizer.normalize("/a/.hidden")).isEqualTo("/a/.hidden");
    assertThat(UriNormalizer.normalize("/a/..b")).isEqualTo("/a/..b");
  }

  @Test
  void pathsNginxRejectsWith400AreNull() {
    assertThat(UriNormalizer.normalize("")).isNull();
    assertThat(UriNormalizer.normalize("a/b")).isNull();
    assertThat(UriNormalizer.normalize("/..")).isNull();
    assertThat(UriNormalizer.normalize("/a/../../b")).isNull();
    assertThat(UriNormalizer.normalize("/a%2")).isNull();
    assertThat(UriNormalizer.normalize("/a%zz")).isNull();
    assertThat(UriNormalizer.normalize("/a%00b")).isNull();
  }
}
