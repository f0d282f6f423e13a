package io.xgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The edge decoder's one-pass reading of plain request heads gives exactly what Netty's decoder gives for the same
 * bytes (with the edge's own checks after both): the same requests, header names, values and order, the same
 * failures, the same bytes left for the body; however the bytes are split across reads.
 */
class PlainHeadDecodingTest {

  static Stream<String> requests() {
    return Stream.of(
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /small HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
        "GET /x?y=1&z=%20 HTTP/1.0\r\nHost: a\r\nUser-Agent: wrk\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n",
        "HEAD /h HTTP/1.1\r\nhost: a\r\nX-Empty:\r\nX-Spaces:  \t v  w \t \r\nCONNECTION: close\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nCookie: a=b; c=d\r\n\r\nGET /second HTTP/1.1\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nokGET /3 HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
        "GET / HTTP/1.1\r\nX-Fold: a\r\n b\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\nHost: a\n\n",
        "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
        "GET / HTTP/1.1\r\ncontent-length: 0\r\n\r\n",
        "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        "GET / HTTP/1.1\r\nSec-WebSocket-Key1: 1\r\nSec-WebSocket-Key2: 2\r\nUpgrade: WebSocket\r\n\r\n12345678",
        "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.2\r\nHost: a\r\n\r\n",
        "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
        "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nX: caf\u00e9\r\nHost: a\r\n\r\n",
        "GET /caf\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\u0000b\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\u0001b\r\n\r\n",
        "GET / HTTP/1.1\r\nX\u0001: a\r\n\r\n",
        "GET / HTTP/1.1\r\nX/Y: a\r\n\r\n",
        "GET / HTTP/1.1\r\nFoo.Bar: y\r\nX_Y: 1\r\nX-\u00dctf: 2\r\nX@Y: 3\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nX Y: a\r\n\r\n",
        "GET / HTTP/1.1\r\n: a\r\n\r\n",
        "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
        "GET / HTTP/1.1\r\nX-Long: " + "v".repeat(300) + "\r\n\r\n",
        "GET /" + "u".repeat(300) + " HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\n" + "X-Many: 1234567890\r\n".repeat(60) + "\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
        "get / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / http/1.1\r\nHost: a\r\n\r\n");
  }

  @ParameterizedTest
  @MethodSource("requests")
  void aHeadReadInOnePassDecodesAsNettysDecoderDecodesIt(String request) {
    byte[] bytes = request.getBytes(StandardCharsets.ISO_8859_1);
    for (int split = 1; split <= bytes.length; split++) {
      assertThat(decode(true, bytes, split)).as("split at %d", split).isEqualTo(decode(false, bytes, split));
    }
  }

  static Stream<Arguments> plainCounts() {
    return Stream.of(
        Arguments.of("GET /small HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", 1),
        Arguments.of("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.0\r\nHost: a\r\nUser-Agent: x\r\n\r\n", 2),
        Arguments.of("GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx"
            + "GET / HTTP/1.1\r\n\r\n", 2),
        // a refused request (HTTP/1.1 without a Host): nothing behind it is read
        Arguments.of("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 1),
        Arguments.of("HEAD / HTTP/1.1\r\nHost: a\r\nX-Fold: a\r\n b\r\n\r\n", 0));
  }

  @ParameterizedTest
  @MethodSource("plainCounts")
  void plainHeadsAreReadInOnePassAndTheRestByNetty(String request, int plain) {
    byte[] bytes = request.getBytes(StandardCharsets.ISO_8859_1);
    List<EdgeRequestDecoder> used = new ArrayList<>();
    decode(true, bytes, bytes.length, used);
    assertThat(used.get(0).plainHeadsRead).isEqualTo(plain);
  }

  private static List<String> decode(boolean plainHeads, byte[] bytes, int split) {
    return decode(plainHeads, bytes, split, new ArrayList<>());
  }

  /** What a connection's decoder makes of {@code bytes} read in two parts, the first {@code split} bytes long. */
  private static List<String> decode(boolean plainHeads, byte[] bytes, int split, List<EdgeRequestDecoder> used) {
    // small limits, so that the long cases above cross them: a 256-byte request line and header line, 1 KiB headers
    HttpServerOptions options = new HttpServerOptions().setMaxInitialLineLength(256).setMaxHeaderSize(1024);
    EdgeRequestDecoder decoder = new EdgeRequestDecoder(options, 256,
        new EdgeRequestDecoder.ClientRules(60_000, 60_000, 60_000, false, true), plainHeads);
    used.add(decoder);
    EmbeddedChannel channel = new EmbeddedChannel(decoder);
    List<String> seen = new ArrayList<>();
    try {
      channel.writeInbound(Unpooled.wrappedBuffer(bytes, 0, split));
      if (split < bytes.length) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes, split, bytes.length - split));
      }
      for (Object m; (m = channel.readInbound()) != null; ) {
        seen.add(describe(m));
        ReferenceCountUtil.release(m);
      }
    } finally {
      channel.finishAndReleaseAll();
    }
    return seen;
  }

  private static String describe(Object message) {
    StringBuilder s = new StringBuilder();
    if (message instanceof HttpRequest r) {
      s.append(r.method()).append(' ').append(r.uri()).append(' ').append(r.protocolVersion());
      for (Iterator<Map.Entry<CharSequence, CharSequence>> it = r.headers().iteratorCharSequence(); it.hasNext(); ) {
        Map.Entry<CharSequence, CharSequence> h = it.next();
        s.append(" | ").append(h.getKey()).append('=').append(h.getValue());
      }
      s.append(" | ").append(result(r.decoderResult()));
    }
    if (message instanceof HttpContent c) {
      ByteBuf content = c.content();
      s.append(message instanceof LastHttpContent ? " last[" : " content[")
          .append(content.toString(StandardCharsets.ISO_8859_1)).append("] ").append(result(c.decoderResult()));
    }
    return s.toString();
  }

  private static String result(DecoderResult result) {
    return result.isSuccess() ? "ok" : "failed: " + result.cause();
  }
}
