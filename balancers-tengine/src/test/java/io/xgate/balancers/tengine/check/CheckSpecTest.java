package io.xgate.balancers.tengine.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xgate.spi.ConfigException;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.Directive;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code check} and its companions read as Tengine reads them, and bad values fail with {@code file:line}. */
class CheckSpecTest {

  private static Directive d(String name, String... args) {
    return new Directive(name, List.of(args), "/etc/xgate/xgate.conf", 7);
  }

  @Test
  void defaultsAreTengines() throws ConfigException {
    CheckSpec s = CheckSpec.parse(d("check", "interval=3000"), List.of());
    assertThat(s).isEqualTo(new CheckSpec(CheckSpec.Type.TCP, 3000, 2, 5, 1000, true, 0,
        "GET / HTTP/1.0\r\n\r\n", CheckSpec.HTTP_2XX | CheckSpec.HTTP_3XX, 1));
  }

  @Test
  void theRecordedCheckWithItsCompanions() throws ConfigException {
    CheckSpec s = CheckSpec.parse(d("check", "interval=500", "rise=2", "fall=3", "timeout=300", "type=http"),
        List.of(d("check_http_send", "HEAD / HTTP/1.0\r\n\r\n"), d("check_http_expect_alive", "http_2xx", "http_3xx"),
            d("check_keepalive_requests", "100")));
    assertThat(s).isEqualTo(new CheckSpec(CheckSpec.Type.HTTP, 500, 2, 3, 300, true, 0, "HEAD / HTTP/1.0\r\n\r\n",
        CheckSpec.HTTP_2XX | CheckSpec.HTTP_3XX, 100));
    CheckSpec tcp = CheckSpec.parse(d("check", "interval=1000", "rise=1", "fall=2", "timeout=300", "type=tcp",
        "port=19421", "default_down=false"), List.of());
    assertThat(tcp.port()).isEqualTo(19421);
    assertThat(tcp.defaultDown()).isFalse();
  }

  @Test
  void aliveIsTheStatusClassAgainstTheExpectedOnes() throws ConfigException {
    CheckSpec s = CheckSpec.parse(d("check", "type=http"), List.of(d("check_http_expect_alive", "http_4xx")));
    assertThat(s.alive(404)).isTrue();
    assertThat(s.alive(499)).isTrue();
    assertThat(s.alive(200)).isFalse();
    assertThat(s.alive(503)).isFalse();
    assertThat(s.alive(99)).isFalse();
    assertThat(s.alive(600)).isFalse();
  }

  @Test
  void badValuesAreConfigErrorsWithTheirPlace() {
    assertThatThrownBy(() -> CheckSpec.parse(d("check", "interval=0"), List.of()))
        .hasMessage("invalid parameter \"interval=0\" in /etc/xgate/xgate.conf:7");
    assertThatThrownBy(() -> CheckSpec.parse(d("check", "type=smtp"), List.of()))
        .hasMessage("invalid parameter \"type=smtp\" in /etc/xgate/xgate.conf:7");
    assertThatThrownBy(() -> CheckSpec.parse(d("check", "type=mysql"), List.of()))
        .hasMessage("check type \"mysql\" is not supported yet in /etc/xgate/xgate.conf:7");
    assertThatThrownBy(() -> CheckSpec.parse(d("check", "default_down=yes"), List.of()))
        .hasMessageStartingWith("invalid parameter \"default_down=yes\"");
    assertThatThrownBy(() -> CheckSpec.parse(d("check"), List.of()))
        .hasMessageStartingWith("invalid number of arguments in \"check\" directive");
    assertThatThrownBy(() -> CheckSpec.parse(d("check", "type=http"), List.of(d("check_http_expect_alive", "2xx"))))
        .hasMessageStartingWith("invalid value \"2xx\" in \"check_http_expect_alive\" directive");
    assertThatThrownBy(() -> CheckSpec.parse(d("check", "type=http"),
        List.of(d("check_http_send", "A"), d("check_http_send", "B"))))
        .hasMessageStartingWith("\"check_http_send\" directive is duplicate");
    assertThatThrownBy(() -> CheckSpec.parse(d("check", "type=http"), List.of(d("check_keepalive_requests", "0"))))
        .hasMessageStartingWith("invalid value \"0\" in \"check_keepalive_requests\" directive");
  }

  @Test
  void theProviderOwnsTheCompanionsAndReturnsErrorsInsteadOfThrowing() {
    CheckProvider p = new CheckProvider();
    assertThat(p.policyName()).isEqualTo("check");
    assertThat(p.companionDirectives())
        .containsExactlyInAnyOrder("check_http_send", "check_http_expect_alive", "check_keepalive_requests");
    ConfigOrError<?> bad = p.parseConfig(d("check", "rise=x"), List.of());
    assertThat(bad.isError()).isTrue();
    assertThat(bad.error().line()).isEqualTo(7);
  }

  @Test
  void statusLinesAreReadAsTengineReadsThem() {
    assertThat(Prober.statusCode("HTTP/1.0 200 OK\r")).isEqualTo(200);
    assertThat(Prober.statusCode("HTTP/1.1 503\r")).isEqualTo(503);
    assertThat(Prober.statusCode("HTTP/1.1 302 Found")).isEqualTo(302);
    assertThat(Prober.statusCode("SSH-2.0-OpenSSH\r")).isEqualTo(-1);
    assertThat(Prober.statusCode("HTTP/1.1 2000 Nope\r")).isEqualTo(-1);
    assertThat(Prober.statusCode("HTTP/1.1 OK\r")).isEqualTo(-1);
  }
}
