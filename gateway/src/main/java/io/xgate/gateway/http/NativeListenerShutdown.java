package io.xgate.gateway.http;

import io.netty.channel.Channel;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Locale;

/**
 * Shuts the listening sockets down in native code the instant {@code SIGTERM} arrives, before the JVM's Java
 * signal handler runs (see {@code src/main/c/xgate_listener_shutdown.c}).
 *
 * <p>Why: nginx stops accepting as soon as it gets {@code SIGTERM}. The JVM runs a Java signal handler on a thread
 * it starts for each signal; on a loaded two-CPU machine that thread often starts 2-4 ms late, and a process exit
 * releases sockets only after tearing down the JVM's memory, which takes longer still. Tools that stop one proxy
 * and at once start the next on the same port (the golden replay does, about 1.5 ms apart) see the old one still
 * accepting. The native handler shuts the sockets down within microseconds, then passes the signal on to the
 * JVM, whose Java handler finishes the fast shutdown as before.
 *
 * <p>The library is built when the build machine has a C compiler (the {@code native-listener-shutdown} profile)
 * and only works with the native transports (io_uring, epoll), which expose the sockets' descriptors. Without
 * either, {@link #available()} is false and the Java handler alone closes the listeners.
 */
public final class NativeListenerShutdown {

  private static final String LIBRARY = "/META-INF/native/libxgate_listener_shutdown_"
      + System.getProperty("os.arch", "").toLowerCase(Locale.ROOT) + ".so";
  private static final boolean LOADED = load();

  private NativeListenerShutdown() {
  }

  /** Whether the native library is loaded for this platform. */
  public static boolean available() {
    return LOADED;
  }

  /**
   * Makes {@code listeners} the sockets to shut down on {@code SIGTERM}, replacing the previous set. Call it after
   * the JVM's own {@code SIGTERM} handler is registered, which the native handler passes the signal on to.
   *
   * @return false when the library is not available or a listener has no native descriptor (NIO transport)
   */
  public static synchronized boolean arm(Collection<Channel> listeners) {
    if (!LOADED) {
      return false;
    }
    int[] fds = new int[listeners.size()];
    int n = 0;
    for (Channel ch : listeners) {
      if (!(ch instanceof UnixChannel unix)) {
        return false;
      }
      if (ch.isOpen()) {
        fds[n++] = unix.fd().intValue();
      }
    }
    return arm0(java.util.Arrays.copyOf(fds, n));
  }

  private static native boolean arm0(int[] fds);

  private static boolean load() {
    try (InputStream in = NativeListenerShutdown.class.getResourceAsStream(LIBRARY)) {
      if (in == null) {
        return false;
      }
      Path copy = Files.createTempFile("xgate-listener-shutdown", ".so");
      try {
        Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
        System.load(copy.toString());
      } finally {
        Files.deleteIfExists(copy);   // the loaded library stays mapped
      }
      return true;
    } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
      return false;
    }
  }
}
