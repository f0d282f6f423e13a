package io.xgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The type of a text response, as nginx 1.22.1 answered {@code return 200 "x"} for these paths. */
class ContentTypesTest {

  @Test
  void nginxsThreeBuiltInExtensionsInAnyCase() {
    assertThat(ContentTypes.forPath("/a.html", "text/plain")).isEqualTo("text/html");
    assertThat(ContentTypes.forPath("/a.HTML", "text/plain")).isEqualTo("text/html");
    assertThat(ContentTypes.forPath("/j/x.gif", "application/json")).isEqualTo("image/gif");
    assertThat(ContentTypes.forPath("/a.jpg", "text/plain")).isEqualTo("image/jpeg");
  }

  @Test
  void anyOtherPathGetsTheDefaultType() {
    assertThat(ContentTypes.forPath("/a", "text/plain")).isEqualTo("text/plain");
    assertThat(ContentTypes.forPath("/j/x", "application/json")).isEqualTo("application/json");
    assertThat(ContentTypes.forPath("/d.html/x", "text/plain")).as("an extension of a folder").isEqualTo("text/plain");
    assertThat(ContentTypes.forPath("/a.jpeg", "text/plain")).as("not built in").isEqualTo("text/plain");
    assertThat(ContentTypes.forPath("/a.", "text/plain")).isEqualTo("text/plain");
    assertThat(ContentTypes.forPath("/", "text/plain")).isEqualTo("text/plain");
  }
}
