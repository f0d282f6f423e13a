package io.xgate.balancers.tengine;

import static io.xgate.balancers.tengine.StickyCookiesTest.RECORDED;
import static io.xgate.balancers.tengine.StickyCookiesTest.S1;
import static io.xgate.balancers.tengine.StickyCookiesTest.S2;
import static io.xgate.balancers.tengine.StickyCookiesTest.S3;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.xgate.spi.Balancer;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.RequestView;
import io.xgate.spi.RoundRobin;
import io.xgate.spi.Selection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * session_sticky request by request at the balancer: which server, what was tried, the Set-Cookie the client gets
 * and the Cookie the backend gets, with the clock pinned.
 */
class SessionStickyTest {

  private static final String A = "127.0.0.1:19301";
  private static final String B = "127.0.0.1:19302";
  private static final String C = "127.0.0.1:19303";
  private static final SessionStickyProvider.HideCookie HIDE_U = new SessionStickyProvider.HideCookie("u");

  /** What one request got. */
  record Result(String servedBy, List<String> tried, int status, List<String> setCookie, List<String> backendCookie) {
  }

  private static RequestView request(Object hide, String... cookies) {
    return new RequestView() {
      @Override
      public String variable(String name) {
        return null;
      }

      @Override
      public List<String> headerValues(String name) {
        return name.equalsIgnoreCase("Cookie") ? List.of(cookies) : List.of();
      }

      @Override
      public Object locationDirective(String name) {
        return name.equals(SessionStickyProvider.HIDE_COOKIE) ? hide : null;
      }
    };
  }

  /**
   * Runs one request as the gateway does: attempts until one is answered or the tries are used up; a backend is
   * {@code ok}, {@code refused}, {@code status:NNN} or {@code set_cookie:VALUE} as in the vectors.
   */
  private static Result run(TestChains.Chain chain, Map<String, String> backends, RequestView request) {
    Selection s = chain.balancer().select(request);
    List<String> tried = new ArrayList<>();
    int tries = s.tries();
    while (true) {
      Peer p = s.next();
      if (p == null) {
        String name = s.noPeerName("u");
        if (!name.isEmpty()) {
          tried.add(name);
        }
        return new Result(null, tried, 502, List.of(), null);
      }
      tried.add(p.name());
      MultiMap sent = MultiMap.caseInsensitiveMultiMap();
      for (String line : request.headerValues("Cookie")) {
        sent.add("Cookie", line);
      }
      s.onRequestHeaders(p, sent);
      String kind = backends.getOrDefault(p.name(), "ok");
      if (kind.equals("refused")) {
        s.report(p, Outcome.FAILURE);
        tries = Math.min(tries - 1, s.tries());
        if (tries <= 0) {
          return new Result(null, tried, 502, List.of(), null);
        }
        continue;
      }
      int status = kind.startsWith("status:") ? Integer.parseInt(kind.substring(7)) : 200;
      MultiMap headers = MultiMap.caseInsensitiveMultiMap();
      if (kind.startsWith("set_cookie:")) {
        headers.add("Set-Cookie", kind.substring(11));
      }
      s.onResponseHeaders(p, status, headers);
      s.report(p, Outcome.SUCCESS);
      return new Result(p.name(), tried, status, headers.getAll("Set-Cookie"), sent.getAll("Cookie"));
    }
  }

  private static TestChains.Chain chain(String sticky, String... servers) {
    StringBuilder block = new StringBuilder("upstream u {\n  " + sticky + ";\n");
    for (String s : servers) {
      block.append("  server ").append(s).append(";\n");
    }
    return TestChains.build(block.append("}\n").toString(), new TestChains.Clock(RECORDED * 1000));
  }

  @Test
  void timeDependentSamplesGiveTheRecordedCookiesAtTheRecordedTime() throws IOException {
    JsonObject samples;
    try (InputStream in = getClass().getResourceAsStream(
        "/conformance/tengine/session_sticky/samples_time_dependent.json")) {
      samples = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    JsonArray cases = samples.getJsonArray("cases");
    assertThat(cases).hasSize(2);
    for (int c = 0; c < cases.size(); c++) {
      JsonObject sample = cases.getJsonObject(c);
      TestChains.Chain chain = TestChains.build(sample.getString("upstream"),
          new TestChains.Clock(sample.getLong("recorded_at_epoch") * 1000));
      // the recorded run's round robin started at the second server: one request without a cookie pins that start
      run(chain, Map.of(), request(null));
      JsonArray requests = sample.getJsonArray("requests");
      for (int i = 0; i < requests.size(); i++) {
        JsonObject cookie = requests.getJsonObject(i).getJsonObject("headers");
        RequestView view = cookie.containsKey("Cookie") ? request(null, cookie.getString("Cookie")) : request(null);
        Result got = run(chain, Map.of(), view);
        JsonObject want = sample.getJsonArray("expect").getJsonObject(i);
        String what = "case " + c + " request " + i;
        assertThat(got.servedBy()).as(what).isEqualTo(want.getString("served_by"));
        assertThat(got.tried()).as(what).isEqualTo(want.getJsonArray("tried").getList());
        Object setCookie = want.getValue("set_cookie");
        assertThat(got.setCookie()).as(what).isEqualTo(setCookie == null ? List.of() : List.of(setCookie));
      }
    }
  }

  @Test
  void cookiesSetOnRoundRobinPlacementsOnlyBelow400() {
    TestChains.Chain chain = chain("session_sticky", A, B);
    Map<String, String> backends = Map.of(B, "status:503");
    assertThat(run(chain, backends, request(null)).setCookie()).containsExactly("route=" + S1 + "; Path=/");
    Result bad = run(chain, backends, request(null));
    assertThat(bad.servedBy()).isEqualTo(B);
    assertThat(bad.setCookie()).isEmpty();
    assertThat(run(chain, backends, request(null, "route=" + S1)).setCookie()).isEmpty();
  }

  @Test
  void theCookiesServerIsTriedFirstWhateverItsPassiveStateThenRoundRobin() {
    TestChains.Chain chain = chain("session_sticky", A, B, C);
    Map<String, String> backends = Map.of(C, "refused");
    for (int i = 0; i < 3; i++) {
      Result r = run(chain, backends, request(null, "route=" + S3));
      assertThat(r.tried()).hasSize(2).startsWith(C);
      assertThat(r.setCookie()).containsExactly("route=" + StickyCookies.md5Hex(r.servedBy()) + "; Path=/");
    }
    assertThat(chain.peer(C).fails()).isEqualTo(3);
  }

  @Test
  void fallbackOffRetriesTheSameServerForEveryTryThenRefuses() {
    TestChains.Chain chain = chain("session_sticky fallback=off", A, B, C);
    Map<String, String> backends = Map.of(C, "refused");
    assertThat(run(chain, backends, request(null, "route=" + S3)).tried()).containsExactly(C, C, C);
    Result unknown = run(chain, backends, request(null, "route=garbage"));
    assertThat(unknown.status()).isEqualTo(502);
    assertThat(unknown.tried()).isEmpty();
    Result empty = run(chain, backends, request(null, "route=;"));
    assertThat(empty.tried()).isEmpty();
    assertThat(run(chain, backends, request(null)).tried()).containsExactly(A);
  }

  @Test
  void aServerTheHealthCheckHoldsDownIsNotUsed() {
    TestChains.Chain on = chain("session_sticky", A, B);
    on.peer(A).healthDown(true);
    Result r = run(on, Map.of(), request(null, "route=" + S1));
    assertThat(r.tried()).containsExactly(B);
    assertThat(r.setCookie()).containsExactly("route=" + S2 + "; Path=/");

    TestChains.Chain off = chain("session_sticky fallback=off", A, B);
    off.peer(A).healthDown(true);
    Result refused = run(off, Map.of(), request(null, "route=" + S1));
    assertThat(refused.status()).isEqualTo(502);
    assertThat(refused.tried()).isEmpty();
  }

  @Test
  void aCookieNamingADownServerStillReachesIt() {
    TestChains.Chain chain = chain("session_sticky", A + " down", B);
    assertThat(run(chain, Map.of(), request(null, "route=" + S1)).tried()).containsExactly(A);
    assertThat(run(chain, Map.of(), request(null)).tried()).containsExactly(B);
  }

  @Test
  void indirectWithHideCookieCutsTheCookieAndInsertsTheSetCookie() {
    TestChains.Chain chain = chain("session_sticky cookie=uid option=indirect", A, B, C);
    Result first = run(chain, Map.of(), request(HIDE_U));
    assertThat(first.setCookie()).containsExactly("uid=" + S1 + "; Path=/");
    assertThat(first.backendCookie()).isEmpty();
    assertThat(run(chain, Map.of(), request(HIDE_U, "a=1; uid=" + S2 + "; b=2")).backendCookie())
        .containsExactly("a=1;  b=2");
    assertThat(run(chain, Map.of(), request(HIDE_U, "other=1; uid=" + S1)).backendCookie())
        .containsExactly("other=1;");
    Result only = run(chain, Map.of(), request(HIDE_U, "uid=" + S2));
    assertThat(only.servedBy()).isEqualTo(B);
    assertThat(only.backendCookie()).containsExactly("");
  }

  @Test
  void indirectWithoutHideCookieRoutesButNeverTouchesCookies() {
    TestChains.Chain chain = chain("session_sticky cookie=uid option=indirect", A, B);
    Result r = run(chain, Map.of(), request(null));
    assertThat(r.setCookie()).isEmpty();
    Result sticky = run(chain, Map.of(), request(null, "uid=" + S2 + "; other=1"));
    assertThat(sticky.servedBy()).isEqualTo(B);
    assertThat(sticky.backendCookie()).containsExactly("uid=" + S2 + "; other=1");
    // hide_cookie naming another upstream does not apply here
    Result other = run(chain, Map.of(), request(new SessionStickyProvider.HideCookie("v"), "uid=" + S2));
    assertThat(other.backendCookie()).containsExactly("uid=" + S2);
  }

  @Test
  void insertIndirectReplacesTheBackendsOwnCookieOfThatName() {
    TestChains.Chain chain = chain("session_sticky cookie=uid option=indirect", A);
    Result r = run(chain, Map.of(A, "set_cookie:UID=backend; Path=/x"), request(HIDE_U));
    assertThat(r.setCookie()).containsExactly("uid=" + S1 + "; Path=/");
  }

  @Test
  void prefixWithHideCookiePrefixesEveryResponseAndCutsThePrefix() {
    TestChains.Chain chain = chain("session_sticky cookie=JSESSIONID mode=prefix", A, B);
    Map<String, String> backends = Map.of(A, "set_cookie:JSESSIONID=abc123; Path=/", B, "set_cookie:JSESSIONID=xyz");
    Result sticky = run(chain, backends, request(HIDE_U, "k=v; JSESSIONID=" + S2 + "~xyz; z=1"));
    assertThat(sticky.servedBy()).isEqualTo(B);
    assertThat(sticky.setCookie()).containsExactly("JSESSIONID=" + S2 + "~xyz");
    assertThat(sticky.backendCookie()).containsExactly("k=v; JSESSIONID=xyz; z=1");
    Result unknown = run(chain, backends, request(HIDE_U, "JSESSIONID=nosuchserver~abc"));
    assertThat(unknown.servedBy()).isEqualTo(A);
    assertThat(unknown.backendCookie()).containsExactly("JSESSIONID=abc");
  }

  @Test
  void rewriteReplacesTheBackendsValueOnEveryResponseAndAddsNone() {
    TestChains.Chain chain = chain("session_sticky mode=rewrite", A, B);
    Map<String, String> backends = Map.of(A, "set_cookie:Route=fromA; Path=/app");
    assertThat(run(chain, backends, request(null)).setCookie()).containsExactly("route=" + S1 + "; Path=/app");
    assertThat(run(chain, backends, request(null)).setCookie()).isEmpty();
    assertThat(run(chain, backends, request(null, "route=" + S1)).setCookie())
        .containsExactly("route=" + S1 + "; Path=/app");
  }

  @Test
  void hashPlainUsesIdOrAddress() {
    TestChains.Chain chain = chain("session_sticky cookie=srv hash=plain", A, B + " id=app-2");
    assertThat(run(chain, Map.of(), request(null)).setCookie()).containsExactly("srv=" + A + "; Path=/");
    assertThat(run(chain, Map.of(), request(null)).setCookie()).containsExactly("srv=app-2; Path=/");
    assertThat(run(chain, Map.of(), request(null, "srv=app-2")).servedBy()).isEqualTo(B);
    assertThat(run(chain, Map.of(), request(null, "srv=" + S2)).setCookie()).hasSize(1);
  }

  @Test
  void closingTheBalancerClosesTheChainBuiltBeforeIt() {
    TestChains.Chain plain = TestChains.build("upstream u {\n  server " + A + ";\n}\n", new TestChains.Clock(0));
    boolean[] closed = {false};
    Balancer before = new Balancer() {
      @Override
      public Selection select(RequestView request) {
        return plain.balancer().select(request);
      }

      @Override
      public PeerGroup peers() {
        return plain.peers();
      }

      @Override
      public void close() {
        closed[0] = true;
      }
    };
    new SessionStickyBalancer(before, (RoundRobin) plain.balancer(), plain.peers(), "u", StickyCookiesTest.config(),
        new TestChains.Clock(0)).close();
    assertThat(closed[0]).isTrue();
  }
}
