package io.xgate.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Which headers stop at the proxy (hop-by-hop ones, those a {@code Connection} header lists, those nginx hides), and
 * under which names the others pass.
 */
class ResponseHeadersTest {

  @Test
  void hopByHopHeadersAreKnownInAnyCase() {
    assertThat(ResponseHeaders.isHopByHop("Connection")).isTrue();
    assertThat(ResponseHeaders.isHopByHop("KEEP-ALIVE")).isTrue();
    assertThat(ResponseHeaders.isHopByHop("transfer-encoding")).isTrue();
    assertThat(ResponseHeaders.isHopByHop("TE")).isTrue();
    assertThat(ResponseHeaders.isHopByHop("Content-Type")).isFalse();
    assertThat(ResponseHeaders.isHopByHop("Tea")).isFalse();
    assertThat(ResponseHeaders.isHopByHop("Proxy-Authorization")).isTrue();
    assertThat(ResponseHeaders.isHopByHop("Keep-Alivf")).as("a listed length, no listed name").isFalse();
    assertThat(ResponseHeaders.isHopByHop("X-A-Name-Longer-Than-Every-Listed-One")).isFalse();
    assertThat(ResponseHeaders.isHopByHop("")).isFalse();
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

  @Test
  void aConnectionHeaderListsTokensSeparatedByCommasWithOptionalSpaces() {
    assertThat(ResponseHeaders.connectionLists("close", "Close")).isTrue();
    assertThat(ResponseHeaders.connectionLists("keep-alive, X-Trace", "x-trace")).isTrue();
    assertThat(ResponseHeaders.connectionLists(" X-A ,\tX-B\t", "x-b")).isTrue();
    assertThat(ResponseHeaders.connectionLists("X-A,,X-B", "X-A")).isTrue();
    assertThat(ResponseHeaders.connectionLists("X-Trace-Id", "X-Trace")).isFalse();
    assertThat(ResponseHeaders.connectionLists("X-Trace", "X-Trace-Id")).isFalse();
    assertThat(ResponseHeaders.connectionLists("", "X-Trace")).isFalse();
    assertThat(ResponseHeaders.connectionLists(",", "X-Trace")).isFalse();
  }
}
