package io.xgate.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What decoding a client's request head costs in the edge decoder: read in one pass ({@code plain}) or by Netty's
 * decoder ({@code netty}), for wrk's bare request and for a browser's page request (ten more headers, ~560 bytes).
 * Run with the {@code bench} profile (see BENCHMARKS.md); not part of the default build.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.allocator.type=pooled")
@State(Scope.Thread)
public class RequestHeadBenchmark {

  @Param({"plain", "netty"})
  public String decoder;

  @Param({"bare", "browser"})
  public String request;

  private EmbeddedChannel channel;
  private ByteBuf head;

  @Setup
  public void setUp() {
    String text = request.equals("bare")
        ? "GET /small HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
        : "GET /small HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0"
            + " Safari/537.36\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
            + "Accept-Language: en-US,en;q=0.9,de;q=0.8\r\nAccept-Encoding: gzip, deflate, br\r\n"
            + "Cookie: session=0123456789abcdef0123456789abcdef; theme=dark; _ga=GA1.2.1234567890.1234567890\r\n"
            + "Referer: https://example.org/some/page?with=query\r\nSec-Fetch-Mode: navigate\r\n"
            + "Sec-Fetch-Site: same-origin\r\nUpgrade-Insecure-Requests: 1\r\nCache-Control: max-age=0\r\n\r\n";
    head = Unpooled.directBuffer().writeBytes(text.getBytes(StandardCharsets.US_ASCII));
    channel = new EmbeddedChannel(new EdgeRequestDecoder(new HttpServerOptions(), 8192,
        new EdgeRequestDecoder.ClientRules(60_000, 60_000, 60_000, false, true), decoder.equals("plain")));
  }

  @TearDown
  public void tearDown() {
    channel.finishAndReleaseAll();
    head.release();
  }

  /** One request head read, decoded and handed on (request, then its empty last content). */
  @Benchmark
  public Object decode() {
    channel.writeInbound(head.retainedDuplicate());
    Object request = channel.readInbound();
    Object last = channel.readInbound();
    ReferenceCountUtil.release(request);
    ReferenceCountUtil.release(last);
    return request;
  }
}
