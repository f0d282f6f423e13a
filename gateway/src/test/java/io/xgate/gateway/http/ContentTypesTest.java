package io.xgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The type of a text response, as nginx 1.22.1 answered {@code return 200 "x"} for these paths. */
class ContentTypesTest {

  @Test
  void nginxsThreeBuiltInExtensionsInAnyCase() {
    assertThat(ContentTypes.forPath("/a.html", null, "text/plain")).isEqualTo("text/html");
    assertThat(ContentTypes.forPath("/a.HTML", null, "text/plain")).isEqualTo("text/html");
    assertThat(ContentTypes.forPath("/j/x.gif", null, "application/json")).isEqualTo("image/gif");
    assertThat(ContentTypes.forPath("/a.jpg", null, "text/plain")).isEqualTo("image/jpeg");
  }

  @Test
  void anyOtherPathGetsTheDefaultType() {
    assertThat(ContentTypes.forPath("/a", null, "text/plain")).isEqualTo("text/plain");
    assertThat(ContentTypes.forPath("/j/x", null, "application/json")).isEqualTo("application/json");
    assertThat(ContentTypes.forPath("/d.html/x", null, "text/plain")).as("an extension of a folder")
        .isEqualTo("text/plain");
    assertThat(ContentTypes.forPath("/a.jpeg", null, "text/plain")).as("not built in").isEqualTo("text/plain");
    assertThat(ContentTypes.forPath("/a.", null, "text/plain")).isEqualTo("text/plain");
    assertThat(ContentTypes.forPath("/", null, "text/plain")).isEqualTo("text/plain");
  }

  @Test
  void aTypesBlockReplacesTheBuiltInOnesAndItsExtensionsMatchWithoutCase() {
    Map<String, String> types = Map.of("css", "text/css", "own", "text/x-own");   // keys as the loader keeps them
    assertThat(ContentTypes.forPath("/a.css", types, "application/octet-stream")).isEqualTo("text/css");
    assertThat(ContentTypes.forPath("/a.OWN", types, "application/octet-stream")).isEqualTo("text/x-own");
    assertThat(ContentTypes.forPath("/a.html", types, "application/octet-stream"))
        .as("not built in once a types block is there").isEqualTo("application/octet-stream");
    assertThat(ContentTypes.forPath("/a.html", Map.of(), "text/plain")).as("an empty block").isEqualTo("text/plain");
    assertThat(ContentTypes.forPath("/x.css/y", types, "application/octet-stream"))
        .isEqualTo("application/octet-stream");
  }
}
