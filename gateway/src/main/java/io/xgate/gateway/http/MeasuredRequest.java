package io.xgate.gateway.http;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.Http1xServerRequest;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * A request head as {@link EdgeRequestDecoder} decodes it, with the bytes the client sent for the request so far:
 * its request line, headers and body as they came (chunk sizes included), which is nginx's
 * {@code $request_length}; and where the bytes sent for its response ({@code $bytes_sent}) are read.
 */
public final class MeasuredRequest extends DefaultHttpRequest {

  long length;
  /** The header lines dropped for an invalid name ({@code ignore_invalid_headers}), null when none were. */
  java.util.List<String> droppedLines;
  /** Why nginx would refuse its request line (method, version), null if it would not. */
  EdgeRequestDecoder.Rejected refused;

  MeasuredRequest(HttpVersion version, HttpMethod method, String uri, HttpHeaders headers) {
    super(version, method, uri, headers);
  }

  /**
   * nginx's {@code $request_length} of {@code request}: the bytes of its head and of its body read so far; for a
   * request not read by xgate's decoder, the body's bytes (Vert.x's count).
   */
  public static long length(HttpServerRequest request) {
    MeasuredRequest m = of(request);
    return m != null ? m.length : request.bytesRead();
  }

  /**
   * nginx's {@code $bytes_sent} of {@code request}'s response: its head, body and framing as written to the client's
   * socket; for a connection not served by xgate's decoder, the body's bytes (Vert.x's count).
   */
  public static long bytesSent(HttpServerRequest request) {
    long sent = EdgeRequestDecoder.bytesSent(request.connection());
    return sent >= 0 ? sent : request.response().bytesWritten();
  }

  /**
   * The header lines of {@code request} that were dropped for an invalid name, which nginx notes at {@code info}
   * ("client sent invalid header line"); empty when none were.
   */
  public static java.util.List<String> droppedLines(HttpServerRequest request) {
    MeasuredRequest m = of(request);
    return m == null || m.droppedLines == null ? java.util.List.of() : m.droppedLines;
  }

  private static MeasuredRequest of(HttpServerRequest request) {
    if (NETTY_REQUEST != null && request instanceof Http1xServerRequest) {
      try {
        if ((Object) NETTY_REQUEST.invokeExact((Http1xServerRequest) request) instanceof MeasuredRequest m) {
          return m;
        }
      } catch (Throwable e) {
        // not reachable: the handle takes any Http1xServerRequest
      }
    }
    return null;
  }

  /** Vert.x's {@code Http1xServerRequest.nettyRequest()}, package-private there: the request as decoded. */
  private static final MethodHandle NETTY_REQUEST = nettyRequest();

  private static MethodHandle nettyRequest() {
    try {
      return MethodHandles.privateLookupIn(Http1xServerRequest.class, MethodHandles.lookup())
          .findVirtual(Http1xServerRequest.class, "nettyRequest", MethodType.methodType(HttpRequest.class))
          .asType(MethodType.methodType(Object.class, Http1xServerRequest.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;   // another Vert.x: $request_length falls back to the body's bytes
    }
  }
}
