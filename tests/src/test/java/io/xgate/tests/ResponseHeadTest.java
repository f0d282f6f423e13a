package io.xgate.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DateFormatter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.xgate.gateway.Gateway;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The heads xgate writes look like nginx's: what it adds itself ({@code Server}, {@code Date}, {@code Content-Type},
 * {@code Content-Length}, {@code Transfer-Encoding}, {@code Connection}, and {@code Host} towards the origin) is
 * named as nginx names it, a final response always has the gateway's {@code Date}, the origin headers nginx hides
 * stay behind unless {@code proxy_pass_header} names them, {@code proxy_hide_header} hides more, and what passes
 * keeps the origin's spelling but for {@code Content-Type} and {@code Content-Length}, which nginx writes itself.
 * Checked on the raw bytes, against an origin that answers raw bytes too.
 */
class ResponseHeadTest {

  private static final Pattern DATE = Pattern.compile("\r\nDate: ([^\r]*)\r\n");

  @TempDir
  static Path temp;

  private static Vertx vertx;
  private static Gateway gateway;
  private static int port;
  /** A server with {@code underscores_in_headers on}. */
  private static int underscoresPort;
  /** A server with {@code ignore_invalid_headers off}. */
  private static int invalidKeptPort;
  private static int originPort;
  /** The request heads the origin received, in order. */
  private static final Queue<String> originSaw = new ConcurrentLinkedQueue<>();
  private static final Queue<String> bodySaw = new ConcurrentLinkedQueue<>();
  /** The origin's connections whose first request was for {@code /kept/}. */
  private static final AtomicInteger keptConnections = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    originPort = vertx.createNetServer().connectHandler(socket -> {
      StringBuilder got = new StringBuilder();
      boolean[] first = {true};
      socket.handler(b -> {
        got.append(b.toString(StandardCharsets.ISO_8859_1));
        for (int end; (end = got.indexOf("\r\n\r\n")) >= 0; ) {   // each request of a kept connection in turn
          String head = got.substring(0, end + 4);
          got.delete(0, end + 4);
          originSaw.add(head);
          String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
          if (first[0] && path.startsWith("/kept/")) {
            keptConnections.incrementAndGet();
          }
          first[0] = false;
          if (path.startsWith("/nobody")) {   // what follows the head within 300 ms: the body, if one was sent
            vertx.setTimer(300, t -> {
              bodySaw.add(got.toString());
              socket.end(Buffer.buffer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"));
            });
            return;
          }
          if (path.startsWith("/kept/")) {   // the same head for every request, on a connection kept open
            socket.write(Buffer.buffer("HTTP/1.1 200 OK\r\nServer: origin/1\r\nContent-Type: text/plain\r\n"
                + "x-Mixed-CASE: kept\r\nContent-Length: 2\r\n\r\nok"));
          } else if (path.endsWith("/hops")) {   // headers RFC 9110 calls hop-by-hop, most of which nginx passes
            socket.end(Buffer.buffer("HTTP/1.1 200 OK\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\n"
                + "Keep-Alive: timeout=5\r\nUpgrade: h2c\r\nProxy-Connection: x\r\nTE: trailers\r\n"
                + "Content-Length: 2\r\n\r\nok"));
          } else if (path.endsWith("/dated")) {
            socket.end(Buffer.buffer("HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2001 00:00:00 GMT\r\nServer: origin/1\r\n"
                + "content-type: text/plain\r\nx-Mixed-CASE: kept\r\nX-Secret: s\r\ncontent-LENGTH: 2\r\n\r\nok"));
          } else {
            socket.end(Buffer.buffer(   // no length: the body ends with the connection
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nstreamed"));
          }
        }
      });
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    port = RawHttp.freePort();
    underscoresPort = RawHttp.freePort();
    invalidKeptPort = RawHttp.freePort();
    Path conf = temp.resolve("xgate.conf");
    Path mime = temp.resolve("mime.types");   // as nginx's mime.types writes them
    Files.writeString(mime, "types {\n    text/html  html htm;\n    text/css  css;\n    application/json  json;\n}\n");
    String kept = "proxy_http_version 1.1; proxy_set_header Connection \"\";";
    Files.writeString(conf, "error_log " + temp.resolve("error.log") + " info;\nhttp {\n access_log off;\n"
        + " proxy_hide_header X-Secret;\n"
        + " upstream kept { server 127.0.0.1:" + originPort + "; keepalive 2; }\n"
        + " server { listen 127.0.0.1:" + port + ";\n"
        + "  location / { proxy_pass http://127.0.0.1:" + originPort + "; }\n"
        + "  location /passed/ { proxy_pass http://127.0.0.1:" + originPort + ";"
        + " proxy_pass_header Date; proxy_pass_header server; }\n"
        + "  location /hidden/ { proxy_pass http://127.0.0.1:" + originPort + "; proxy_hide_header x-mixed-case; }\n"
        + "  location /kept/ { proxy_pass http://kept; " + kept + " }\n"
        + "  location /kept/added/ { proxy_pass http://kept; " + kept + " add_header X-Added yes; }\n"
        + "  location /kept/hidden/ { proxy_pass http://kept; " + kept + " proxy_hide_header x-mixed-case; }\n"
        + "  location /set/ { proxy_pass http://127.0.0.1:" + originPort + "; proxy_http_version 1.0;"
        + " proxy_set_header X-Real-IP $remote_addr; proxy_set_header Accept-Encoding \"\";"
        + " proxy_set_header User-Agent \"xgate-test\"; }\n"
        + "  location /twice/ { proxy_pass http://127.0.0.1:" + originPort + "; proxy_http_version 1.0;"
        + " proxy_set_header X-A one; proxy_set_header X-A two; proxy_set_header Host h1; proxy_set_header host h2;"
        + " proxy_set_header X-B one; proxy_set_header X-B \"\"; }\n"
        + "  location /under/ { proxy_pass http://127.0.0.1:" + originPort + "; proxy_http_version 1.0; }\n"
        + "  location /nobodycl/ { proxy_pass http://127.0.0.1:" + originPort + "; proxy_http_version 1.0;"
        + " proxy_pass_request_body off; proxy_set_header Content-Length \"\"; }\n"
        + "  location /method/ { proxy_pass http://127.0.0.1:" + originPort + "; proxy_http_version 1.0;"
        + " proxy_method GET; }\n"
        + "  location /varmethod/ { proxy_pass http://127.0.0.1:" + originPort + "; proxy_http_version 1.0;"
        + " proxy_method $http_x_m; }\n"
        + "  location /nobody/ { proxy_pass http://127.0.0.1:" + originPort + "; proxy_http_version 1.0;"
        + " proxy_pass_request_body off; }\n"
        + "  location /noheaders/ { proxy_pass http://127.0.0.1:" + originPort + "; proxy_http_version 1.0;"
        + " proxy_pass_request_headers off; proxy_set_header X-Set s; }\n"
        + "  location = /text { return 200 \"x\"; }\n"
        + "  location /typed/ { default_type application/json; return 200 \"{}\"; }\n"
        + "  location /mime/ { include " + mime + "; default_type application/octet-stream; return 200 \"x\"; }\n"
        + "  location = /refused { proxy_pass http://127.0.0.1:" + RawHttp.freePort() + "; }\n"
        + RETURNED_CODES.stream().map(c -> "  location = /return/" + c + " { return " + c + "; }\n")
            .collect(java.util.stream.Collectors.joining())
        + "  location = /return/408/text { return 408 \"late\"; }\n"
        + " }\n"
        + " server { listen 127.0.0.1:" + underscoresPort + "; underscores_in_headers on;\n"
        + "  location / { proxy_pass http://127.0.0.1:" + originPort + "; proxy_http_version 1.0; }\n }\n"
        + " server { listen 127.0.0.1:" + invalidKeptPort + "; ignore_invalid_headers off;\n"
        + "  location / { proxy_pass http://127.0.0.1:" + originPort + "; proxy_http_version 1.0; }\n }\n}\n");
    gateway = Gateway.start(conf, temp).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static final List<Integer> RETURNED_CODES = List.of(200, 204, 300, 301, 302, 304, 401, 405, 408, 414, 418,
      444, 499, 503, 504, 599);

  @AfterAll
  static void stop() throws Exception {
    Shutdown.stop(gateway, vertx);
  }

  @Test
  void aReturnedResponseHasServerDateTypeAndLengthNamedAsNginxNamesThem() throws Exception {
    String head = head(get("/text"));
    assertThat(head).startsWith("HTTP/1.1 200 OK\r\n")
        .contains("\r\nServer: xgate\r\n", "\r\nContent-Type: text/plain\r\n", "\r\nContent-Length: 1\r\n",
            "\r\nConnection: close\r\n");
    assertDateIsNow(head);
    assertEveryNameIsCapitalized(head);
  }

  @Test
  void aReturnedTextIsOfTheLocationsDefaultTypeUnlessItsExtensionIsOneNginxBuildsIn() throws Exception {
    assertThat(head(get("/typed/x"))).contains("\r\nContent-Type: application/json\r\n");
    assertThat(head(get("/typed/x.gif"))).contains("\r\nContent-Type: image/gif\r\n");
  }

  @Test
  void anIncludedMimeTypesFileTypesAReturnedTextByItsExtensionAsNginxDoes() throws Exception {
    // what nginx 1.22.1 answered with its mime.types included and default_type application/octet-stream
    assertThat(head(get("/mime/a.css"))).contains("\r\nContent-Type: text/css\r\n");
    assertThat(head(get("/mime/a.JSON"))).contains("\r\nContent-Type: application/json\r\n");
    assertThat(head(get("/mime/a.unknown"))).contains("\r\nContent-Type: application/octet-stream\r\n");
    assertThat(head(get("/mime/x.css/y"))).contains("\r\nContent-Type: application/octet-stream\r\n");
    assertThat(head(get("/mime/a.gif"))).as("the built-in types are gone once types are configured")
        .contains("\r\nContent-Type: application/octet-stream\r\n");
  }

  /** Each row as nginx 1.22.1 answered {@code return CODE;}: status line, its page's title, its type. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "none", value = {
      "200 | HTTP/1.1 200 OK                              | none                       | text/plain",
      "300 | 'HTTP/1.1 300 '                              | none                       | text/plain",
      "304 | HTTP/1.1 304 Not Modified                    | none                       | text/plain",
      "301 | HTTP/1.1 301 Moved Permanently               | 301 Moved Permanently      | text/html",
      "302 | HTTP/1.1 302 Moved Temporarily               | 302 Found                  | text/html",
      "401 | HTTP/1.1 401 Unauthorized                    | 401 Authorization Required | text/html",
      "405 | HTTP/1.1 405 Not Allowed                     | 405 Not Allowed            | text/html",
      "414 | HTTP/1.1 414 Request-URI Too Large           | 414 Request-URI Too Large  | text/html",
      "418 | 'HTTP/1.1 418 '                              | none                       | none",
      "503 | HTTP/1.1 503 Service Temporarily Unavailable | 503 Service Temporarily Unavailable | text/html",
      "504 | HTTP/1.1 504 Gateway Time-out                | 504 Gateway Time-out       | text/html",
      "599 | 'HTTP/1.1 599 '                              | none                       | none"})
  void aReturnedCodeGetsNginxsStatusLinePageAndType(int code, String statusLine, String title, String type)
      throws Exception {
    String answer = get("/return/" + code);
    String head = head(answer);
    String body = answer.substring(head.length() + 2);
    assertThat(head).startsWith(statusLine + "\r\n").contains("\r\nServer: xgate\r\n");
    assertEveryNameIsCapitalized(head);
    if (type == null) {
      assertThat(head).doesNotContain("Content-Type");
    } else {
      assertThat(head).contains("\r\nContent-Type: " + type + "\r\n");
    }
    assertThat(head).contains("\r\nContent-Length: " + body.length() + "\r\n");
    if (title == null) {
      assertThat(body).isEmpty();
    } else {
      assertThat(body).contains("<head><title>" + title + "</title></head>", "<center><h1>" + title + "</h1>");
    }
  }

  @Test
  void aReturnedCodeWithoutBodyOrWithoutUrlIsAnsweredAsNginxAnswersIt() throws Exception {
    String noContent = head(get("/return/204"));
    assertThat(noContent).startsWith("HTTP/1.1 204 No Content\r\n").doesNotContain("Content-Type")
        .doesNotContainIgnoringCase("Content-Length");
    assertThat(head(get("/return/301"))).as("a redirect without its URL: an empty Location, as nginx sends")
        .contains("\r\nLocation: \r\n");
    for (int closing : new int[] {408, 444, 499}) {
      assertThat(get("/return/" + closing)).as("return %d closes without an answer", closing).isEmpty();
    }
    assertThat(get("/return/408/text")).as("unless it has a text").startsWith("HTTP/1.1 408 Request Time-out\r\n")
        .endsWith("\r\n\r\nlate");
  }

  @Test
  void anErrorPageHeadIsNamedAsNginxNamesItAndAHeadRequestGetsItsLength() throws Exception {
    String answer = get("/refused");
    String head = head(answer);
    int length = answer.length() - head.length() - 2;
    assertThat(head).startsWith("HTTP/1.1 502 Bad Gateway\r\n")
        .contains("\r\nServer: xgate\r\n", "\r\nContent-Type: text/html\r\n", "\r\nContent-Length: " + length + "\r\n");
    assertDateIsNow(head);
    assertEveryNameIsCapitalized(head);

    String headOnly = RawHttp.exchange(port, "HEAD /refused HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(headOnly).startsWith("HTTP/1.1 502 Bad Gateway\r\n").endsWith("\r\n\r\n")
        .contains("\r\nContent-Length: " + length + "\r\n");
  }

  @Test
  void theOriginsDateAndServerStayBehindAsNginxHidesThemAndTheTypeAndLengthAreNamedAsNginxNamesThem()
      throws Exception {
    String head = head(get("/dated"));
    assertDateIsNow(head);
    assertThat(head).doesNotContain("2001", "origin/1")
        .contains("\r\nServer: xgate\r\n", "\r\nContent-Type: text/plain\r\n", "\r\nContent-Length: 2\r\n")
        .as("the origin's own spelling is kept for the rest").contains("\r\nx-Mixed-CASE: kept\r\n")
        .as("proxy_hide_header of the http block").doesNotContainIgnoringCase("X-Secret");
    assertThat(head.split("\r\nDate: ", -1)).as("one Date").hasSize(2);
  }

  @Test
  void proxyPassHeaderPassesTheOriginsDateAndServer() throws Exception {
    String head = head(get("/passed/dated"));
    assertThat(head).contains("\r\nDate: Mon, 01 Jan 2001 00:00:00 GMT\r\n", "\r\nServer: origin/1\r\n")
        .doesNotContain("xgate")
        .as("the http block's proxy_hide_header still applies").doesNotContainIgnoringCase("X-Secret");
    assertThat(head.split("\r\nDate: ", -1)).as("one Date").hasSize(2);
  }

  @Test
  void aLocationsProxyHideHeaderReplacesTheListItInheritsAsInNginx() throws Exception {
    String head = head(get("/hidden/dated"));
    assertThat(head).doesNotContainIgnoringCase("x-mixed-case").contains("\r\nX-Secret: s\r\n");
    assertDateIsNow(head);
  }

  @Test
  void aResponseWithoutLengthIsChunkedUnderNginxsName() throws Exception {
    String answer = get("/streamed");
    assertThat(head(answer)).contains("\r\nTransfer-Encoding: chunked\r\n");
    assertThat(answer).endsWith("\r\n\r\n8\r\nstreamed\r\n0\r\n\r\n");
    assertEveryNameIsCapitalized(head(answer));
  }

  @Test
  void theOriginGetsHostAndConnectionNamedAsNginxNamesThem() throws Exception {
    originSaw.clear();
    get("/dated");
    assertThat(originSaw).hasSize(1);
    assertThat(originSaw.peek()).startsWith("GET /dated HTTP/1.1\r\n")
        .contains("\r\nHost: 127.0.0.1:" + originPort + "\r\n", "\r\nConnection: close\r\n");
    assertEveryNameIsCapitalized(originSaw.peek());
  }

  @Test
  void aHeadTheOriginRepeatsGivesEachResponseTheHeadersOfItsOwnLocation() throws Exception {
    keptConnections.set(0);
    String[] paths = {"/kept/a", "/kept/added/b", "/kept/a", "/kept/hidden/c", "/kept/a"};
    try (Socket client = new Socket("127.0.0.1", port)) {   // one after the other, on one kept connection
      client.setSoTimeout(5000);
      for (int i = 0; i < paths.length; i++) {
        boolean last = i == paths.length - 1;
        client.getOutputStream().write(("GET " + paths[i] + " HTTP/1.1\r\nHost: x\r\n"
            + (last ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        StringBuilder answer = new StringBuilder();
        while (!answer.toString().endsWith("\r\n\r\nok")) {
          int b = client.getInputStream().read();
          assertThat(b).as("the answer to %s so far: %s", paths[i], answer).isNotNegative();
          answer.append((char) b);
        }
        String head = head(answer.toString());
        assertDateIsNow(head);
        assertThat(head.split("\r\nDate: ", -1)).as("one Date").hasSize(2);
        assertThat(head).as(paths[i]).contains("\r\nServer: xgate\r\n", "\r\nContent-Length: 2\r\n")
            .doesNotContain("origin/1");
        assertThat(head.contains("\r\nX-Added: yes\r\n")).as(paths[i])
            .isEqualTo(paths[i].startsWith("/kept/added/"));
        assertThat(head.contains("\r\nx-Mixed-CASE: kept\r\n")).as(paths[i])
            .isEqualTo(!paths[i].startsWith("/kept/hidden/"));
        assertThat(head).as(paths[i]).contains("\r\nConnection: " + (last ? "close" : "keep-alive") + "\r\n");
        assertThat(head.split("\r\nConnection: ", -1)).as("one Connection").hasSize(2);
      }
    }
    assertThat(keptConnections).as("one origin connection carried them all: its head repeated").hasValue(1);
  }

  @Test
  void theOriginGetsTheClientsHeadersAsSpelledButThoseNginxDropsHostAndExpect() throws Exception {
    originSaw.clear();   // the head as nginx 1.22.1 sent it for the same request: Keep-Alive, TE, Expect and the
    // client's Host and Connection stay behind; Proxy-Connection and a header the Connection lists go on
    RawHttp.exchange(port, "GET /under/dated HTTP/1.1\r\nHost: client.example\r\nuser-AGENT: raw/1\r\n"
        + "Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\nX-Hop: listed\r\n"
        + "Accept: */*\r\nexpect: nothing\r\nCookie: a=1; b=2\r\nConnection: X-Hop, close\r\n\r\n");
    assertThat(originSaw.poll()).isEqualTo("GET /under/dated HTTP/1.0\r\nHost: 127.0.0.1:" + originPort
        + "\r\nConnection: close\r\nuser-AGENT: raw/1\r\nProxy-Connection: keep-alive\r\nX-Hop: listed\r\n"
        + "Accept: */*\r\nCookie: a=1; b=2\r\n\r\n");
  }

  @Test
  void theClientGetsTheOriginsHeadersButItsFramingOnesAsNginxPassesThem() throws Exception {
    String head = head(get("/hops"));   // what nginx 1.22.1 passed of the same answer
    assertThat(head).contains("\r\nX-Hop: 1\r\n", "\r\nUpgrade: h2c\r\n", "\r\nProxy-Connection: x\r\n",
        "\r\nTE: trailers\r\n", "\r\nContent-Length: 2\r\n", "\r\nConnection: close\r\n")
        .doesNotContainIgnoringCase("keep-alive");
  }

  @Test
  void everyResponseSaysWhetherItsConnectionStaysOpenAsNginxSaysIt() throws Exception {
    String[][] asked = {   // the request's version and Connection, and what nginx 1.22 answered
        {"HTTP/1.1", "", "keep-alive"}, {"HTTP/1.1", "Connection: close\r\n", "close"},
        {"HTTP/1.0", "", "close"}, {"HTTP/1.0", "Connection: keep-alive\r\n", "keep-alive"}};
    for (String path : new String[] {"/text", "/kept/a"}) {   // returned by xgate, and proxied from a kept head
      for (String[] a : asked) {
        try (Socket client = new Socket("127.0.0.1", port)) {
          client.setSoTimeout(5000);
          client.getOutputStream().write(("GET " + path + " " + a[0] + "\r\nHost: x\r\n" + a[1] + "\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
          StringBuilder answer = new StringBuilder();
          while (answer.indexOf("\r\n\r\n") < 0) {
            int b = client.getInputStream().read();
            assertThat(b).as("%s %s so far: %s", path, a[0], answer).isNotNegative();
            answer.append((char) b);
          }
          assertThat(answer.toString()).as("%s %s %s", path, a[0], a[1])
              .startsWith("HTTP/1.1 200 OK\r\n").contains("\r\nConnection: " + a[2] + "\r\n");
        }
      }
    }
  }

  @Test
  void theOriginGetsTheProxysHeadersFirstThenTheClientsItDoesNotReplaceByteForByteAsNginxSendsThem()
      throws Exception {
    originSaw.clear();
    RawHttp.exchange(port, "GET /set/x HTTP/1.1\r\nHost: x\r\nUser-Agent: ua\r\nAccept: */*\r\n"
        + "Accept-Encoding: gzip\r\nX-Real-IP: spoof\r\nCookie: c=1\r\nConnection: close\r\n\r\n");
    assertThat(originSaw).hasSize(1);
    assertThat(originSaw.peek()).isEqualTo("GET /set/x HTTP/1.0\r\nX-Real-IP: 127.0.0.1\r\n"   // what nginx 1.22 sent
        + "User-Agent: xgate-test\r\nHost: 127.0.0.1:" + originPort + "\r\nConnection: close\r\n"
        + "Accept: */*\r\nCookie: c=1\r\n\r\n");
  }

  @Test
  void eachProxySetHeaderLineIsALineOfTheOriginsRequestEvenForANameSetTwiceAndAnEmptyOneIsLeftOut() throws Exception {
    originSaw.clear();
    RawHttp.exchange(port, "GET /twice/x HTTP/1.1\r\nHost: x\r\nX-A: client\r\nX-B: client\r\nAccept: */*\r\n"
        + "Connection: close\r\n\r\n");
    assertThat(originSaw).hasSize(1);
    assertThat(originSaw.peek()).isEqualTo("GET /twice/x HTTP/1.0\r\nX-A: one\r\nX-A: two\r\n"   // as nginx 1.22.1 sent
        + "Host: h1\r\nhost: h2\r\nX-B: one\r\nConnection: close\r\nAccept: */*\r\n\r\n");
  }

  @Test
  void aClientsHeaderWithAnUnderscoreInItsNameIsDroppedUnlessUnderscoresInHeadersIsOn() throws Exception {
    originSaw.clear();   // each head as nginx 1.22.1 sent it for the same request
    RawHttp.exchange(port, "GET /under/x HTTP/1.1\r\nHost: x\r\nX_Under: a\r\nAccept: */*\r\nConnection: close\r\n\r\n");
    assertThat(originSaw.poll()).isEqualTo("GET /under/x HTTP/1.0\r\nHost: 127.0.0.1:" + originPort
        + "\r\nConnection: close\r\nAccept: */*\r\n\r\n");
    RawHttp.exchange(port, "POST /under/p HTTP/1.1\r\nHost: x\r\nX_Under: a\r\nContent-Length: 2\r\n"
        + "Connection: close\r\n\r\nab");   // a request with a body: Netty's decoder, not the plain-head path
    assertThat(originSaw.poll()).isEqualTo("POST /under/p HTTP/1.0\r\nHost: 127.0.0.1:" + originPort
        + "\r\nConnection: close\r\nContent-Length: 2\r\n\r\n");
    RawHttp.exchange(underscoresPort, "GET /on HTTP/1.1\r\nHost: x\r\nX_Under: a\r\nAccept: */*\r\n"
        + "Connection: close\r\n\r\n");
    assertThat(originSaw.poll()).isEqualTo("GET /on HTTP/1.0\r\nHost: 127.0.0.1:" + originPort
        + "\r\nConnection: close\r\nX_Under: a\r\nAccept: */*\r\n\r\n");
  }

  @Test
  void aClientsHeaderWithAnInvalidNameIsDroppedUnlessIgnoreInvalidHeadersIsOff() throws Exception {
    originSaw.clear();   // each head as nginx 1.22.1 sent it for the same request
    String invalid = "Foo.Bar: y\r\nX@Y: 1\r\nX-\u00dctf: 2\r\nX_Y: 3\r\n";
    RawHttp.exchange(port, "GET /under/x HTTP/1.1\r\nHost: x\r\n" + invalid + "Accept: */*\r\nConnection: close\r\n\r\n");
    assertThat(originSaw.poll()).isEqualTo("GET /under/x HTTP/1.0\r\nHost: 127.0.0.1:" + originPort
        + "\r\nConnection: close\r\nAccept: */*\r\n\r\n");
    RawHttp.exchange(port, "POST /under/p HTTP/1.1\r\nHost: x\r\nFoo.Bar: y\r\nX@Y: 1\r\nContent-Length: 2\r\n"
        + "Connection: close\r\n\r\nab");   // a request with a body: Netty's decoder, not the plain-head path
    assertThat(originSaw.poll()).isEqualTo("POST /under/p HTTP/1.0\r\nHost: 127.0.0.1:" + originPort
        + "\r\nConnection: close\r\nContent-Length: 2\r\n\r\n");
    // each dropped line noted at info, in nginx's words (both decoding paths)
    LogFiles.awaitText(temp.resolve("error.log"), "[info] ");
    LogFiles.awaitText(temp.resolve("error.log"), "client sent invalid header line: \"Foo.Bar: y\" while reading"
        + " client request headers, client: 127.0.0.1, server: , request: \"GET /under/x HTTP/1.1\", host: \"x\"\n");
    LogFiles.awaitText(temp.resolve("error.log"), "client sent invalid header line: \"X@Y: 1\" while reading"
        + " client request headers, client: 127.0.0.1, server: , request: \"POST /under/p HTTP/1.1\", host: \"x\"\n");
    RawHttp.exchange(invalidKeptPort, "GET /under/x HTTP/1.1\r\nHost: x\r\n" + invalid
        + "Accept: */*\r\nConnection: close\r\n\r\n");
    assertThat(originSaw.poll()).as("kept, the underscore too, with ignore_invalid_headers off")
        .isEqualTo("GET /under/x HTTP/1.0\r\nHost: 127.0.0.1:" + originPort + "\r\nConnection: close\r\n" + invalid
            + "Accept: */*\r\n\r\n");
    RawHttp.exchange(invalidKeptPort, "POST /under/p HTTP/1.1\r\nHost: x\r\nFoo.Bar: y\r\nX@Y: 1\r\n"
        + "Content-Length: 2\r\nConnection: close\r\n\r\nab");
    assertThat(originSaw.poll()).isEqualTo("POST /under/p HTTP/1.0\r\nHost: 127.0.0.1:" + originPort
        + "\r\nConnection: close\r\nContent-Length: 2\r\nFoo.Bar: y\r\nX@Y: 1\r\n\r\n");
  }

  @Test
  void anAbsoluteFormRequestGoesToTheOriginWithItsPathAsNginxSendsIt() throws Exception {
    originSaw.clear();   // each head as nginx 1.22.1 sent it for the same request
    RawHttp.exchange(port, "GET http://b.example/under/x?q HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(originSaw.poll()).isEqualTo("GET /under/x?q HTTP/1.0\r\nHost: 127.0.0.1:" + originPort
        + "\r\nConnection: close\r\n\r\n");
    RawHttp.exchange(underscoresPort, "GET http://b.example?q HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(originSaw.poll()).isEqualTo("GET /?q HTTP/1.0\r\nHost: 127.0.0.1:" + originPort
        + "\r\nConnection: close\r\n\r\n");
  }

  @Test
  void aHeaderNameThatIsEmptyOrHasAControlCharacterOrASpaceIs400AsInNginx() throws Exception {
    originSaw.clear();
    for (String line : new String[] {": empty", "Foo\u0001: c", "Foo Bar: x", "Foo : x"}) {
      for (String method : new String[] {"GET", "POST"}) {
        String body = method.equals("POST") ? "Content-Length: 2\r\n" : "";
        assertThat(RawHttp.exchange(port, method + " /under/x HTTP/1.1\r\nHost: x\r\n" + line + "\r\n" + body
            + "Connection: close\r\n\r\n" + (body.isEmpty() ? "" : "ab")))
            .as("%s with %s", method, line).startsWith("HTTP/1.1 400 Bad Request\r\n");
      }
    }
    assertThat(originSaw).isEmpty();
  }

  @Test
  void aHeaderValueWithControlCharactersOrDelGoesToTheOriginAsSentButANulOrABareCrIs400AsInNginx()
      throws Exception {
    originSaw.clear();   // each head as nginx 1.22.1 sent it for the same request
    String values = "X-A: 1\u0001\u007f2\r\nX-B: a\u000bb\u001bc\r\nX-C: caf\u00c3\u00a9\r\n";
    for (String method : new String[] {"GET", "POST"}) {
      String body = method.equals("POST") ? "Content-Length: 2\r\n" : "";
      RawHttp.exchange(port, method + " /under/v HTTP/1.1\r\nHost: x\r\n" + values + body + "Connection: close\r\n\r\n"
          + (body.isEmpty() ? "" : "ab"));
      assertThat(originSaw.poll()).as(method).isEqualTo(method + " /under/v HTTP/1.0\r\nHost: 127.0.0.1:" + originPort
          + "\r\nConnection: close\r\n" + body + values + "\r\n");
    }
    for (String line : new String[] {"X-A: a\u0000b", "X-A: a\rb"}) {
      assertThat(RawHttp.exchange(port, "GET /under/x HTTP/1.1\r\nHost: x\r\n" + line + "\r\nConnection: close\r\n\r\n"))
          .as(line).startsWith("HTTP/1.1 400 Bad Request\r\n");
    }
    assertThat(originSaw).isEmpty();
  }

  @Test
  void proxyPassRequestHeadersOffSendsTheProxysOwnHeadersOnly() throws Exception {
    originSaw.clear();
    RawHttp.exchange(port, "GET /noheaders/x HTTP/1.1\r\nHost: x\r\nX-Client: c\r\nAccept: */*\r\n"
        + "Connection: close\r\n\r\n");
    assertThat(originSaw.poll()).isEqualTo("GET /noheaders/x HTTP/1.0\r\nX-Set: s\r\nHost: 127.0.0.1:" + originPort
        + "\r\nConnection: close\r\n\r\n");   // as nginx 1.22.1 sent it
  }

  @Test
  void proxyPassRequestBodyOffReadsTheBodyAndSendsItsLengthButNotItsBytesAsNginxDoes() throws Exception {
    originSaw.clear();
    bodySaw.clear();
    String answer = RawHttp.exchange(port, "POST /nobody/p HTTP/1.1\r\nHost: x\r\nX-Client: c\r\n"
        + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nab\r\n0\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok");
    // as nginx 1.22.1 sent it: the read body's length, which is why nginx's docs pair this with
    // proxy_set_header Content-Length ""
    assertThat(originSaw.poll()).isEqualTo("POST /nobody/p HTTP/1.0\r\nHost: 127.0.0.1:" + originPort
        + "\r\nConnection: close\r\nContent-Length: 2\r\nX-Client: c\r\n\r\n");
    assertThat(bodySaw.poll()).as("no body byte").isEmpty();
    RawHttp.exchange(port, "POST /nobodycl/p HTTP/1.1\r\nHost: x\r\nX-Client: c\r\nContent-Length: 2\r\n"
        + "Connection: close\r\n\r\nab");   // with the Content-Length "" nginx's docs pair it with: no length
    assertThat(originSaw.poll()).isEqualTo("POST /nobodycl/p HTTP/1.0\r\nHost: 127.0.0.1:" + originPort
        + "\r\nConnection: close\r\nX-Client: c\r\n\r\n");
    assertThat(bodySaw.poll()).as("no body byte").isEmpty();
  }

  @Test
  void proxyMethodSendsItsMethodToTheOriginAndAHeadClientStillGetsAHeadOnly() throws Exception {
    originSaw.clear();   // each head as nginx 1.22.1 sent it
    RawHttp.exchange(port, "POST /method/p HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab");
    assertThat(originSaw.poll()).isEqualTo("GET /method/p HTTP/1.0\r\nHost: 127.0.0.1:" + originPort
        + "\r\nConnection: close\r\nContent-Length: 2\r\n\r\n");
    String answer = RawHttp.exchange(port, "HEAD /method/h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(originSaw.poll()).isEqualTo("GET /method/h HTTP/1.0\r\nHost: 127.0.0.1:" + originPort
        + "\r\nConnection: close\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\n");   // the origin's body dropped
    RawHttp.exchange(port, "GET /varmethod/v HTTP/1.1\r\nHost: x\r\nX-M: PUT\r\nConnection: close\r\n\r\n");
    assertThat(originSaw.poll()).startsWith("PUT /varmethod/v HTTP/1.0\r\n");
  }

  private static String get(String path) throws Exception {
    return RawHttp.exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  }

  /** The status line and the header lines, each with its CRLF, without the blank line. */
  private static String head(String answer) {
    int end = answer.indexOf("\r\n\r\n");
    assertThat(end).as("a whole head in: %s", answer).isPositive();
    return answer.substring(0, end + 2);
  }

  private static void assertDateIsNow(String head) {
    Matcher m = DATE.matcher(head);
    assertThat(m.find()).as("a Date in: %s", head).isTrue();
    Date date = DateFormatter.parseHttpDate(m.group(1));
    assertThat(date).as("an HTTP date: %s", m.group(1)).isNotNull();
    assertThat(m.group(1)).matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
    assertThat(Math.abs(date.getTime() - System.currentTimeMillis())).isLessThan(10_000);
  }

  private static void assertEveryNameIsCapitalized(String head) {
    List<String> lines = Arrays.asList(head.split("\r\n"));
    assertThat(lines.subList(1, lines.size()))
        .allSatisfy(line -> assertThat(line).matches("[A-Z][a-z]*(-[A-Z][a-z]*)*: .*"));
  }
}
