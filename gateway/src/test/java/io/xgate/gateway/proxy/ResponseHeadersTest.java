package io.xgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which headers stop at the proxy, as nginx stops them, and under which names the others pass. */
class ResponseHeadersTest {

  @Test
  void theHeadersNginxStopsAreKnownInAnyCase() {
    assertThat(ResponseHeaders.isNotPassedToOrigin("Connection")).isTrue();
    assertThat(ResponseHeaders.isNotPassedToOrigin("KEEP-ALIVE")).isTrue();
    assertThat(ResponseHeaders.isNotPassedToOrigin("TE")).isTrue();
    assertThat(ResponseHeaders.isNotPassedToOrigin("upgrade")).isTrue();
    assertThat(ResponseHeaders.isNotPassedToOrigin("Expect")).isTrue();
    assertThat(ResponseHeaders.isNotPassedToOrigin("host")).isTrue();
    assertThat(ResponseHeaders.isNotPassedToOrigin("Proxy-Authorization")).as("nginx passes it").isFalse();
    assertThat(ResponseHeaders.isNotPassedToOrigin("Tea")).isFalse();
    assertThat(ResponseHeaders.isNotPassedToOrigin("Keep-Alivf")).as("a listed length, no listed name").isFalse();
    assertThat(ResponseHeaders.isNotPassedToOrigin("X-A-Name-Longer-Than-Every-Listed-One")).isFalse();
    assertThat(ResponseHeaders.isNotPassedToOrigin("")).isFalse();
    assertThat(ResponseHeaders.isFraming("Transfer-Encoding")).isTrue();
    assertThat(ResponseHeaders.isFraming("keep-alive")).isTrue();
    assertThat(ResponseHeaders.isFraming("Upgrade")).as("nginx passes it on a 200").isFalse();
    assertThat(ResponseHeaders.isFraming("Trailer")).isFalse();
  }

  @Test
  void theOriginsOwnServerAndAccelHeadersAreHidden() {
    assertThat(ResponseHeaders.isHiddenFromOrigin("Server")).isTrue();
    assertThat(ResponseHeaders.isHiddenFromOrigin("X-Accel-Buffering")).isTrue();
    assertThat(ResponseHeaders.isHiddenFromOrigin("X-Accel-Other")).isFalse();
    assertThat(ResponseHeaders.isHiddenFromOrigin("Date")).as("nginx writes its own").isTrue();
    assertThat(ResponseHeaders.isHiddenFromOrigin("Expires")).isFalse();
    assertThat(ResponseHeaders.isHiddenFromOrigin("x-accel-redirect")).isTrue();
    assertThat(ResponseHeaders.isHiddenFromOrigin("X-Accel-Charset")).isTrue();
    assertThat(ResponseHeaders.isHiddenFromOrigin("Content-Length")).isFalse();
  }

  @Test
  void typeAndLengthGoToTheClientNamedAsNginxNamesThemAndOtherNamesAsTheyCame() {
    assertThat(ResponseHeaders.clientName("content-type")).hasToString("Content-Type");
    assertThat(ResponseHeaders.clientName("CONTENT-LENGTH")).hasToString("Content-Length");
    assertThat(ResponseHeaders.clientName("x-Mixed-CASE")).hasToString("x-Mixed-CASE");
    assertThat(ResponseHeaders.clientName("content-typo")).hasToString("content-typo");
  }
}
