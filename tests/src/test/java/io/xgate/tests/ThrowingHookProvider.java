package io.xgate.tests;

import io.vertx.core.MultiMap;
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
 * A buggy third-party balancer for tests: {@code test_throwing_hook request|response|next|report;} throws from the
 * named header hook, from {@link Selection#next()} or from {@link Selection#report}. Found through ServiceLoader like any plugin (test resources' META-INF/services).
 */
public final class ThrowingHookProvider extends BalancerProvider {

  @Override
  public String policyName() {
    return "test_throwing_hook";
  }

  @Override
  public ConfigOrError<?> parseConfig(Directive d) {
    if (d.args().size() != 1 || !java.util.Set.of("request", "response", "next", "report").contains(d.args().get(0))) {
      return ConfigOrError.error(d.error("\"test_throwing_hook\" takes request, response, next or report"));
    }
    return ConfigOrError.of(d.args().get(0));
  }

  @Override
  public Balancer newBalancer(UpstreamContext upstream, Object config) {
    boolean onRequest = config.equals("request");
    boolean onNext = config.equals("next");
    boolean onReport = config.equals("report");
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
            if (onReport) {
              throw new IllegalStateException("plugin bug in report()");
            }
          }

          @Override
          public int tries() {
            return s.tries();
          }

          @Override
          public void onRequestHeaders(Peer peer, MultiMap headers) {
            if (onRequest) {
              throw new IllegalStateException("plugin bug in the request hook");
            }
          }

          @Override
          public void onResponseHeaders(Peer peer, int status, MultiMap headers) {
            if (config.equals("response")) {
              throw new IllegalStateException("plugin bug in the response hook");
            }
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
