package io.xgate.gateway.origin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How an origin's bytes become a response ({@link OriginResponseDecoder}): the head, the body by its length, chunked
 * or up to the close, whatever way the socket reads cut them; and the responses nginx refuses as an invalid header.
 */
class OriginResponseDecoderTest {

  /** {@code proxy_buffer_size}'s default: one memory page. */
  private static final int HEAD_LIMIT = 4096;

  /** What the decoder told its listener, in order. */
  private static final class Recorded implements OriginResponseDecoder.Listener {
    OriginResponseDecoder.Head head;
    boolean complete;
    final StringBuilder body = new StringBuilder();
    int ends;
    String invalid;
    final List<String> order = new ArrayList<>();

    @Override
    public void head(OriginResponseDecoder.Head head, boolean complete) {
      this.head = head;
      this.complete = complete;
      order.add("head");
    }

    @Override
    public void body(ByteBuf piece) {
      body.append(piece.toString(StandardCharsets.ISO_8859_1));
      piece.release();
      order.add("body");
    }

    @Override
    public void end() {
      ends++;
      order.add("end");
    }

    @Override
    public void invalid(String reason) {
      invalid = reason;
      order.add("invalid");
    }
  }

  private static Recorded decode(String response, int cut) {
    return decode(response, cut, false);
  }

  /** Feeds {@code response} in reads of {@code cut} bytes. */
  private static Recorded decode(String response, int cut, boolean headRequest) {
    OriginResponseDecoder decoder = new OriginResponseDecoder(16);
    decoder.expect(headRequest, HEAD_LIMIT);
    Recorded r = new Recorded();
    byte[] bytes = response.getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < bytes.length; i += cut) {
      ByteBuf read = Unpooled.directBuffer().writeBytes(bytes, i, Math.min(cut, bytes.length - i));
      assertThat(decoder.decode(read, r)).isTrue();
      assertThat(read.refCnt()).isZero();
    }
    return r;
  }

  @Test
  void aBodyOfDeclaredLengthEndsWithItsLastByteHoweverTheReadsCutIt() {
    String body = "0123456789abcdefghijklmnopqrstuvwxyz";
    String response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 36\r\nX-A:  spaced  \r\n\r\n"
        + body;
    for (int cut = 1; cut <= response.length(); cut++) {
      Recorded r = decode(response, cut);
      assertThat(r.head.status()).isEqualTo(200);
      assertThat(r.head.reason()).isEqualTo("OK");
      assertThat(r.head.keepAlive()).isTrue();
      assertThat(r.head.headers().get("content-type")).isEqualTo("text/plain");
      assertThat(r.head.headers().get("X-A")).isEqualTo("spaced");
      assertThat(r.complete).isFalse();
      assertThat(r.body).hasToString(body);
      assertThat(r.ends).isEqualTo(1);
      assertThat(r.invalid).isNull();
    }
  }

  @Test
  void theHeadCarriesItsBodyLengthAndWhetherTheOriginTurnedBufferingOff() {
    Recorded lengthAndNo = decode("HTTP/1.1 200 OK\r\nX-Accel-Buffering: yes\r\nContent-Length: 5\r\n"
        + "x-accel-buffering: NO\r\n\r\nhello", 1000);
    assertThat(lengthAndNo.head.contentLength()).isEqualTo(5);
    assertThat(lengthAndNo.head.accelBufferingOff()).as("the last value counts, as in nginx").isTrue();
    Recorded chunkedAndYes = decode("HTTP/1.1 200 OK\r\nX-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n"
        + "X-Accel-Buffering: yes\r\n\r\n0\r\n\r\n", 1000);
    assertThat(chunkedAndYes.head.contentLength()).isEqualTo(-1);
    assertThat(chunkedAndYes.head.accelBufferingOff()).isFalse();
  }

  @Test
  void aChunkedBodyLosesItsFramingAndItsTrailersHoweverTheReadsCutIt() {
    String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5\r\nhello\r\n19;ext=1\r\n, chunked world, in three\r\n3 \r\n!!!\r\n0\r\nX-Trailer: dropped\r\n\r\n";
    for (int cut = 1; cut <= response.length(); cut++) {
      Recorded r = decode(response, cut);
      assertThat(r.body).hasToString("hello, chunked world, in three!!!");
      assertThat(r.ends).isEqualTo(1);
      assertThat(r.invalid).isNull();
      assertThat(r.head.headers().get("Transfer-Encoding")).isEqualTo("chunked");
    }
  }

  /** Feeds {@code response} to {@code decoder} in one read, as the answer to the next request. */
  private static Recorded next(OriginResponseDecoder decoder, String response, boolean headRequest) {
    decoder.expect(headRequest, HEAD_LIMIT);
    Recorded r = new Recorded();
    ByteBuf read = Unpooled.directBuffer().writeBytes(response.getBytes(StandardCharsets.ISO_8859_1));
    assertThat(decoder.decode(read, r)).isTrue();
    return r;
  }

  @Test
  void aRepeatedHeadIsTheSameHeadAndFramesEachBodyAgain() {
    OriginResponseDecoder decoder = new OriginResponseDecoder(16);
    String head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n";
    Recorded first = next(decoder, head + "hello", false);
    Recorded again = next(decoder, head + "world", false);
    assertThat(again.head).isSameAs(first.head);
    assertThat(again.body).hasToString("world");
    assertThat(again.order).containsExactly("head", "body", "end");

    Recorded toHead = next(decoder, head, true);   // the same bytes answering a HEAD: no body follows
    assertThat(toHead.complete).isTrue();
    assertThat(toHead.order).containsExactly("head");
    assertThat(next(decoder, head + "again", false).body).hasToString("again");

    String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (String piece : List.of("one", "two")) {
      Recorded r = next(decoder, chunked + "3\r\n" + piece + "\r\n0\r\n\r\n", false);
      assertThat(r.body).hasToString(piece);
      assertThat(r.ends).isEqualTo(1);
    }

    Recorded other = next(decoder, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\n<b/>!",
        false);
    assertThat(other.head.headers().get("Content-Type")).isEqualTo("text/html");
    assertThat(other.body).hasToString("<b/>!");
  }

  @Test
  void informationalResponsesAreSkippedAndTheFinalOneRead() {
    Recorded r = decode("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        + "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 7);
    assertThat(r.head.status()).isEqualTo(201);
    assertThat(r.head.headers().contains("Link")).isFalse();
    assertThat(r.body).hasToString("ok");
    assertThat(r.order).containsExactly("head", "body", "end");
  }

  @Test
  void headsWithoutABodyAreCompleteResponses() {
    assertThat(decode("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 100, true).complete).isTrue();
    assertThat(decode("HTTP/1.1 204 No Content\r\n\r\n", 100).complete).isTrue();
    assertThat(decode("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 100).complete).isTrue();
    assertThat(decode("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 100).complete).isTrue();
    Recorded noReason = decode("HTTP/1.1 204\r\n\r\n", 100);
    assertThat(noReason.complete).isTrue();
    assertThat(noReason.head.reason()).isEmpty();
    assertThat(noReason.ends).isZero();   // a complete head is the whole response: no separate end
  }

  @Test
  void aBodyWithoutLengthRunsUpToTheCloseAndItsConnectionIsNotKept() {
    OriginResponseDecoder decoder = new OriginResponseDecoder(1024);
    decoder.expect(false, HEAD_LIMIT);
    Recorded r = new Recorded();
    decoder.decode(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\n\r\nsome", StandardCharsets.ISO_8859_1), r);
    decoder.decode(Unpooled.copiedBuffer(" bytes", StandardCharsets.ISO_8859_1), r);
    assertThat(r.ends).isZero();
    assertThat(r.head.keepAlive()).isFalse();
    assertThat(decoder.closed(r)).isTrue();
    assertThat(r.body).hasToString("some bytes");
    assertThat(r.ends).isEqualTo(1);
  }

  @Test
  void aClosedConnectionCutsADeclaredLengthShort() {
    OriginResponseDecoder decoder = new OriginResponseDecoder(1024);
    decoder.expect(false, HEAD_LIMIT);
    Recorded r = new Recorded();
    decoder.decode(
        Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhalf", StandardCharsets.ISO_8859_1), r);
    assertThat(decoder.closed(r)).isFalse();
    assertThat(r.ends).isZero();
  }

  @Test
  void onlyAnHttp11ResponseWithoutConnectionCloseKeepsItsConnection() {
    assertThat(decode("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 100).head.keepAlive()).isTrue();
    assertThat(decode("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n", 100)
        .head.keepAlive()).isFalse();
    // nginx keeps no HTTP/1.0 origin connection, whatever it says
    assertThat(decode("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", 100)
        .head.keepAlive()).isFalse();
    assertThat(decode("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", 100).head.keepAlive()).isFalse();
  }

  @Test
  void bytesAfterTheEndOfAResponseAreNotTrusted() {
    OriginResponseDecoder decoder = new OriginResponseDecoder(1024);
    decoder.expect(false, HEAD_LIMIT);
    Recorded r = new Recorded();
    boolean clean = decoder.decode(
        Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", StandardCharsets.ISO_8859_1), r);
    assertThat(r.body).hasToString("ok");
    assertThat(r.ends).isEqualTo(1);
    assertThat(clean).isFalse();
  }

  @Test
  void whatNginxRefusesAsAnInvalidHeader() {
    String[] invalid = {
      "HTTP/1.1 2OO OK\r\n\r\n",
      "ICY 200 OK\r\n\r\n",
      "HTTP/1.1 200OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A :1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A\t: 1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded: line\r\n\r\n",
      "HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n",
      "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: a\u0001b\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: a\r\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX-A: a\u007fb\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX@A: 1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nok",   // nginx 1.22 took the last
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: x\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello!!\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
      "HTTP/1.1 200 OK\r\nX-Big: " + "x".repeat(HEAD_LIMIT) + "\r\n\r\n",
    };
    for (String response : invalid) {
      for (int cut : new int[] {1, 5, response.length()}) {
        Recorded r = decode(response, cut);
        assertThat(r.invalid).as(response + " in reads of " + cut).isNotNull();
        assertThat(r.ends).isZero();
      }
    }
  }

  /** Each as nginx 1.22.1 answered its client for the same origin response (a header line as it passed it). */
  @Test
  void whatNginx122TakesOfAnOddHead() {
    for (int cut : new int[] {1, 7, 1000}) {
      Recorded noColon = decode("HTTP/1.1 200 OK\r\nX-A\r\nContent-Length: 2\r\n\r\nok", cut);
      assertThat(noColon.head.headers().get("X-A")).as("a line without a colon: an empty value").isEmpty();
      assertThat(noColon.body.toString()).isEqualTo("ok");

      for (String notANumber : new String[] {"x", "-1", "2, 2", ""}) {
        Recorded r = decode("HTTP/1.1 200 OK\r\nContent-Length: " + notANumber + "\r\n\r\nok", cut);
        assertThat(r.invalid).as(notANumber).isNull();
        assertThat(r.head.contentLength()).as("no length: the body ends with the connection").isEqualTo(-1);
        assertThat(r.head.keepAlive()).isFalse();
        assertThat(r.head.headers().contains("Content-Length")).as("the client gets none").isFalse();
        assertThat(r.body.toString()).isEqualTo("ok");
      }

      Recorded twice = decode("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", cut);
      assertThat(twice.head.headers().getAll("Content-Length")).as("one for the client").containsExactly("2");
      assertThat(twice.body.toString()).isEqualTo("ok");
      assertThat(twice.ends).isOne();

      for (String both : new String[] {"Content-Length: 9\r\nTransfer-Encoding: chunked",
          "Transfer-Encoding: chunked\r\nContent-Length: 9", "Transfer-Encoding: gzip, chunked",
          "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"}) {
        Recorded r = decode("HTTP/1.1 200 OK\r\n" + both + "\r\n\r\n2\r\nok\r\n0\r\n\r\n", cut);
        assertThat(r.invalid).as(both).isNull();
        assertThat(r.body.toString()).as(both).isEqualTo("ok");
        assertThat(r.ends).isOne();
        assertThat(r.head.headers().contains("Content-Length")).isFalse();
      }
      Recorded lengthAndChunks = decode("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "2\r\nok\r\n0\r\n\r\n", cut);
      assertThat(lengthAndChunks.head.keepAlive()).as("a response that says both: its connection is not kept")
          .isFalse();

      Recorded identity = decode("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\nok", cut);
      assertThat(identity.head.contentLength()).as("a coding other than chunked is ignored").isEqualTo(2);
      assertThat(identity.ends).isOne();
    }
  }

  @Test
  void aHeadFillingProxyBufferSizeIsReadAndOneByteMoreIsTooBig() {
    String start = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Fill: ";
    String fits = start + "x".repeat(HEAD_LIMIT - start.length() - 4) + "\r\n\r\n";
    assertThat(fits).hasSize(HEAD_LIMIT);
    for (int cut : new int[] {1, 1000, HEAD_LIMIT + 2}) {
      Recorded read = decode(fits + "ok", cut);
      assertThat(read.invalid).isNull();
      assertThat(read.body.toString()).isEqualTo("ok");
      Recorded tooBig = decode(start + "y" + fits.substring(start.length()) + "ok", cut);
      assertThat(tooBig.invalid).isEqualTo("upstream sent too big header");
      assertThat(tooBig.head).isNull();
    }
  }

  @Test
  void lineEndsOfLfAloneAndBlanksAroundAValueAreRead() {
    String response = "HTTP/1.1 200 OK\nX-A:  spaced \t\nX-Tab:\ta\tb\r\nX-Empty:\r\nContent-Length: 2\n\nok";
    for (int cut : new int[] {1, 7, response.length()}) {
      Recorded r = decode(response, cut);
      assertThat(r.invalid).as("in reads of " + cut).isNull();
      assertThat(r.head.headers().get("X-A")).isEqualTo("spaced");
      assertThat(r.head.headers().get("X-Tab")).isEqualTo("a\tb");
      assertThat(r.head.headers().get("X-Empty")).isEmpty();
      assertThat(r.body.toString()).isEqualTo("ok");
    }
  }

  @Test
  void obsoleteTextInAHeaderValueIsKeptAsLatin1() {
    Recorded r = decode("HTTP/1.1 200 OK\r\nX-Name: caf\u00e9\r\nContent-Length: 0\r\n\r\n", 100);
    assertThat(r.head.headers().get("X-Name")).isEqualTo("caf\u00e9");
  }
}
