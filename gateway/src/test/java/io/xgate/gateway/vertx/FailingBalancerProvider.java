package io.xgate.gateway.vertx;

import io.xgate.spi.Balancer;
import io.xgate.spi.BalancerProvider;
import io.xgate.spi.ConfigOrError;
import io.xgate.spi.Directive;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerGroup;
import io.xgate.spi.RequestView;
import io.xgate.spi.Selection;
import io.xgate.spi.UpstreamContext;

/**
 * A buggy third-party balancer for tests: {@code test_failing next|report;} throws from {@link Selection#next()} or
 * from {@link Selection#report} (after passing the report on). Found through ServiceLoader like any plugin.
 */
public final class FailingBalancerProvider extends BalancerProvider {

  @Override
  public String policyName() {
    return "test_failing";
  }

  @Override
  public ConfigOrError<?> parseConfig(Directive d) {
    if (d.args().size() != 1 || !(d.args().get(0).equals("next") || d.args().get(0).equals("report"))) {
      return ConfigOrError.error(d.error("\"test_failing\" takes next or report"));
    }
    return ConfigOrError.of(d.args().get(0));
  }

  @Override
  public Balancer newBalancer(UpstreamContext upstream, Object config) {
    boolean onNext = config.equals("next");
    Balancer base = upstream.base();
    return new Balancer() {
      @Override
      public Selection select(RequestView request) {
        Selection s = base.select(request);
        return new Selection() {
          @Override
          public Peer next() {
            if (onNext) {
              throw new IllegalStateException("plugin bug in next()");
            }
            return s.next();
          }

          @Override
          public void report(Peer peer, Outcome outcome) {
            s.report(peer, outcome);
            if (!onNext) {
              throw new IllegalStateException("plugin bug in report()");
            }
          }

          @Override
          public int tries() {
            return s.tries();
          }
        };
      }

      @Override
      public PeerGroup peers() {
        return base.peers();
      }
    };
  }
}
