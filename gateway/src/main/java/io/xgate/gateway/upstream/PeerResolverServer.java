package io.xgate.gateway.upstream;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import io.xgate.gateway.config.Listen;
import io.xgate.spi.Outcome;
import io.xgate.spi.Peer;
import io.xgate.spi.PeerLease;
import io.xgate.spi.RequestView;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/**
 * {@code upstream_by_bgn_listen ADDR:PORT;}: peer selection over a plain TCP line protocol, for caches that used to
 * ask a separate "detect" process for an origin address. One command per line, one answer line each:
 *
 * <pre>
 * RESOLVE upstream [key]                  -> ip:port           the pick is ended at once as a success
 * LEASE upstream [key]                    -> ip:port lease-id  the pick stays open until reported (or times out)
 * REPORT lease-id ok|failed|timeout [next] -> OK, or ip:port lease-id for the next peer after a failure
 * </pre>
 *
 * Errors answer {@code ERR reason}. The key stands for every variable the upstream's balancer reads
 * ({@code $request_uri}, {@code $remote_addr}, ...), as in the Vert.x adapter; without one, the balancer sees no
 * request (round robin and least_conn need none). Leases are the same as {@code upstream_by_bgn}'s HTTP ones
 * ({@link LeaseRegistry}): their outcomes feed {@code max_fails} and least_conn's counts.
 */
public final class PeerResolverServer {

  /** Longest command line accepted. */
  static final int MAX_LINE = 4096;

  private final NetServer server;

  private PeerResolverServer(NetServer server) {
    this.server = server;
  }

  /**
   * Starts listening on {@code listen}.
   *
   * @param leaseTimeoutMs the timeout of a {@code LEASE} nobody reports
   */
  public static Future<PeerResolverServer> start(Vertx vertx, Listen listen, LeaseRegistry leases,
      LongSupplier leaseTimeoutMs) {
    NetServer server = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true));
    server.connectHandler(socket -> serve(socket, leases, leaseTimeoutMs));
    return server.listen(listen.port(), listen.host()).map(s -> new PeerResolverServer(server));
  }

  /** The bound port. */
  public int port() {
    return server.actualPort();
  }

  public Future<Void> close() {
    return server.close();
  }

  private static void serve(NetSocket socket, LeaseRegistry leases, LongSupplier leaseTimeoutMs) {
    RecordParser lines = RecordParser.newDelimited("\n", socket).maxRecordSize(MAX_LINE);
    // a line too long while it is still arriving fails the parser; one that arrived whole is checked here
    lines.exceptionHandler(e -> refuseLongLine(socket));
    lines.handler(line -> {
      if (line.length() > MAX_LINE) {
        refuseLongLine(socket);
      } else {
        socket.write(answer(line, leases, leaseTimeoutMs.getAsLong()) + "\n");
      }
    });
  }

  private static void refuseLongLine(NetSocket socket) {
    socket.write("ERR line longer than " + MAX_LINE + " bytes\n");
    socket.close();
  }

  /** The answer to one command line (without its newline). */
  static String answer(Buffer line, LeaseRegistry leases, long leaseTimeoutMs) {
    String text = line.toString(StandardCharsets.ISO_8859_1);   // a key's bytes, hashed as they came
    if (text.endsWith("\r")) {
      text = text.substring(0, text.length() - 1);
    }
    String[] words = text.trim().split("\\s+", 3);
    String command = words[0];
    try {
      switch (command) {
        case "RESOLVE":
        case "LEASE":
          if (words.length < 2) {
            return "ERR usage: " + command + " upstream [key]";
          }
          String key = words.length > 2 ? words[2] : null;
          PeerLease lease = leases.select(words[1], key == null ? RequestView.NONE : name -> key, leaseTimeoutMs);
          Peer p = lease.peer();
          if (p == null) {
            return "ERR no live upstreams in upstream \"" + lease.upstream() + "\"";
          }
          if (command.equals("RESOLVE")) {
            lease.report(Outcome.SUCCESS, -1);
            lease.close();
            return address(p);
          }
          return address(p) + " " + lease.id();
        case "REPORT":
          return report(text.trim().split("\\s+"), leases);
        default:
          return "ERR unknown command \"" + command + "\"";
      }
    } catch (IllegalArgumentException | IllegalStateException e) {   // no such upstream; a balancer plugin's bug
      return "ERR " + e.getMessage();
    }
  }

  private static String report(String[] words, LeaseRegistry leases) {
    if (words.length < 3 || words.length > 4 || (words.length == 4 && !words[3].equals("next"))) {
      return "ERR usage: REPORT lease-id ok|failed|timeout [next]";
    }
    PeerLease lease = leases.find(words[1]);
    if (lease == null) {
      return "ERR unknown, closed or expired lease";
    }
    Outcome outcome = LeaseRegistry.outcome(words[2]);
    if (outcome == null) {
      return "ERR outcome must be ok, failed or timeout";
    }
    lease.report(outcome, -1);
    if (outcome == Outcome.FAILURE && words.length == 4) {
      Peer next = lease.next();
      if (next == null) {
        lease.close();
        return "ERR no live upstreams in upstream \"" + lease.upstream() + "\"";
      }
      return address(next) + " " + lease.id();
    }
    lease.close();
    return "OK";
  }

  private static String address(Peer p) {
    return p.host().indexOf(':') >= 0 ? "[" + p.host() + "]:" + p.port() : p.host() + ":" + p.port();
  }
}
