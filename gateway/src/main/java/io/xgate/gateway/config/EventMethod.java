package io.xgate.gateway.config;

import io.vertx.core.transport.Transport;
import java.util.List;

/**
 * How the event loops learn that sockets are ready: the {@code events} block's {@code use} directive, as in nginx,
 * over the transports Netty (through Vert.x) offers. Without {@code use}, xgate takes the first of
 * {@link #PREFERENCE} this machine supports, and Java NIO when it supports none, as nginx picks "the most
 * efficient method" it was built with.
 *
 * <p>io_uring comes first: on a loopback proxy benchmark it took a quarter less CPU per proxied request than
 * epoll (fewer system calls: a request's reads and writes are submitted to the kernel together), see
 * BENCHMARKS.md. {@code io_uring} is not one of nginx's methods; the others are nginx's names.
 */
public enum EventMethod {
  IO_URING("io_uring", Transport.IO_URING),
  EPOLL("epoll", Transport.EPOLL),
  KQUEUE("kqueue", Transport.KQUEUE);

  /** The order in which the methods are tried when the config names none. */
  public static final List<EventMethod> PREFERENCE = List.of(IO_URING, EPOLL, KQUEUE);

  private final String directiveValue;
  private final Transport transport;

  EventMethod(String directiveValue, Transport transport) {
    this.directiveValue = directiveValue;
    this.transport = transport;
  }

  /** The method {@code use VALUE;} names, or {@code null}. */
  static EventMethod named(String value) {
    for (EventMethod m : values()) {
      if (m.directiveValue.equals(value)) {
        return m;
      }
    }
    return null;
  }

  /** The Vert.x transport that implements this method ({@code null} when Netty's classes for it are missing). */
  public Transport transport() {
    return transport;
  }

  /** Whether this machine and the jar's native libraries support the method. */
  public boolean available() {
    return transport != null && transport.available();
  }

  /** Why the method is not available, or {@code null} when it is. */
  public String unavailabilityCause() {
    if (transport == null) {
      return "Netty's classes for it are not on the class path";
    }
    Throwable cause = transport.unavailabilityCause();
    return cause == null ? null : String.valueOf(cause.getMessage() != null ? cause.getMessage() : cause);
  }

  /** The transport for {@code configured}, or for the first available method of {@link #PREFERENCE}, or NIO. */
  public static Transport transportFor(EventMethod configured) {
    if (configured != null) {
      return configured.transport;
    }
    for (EventMethod m : PREFERENCE) {
      if (m.available()) {
        return m.transport;
      }
    }
    return Transport.NIO;
  }

  /** The value of {@code use} that names this method. */
  @Override
  public String toString() {
    return directiveValue;
  }
}
