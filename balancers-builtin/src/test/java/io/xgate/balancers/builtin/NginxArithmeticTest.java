package io.xgate.balancers.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import io.xgate.spi.ConfigOrError;
import io.xgate.spi.Directive;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.Selection;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each algorithm's arithmetic against values worked out by hand from nginx's rules, so a failure names the step. */
class NginxArithmeticTest {

  private final FakeTime time = new FakeTime(1_700_000_000_000L);

  @Test
  void hashStepIsTheMemcachedCrc32Slice() {
    byte[] key = "/v/item/0?q=474354".getBytes(StandardCharsets.US_ASCII);
    assertThat(NginxHash.crc32(key)).isEqualTo(0x87835cf7L);
    assertThat(NginxHash.memcachedStep(key, 0)).isEqualTo(1923);        // (0x87835cf7 >> 16) & 0x7fff
    assertThat(NginxHash.memcachedStep(key, 1)).isEqualTo(22708);       // crc32("1" + key)
  }

  @Test
  void hashWalksTheWeightSpace() {
    // weights 1,2,3,1: 1923 % 7 = 5 falls in [3, 6), the third server
    var u = TestUpstreams.build("upstream u {\nhash $request_uri;\nserver 10.0.0.1:1;\nserver 10.0.0.1:2 weight=2;\n"
        + "server 10.0.0.1:3 weight=3;\nserver 10.0.0.1:4;\n}", time);
    assertThat(u.balancer().select(TestRequest.get("/v/item/0?q=474354")).next().name()).isEqualTo("10.0.0.1:3");
  }

  @Test
  void hashRehashAddsTheNextStepToThePreviousValue() {
    // same key; the third server is down: (1923 + 22708) % 7 = 5 again, still the third; then step 2
    var u = TestUpstreams.build("upstream u {\nhash $request_uri;\nserver 10.0.0.1:1;\nserver 10.0.0.1:2 weight=2;\n"
        + "server 10.0.0.1:3 weight=3 down;\nserver 10.0.0.1:4;\n}", time);
    byte[] key = "/v/item/0?q=474354".getBytes(StandardCharsets.US_ASCII);
    long h = 1923 + 22708;
    int rehash = 2;
    int owner;
    long[] ends = {1, 3, 6, 7};
    do {
      h += NginxHash.memcachedStep(key, rehash++);
      long w = h % 7;
      owner = 0;
      while (w >= ends[owner]) {
        owner++;
      }
    } while (owner == 2);
    assertThat(u.balancer().select(TestRequest.get("/v/item/0?q=474354")).next().name())
        .isEqualTo("10.0.0.1:" + (owner + 1));
  }

  @Test
  void ketamaPointsChainCrc32OfHostNulPortAndThePreviousPoint() {
    int[] points = KetamaRing.points("127.0.0.1:19021", 2);
    assertThat(points[0] & 0xffffffffL).isEqualTo(1801265665L);   // crc32("127.0.0.1\0" "19021" 00 00 00 00)
    assertThat(points[1] & 0xffffffffL).isEqualTo(1029524515L);   // crc32(... little-endian points[0])
  }

  @Test
  void ketamaRingHas160PointsPerWeightAndFindsTheFirstPointAtOrAbove() {
    var u = TestUpstreams.build("upstream u {\nserver 127.0.0.1:19021;\nserver 127.0.0.1:19022 weight=2;\n}", time);
    KetamaRing ring = new KetamaRing(u.peers());
    assertThat(ring.size()).isEqualTo(480);
    long p = ring.hashAt(7);
    assertThat(ring.find(p)).isEqualTo(7);
    assertThat(ring.find(p + 1)).isEqualTo(8);
    assertThat(ring.find(0xffffffffL)).isEqualTo(480);
    for (int i = 1; i < ring.size(); i++) {
      assertThat(ring.hashAt(i)).isGreaterThan(ring.hashAt(i - 1));
    }
  }

  @Test
  void ipHashFoldsThreeOctetsFrom89() {
    byte[] addr = IpHashBalancer.addressBytes("127.195.170.60");
    assertThat(addr).containsExactly(127, (byte) 195, (byte) 170);
    // (89*113+127)%6271 = 3913; (3913*113+195)%6271 = 3394; (3394*113+170)%6271 = 1161
    assertThat(NginxHash.ipHashStep(89, addr)).isEqualTo(1161);
    // weights 1,3,2,1: 1161 % 7 = 6, the fourth server
    var u = TestUpstreams.build("upstream u {\nip_hash;\nserver 10.0.0.1:1;\nserver 10.0.0.1:2 weight=3;\n"
        + "server 10.0.0.1:3 weight=2;\nserver 10.0.0.1:4;\n}", time);
    assertThat(u.balancer().select(TestRequest.from("127.195.170.60")).next().name()).isEqualTo("10.0.0.1:4");
    assertThat(u.balancer().select(TestRequest.from("127.195.170.1")).next().name()).isEqualTo("10.0.0.1:4");
  }

  @Test
  void ipHashUsesAllSixteenBytesOfIpv6() {
    assertThat(IpHashBalancer.addressBytes("2001:db8::1")).hasSize(16).endsWith(0, 1).startsWith(0x20, 0x01, 0x0d,
        (byte) 0xb8);
    assertThat(IpHashBalancer.addressBytes("::ffff:10.1.2.3")).hasSize(16).endsWith(10, 1, 2, 3);
  }

  @Test
  void leastConnComparesConnsTimesWeightAndBreaksTiesBySmoothRoundRobin() {
    var u = TestUpstreams.build("upstream u {\nleast_conn;\nserver 10.0.0.1:1 weight=3;\nserver 10.0.0.1:2;\n"
        + "server 10.0.0.1:3;\n}", time);
    // all idle: a tie of all three, smooth weighted round robin 3,1,1 decides
    Selection a = u.balancer().select(TestRequest.get("/"));
    assertThat(a.next().name()).isEqualTo("10.0.0.1:1");
    // 1 holds one connection: 1*1 vs 0*3 -> 2 and 3 tie at 0
    Selection b = u.balancer().select(TestRequest.get("/"));
    assertThat(b.next().name()).isEqualTo("10.0.0.1:2");
    // 1: 1 conn weight 3, 2: 1 conn weight 1, 3: 0 -> 3 alone
    Selection c = u.balancer().select(TestRequest.get("/"));
    Peer third = c.next();
    assertThat(third.name()).isEqualTo("10.0.0.1:3");
    // 1*1 < 1*3: peer 1 (1 conn, weight 3) beats 2 and 3 (1 conn, weight 1) without a tie
    Selection d = u.balancer().select(TestRequest.get("/"));
    assertThat(d.next().name()).isEqualTo("10.0.0.1:1");
    for (Selection s : List.of(a, b, c, d)) {
      assertThat(s.tries()).isEqualTo(3);
    }
    c.report(third, Outcome.SUCCESS);
  }

  @Test
  void directivesAreValidatedWithNginxWording() {
    assertThat(error(new HashProvider().parseConfig(d("hash")))).isEqualTo(
        "invalid number of arguments in \"hash\" directive in x.conf:3");
    assertThat(error(new HashProvider().parseConfig(d("hash", "$uri", "ketama")))).isEqualTo(
        "invalid parameter \"ketama\" in x.conf:3");
    assertThat(error(new HashProvider().parseConfig(d("hash", "${uri")))).startsWith("the closing bracket");
    assertThat(new HashProvider().parseConfig(d("hash", "$arg_user$http_x_tenant", "consistent")).isError()).isFalse();
    assertThat(error(new IpHashProvider().parseConfig(d("ip_hash", "x")))).isEqualTo(
        "invalid number of arguments in \"ip_hash\" directive in x.conf:3");
    assertThat(error(new LeastConnProvider().parseConfig(d("least_conn", "x")))).contains("invalid number");
    assertThat(error(new RandomProvider().parseConfig(d("random", "three")))).isEqualTo(
        "invalid parameter \"three\" in x.conf:3");
    assertThat(error(new RandomProvider().parseConfig(d("random", "two", "least_time")))).isEqualTo(
        "invalid parameter \"least_time\" in x.conf:3");
    assertThat(new RandomProvider().parseConfig(d("random", "two", "least_conn")).isError()).isFalse();
    assertThat(new HashProvider().supportsBackup()).isFalse();
    assertThat(new IpHashProvider().supportsBackup()).isFalse();
    assertThat(new RandomProvider().supportsBackup()).isFalse();
    assertThat(new LeastConnProvider().supportsBackup()).isTrue();
  }

  @Test
  void providersAreFoundByServiceLoader() {
    for (String name : List.of("round_robin", "hash", "ip_hash", "least_conn", "random")) {
      assertThat(TestUpstreams.REGISTRY.provider(name)).as(name).isNotNull();
    }
  }

  private static Directive d(String name, String... args) {
    return new Directive(name, List.of(args), "x.conf", 3);
  }

  private static String error(ConfigOrError<?> c) {
    assertThat(c.isError()).isTrue();
    return c.error().getMessage();
  }
}
