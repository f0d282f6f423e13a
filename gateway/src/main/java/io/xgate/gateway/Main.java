package io.xgate.gateway;

import io.xgate.gateway.config.ConfigLoader;
import io.xgate.gateway.config.GatewayConfig;
import io.xgate.gateway.http.NativeListenerShutdown;
import io.xgate.gateway.upstream.UpstreamRegistry;
import io.xgate.spi.BalancerRegistry;
import io.xgate.spi.ConfigException;
import io.xgate.spi.TimeSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The command line, nginx style:
 * {@code java -jar xgate.jar [-c FILE] [-p PREFIX] [-t] [-s reload|stop|quit] [-v] [-h]}.
 */
public final class Main {

  static final String VERSION = "0.1.0";
  private static final String NAME = "xgate";

  private Main() {
  }

  public static void main(String[] args) {
    nettyDefaults();
    System.exit(run(args));
  }

  /**
   * Netty settings of the gateway process, set before any Netty class reads them; an operator's own {@code -D}
   * wins. The buffer allocator is Netty's pooled one: Netty 4.2's default adaptive allocator does not pool a read
   * buffer past its size classes and allocated a new zeroed direct buffer for most 64 KiB reads from an origin,
   * which cut the 64 KiB proxy benchmark by 40 % and gave it a 140 ms p99 (BENCHMARKS.md). Netty may use the
   * JDK's internals the jar's manifest opens to it ({@code Add-Exports: java.base/jdk.internal.misc},
   * {@code Add-Opens: java.base/java.nio}): Vert.x copies every piece of an origin's body into a new heap array,
   * which the JVM would otherwise zero first.
   */
  static void nettyDefaults() {
    if (System.getProperty("io.netty.allocator.type") == null) {
      System.setProperty("io.netty.allocator.type", "pooled");
    }
    if (System.getProperty("io.netty.tryReflectionSetAccessible") == null) {
      System.setProperty("io.netty.tryReflectionSetAccessible", "true");
    }
  }

  static int run(String[] args) {
    Path conf = Path.of("conf/xgate.conf");
    Path prefix = Path.of("").toAbsolutePath();
    boolean test = false;
    String signal = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "-c":
          if (++i >= args.length) {
            return usage("option \"-c\" requires file name");
          }
          conf = Path.of(args[i]);
          break;
        case "-p":
          if (++i >= args.length) {
            return usage("option \"-p\" requires directory name");
          }
          prefix = Path.of(args[i]).toAbsolutePath();
          break;
        case "-t":
        case "-T":
          test = true;
          break;
        case "-s":
          if (++i >= args.length) {
            return usage("option \"-s\" requires parameter");
          }
          signal = args[i];
          break;
        case "-v":
        case "-V":
          System.err.println(NAME + " version: " + NAME + "/" + VERSION + " (Vert.x " + vertxVersion() + ", Java "
              + Runtime.version() + ")");
          return 0;
        case "-h":
        case "-?":
          usage(null);
          return 0;
        default:
          return usage("invalid option: \"" + a + "\"");
      }
    }
    if (!conf.isAbsolute()) {
      conf = prefix.resolve(conf);
    }
    if (test) {
      return testConfig(conf, prefix);
    }
    if (signal != null) {
      return signal(conf, prefix, signal);
    }
    return serve(conf, prefix);
  }

  private static int usage(String error) {
    if (error != null) {
      System.err.println(NAME + ": " + error);
    }
    System.err.println("Usage: java -jar xgate.jar [-?hvVtT] [-s signal] [-p prefix] [-c filename]\n\n"
        + "Options:\n"
        + "  -?,-h         : this help\n"
        + "  -v,-V         : show version and exit\n"
        + "  -t,-T         : test configuration and exit\n"
        + "  -s signal     : send signal to a running gateway: stop, quit, reload\n"
        + "  -p prefix     : set prefix path (default: the current directory)\n"
        + "  -c filename   : set configuration file (default: conf/xgate.conf)");
    return error == null ? 0 : 1;
  }

  private static GatewayConfig load(Path conf, Path prefix) throws ConfigException {
    BalancerRegistry providers = BalancerRegistry.loadDefault();
    GatewayConfig config = new ConfigLoader(providers, prefix).load(conf);
    // building the balancers also runs every provider against its upstream
    UpstreamRegistry.build(config, providers, TimeSource.SYSTEM, null).close();
    return config;
  }

  private static int testConfig(Path conf, Path prefix) {
    try {
      for (String warning : load(conf, prefix).warnings()) {
        System.err.println(NAME + ": [warn] " + warning);
      }
    } catch (ConfigException e) {
      System.err.println(NAME + ": [emerg] " + e.getMessage());
      System.err.println(NAME + ": configuration file " + conf + " test failed");
      return 1;
    }
    System.err.println(NAME + ": the configuration file " + conf + " syntax is ok");
    System.err.println(NAME + ": configuration file " + conf + " test is successful");
    return 0;
  }

  private static int signal(Path conf, Path prefix, String signal) {
    String sig;
    switch (signal) {
      case "reload": sig = "HUP"; break;
      case "stop": sig = "TERM"; break;
      case "quit": sig = "WINCH"; break;   // the JVM keeps SIGQUIT for thread dumps
      case "reopen": sig = "USR1"; break;
      default:
        return usage("invalid option: \"-s " + signal + "\"");
    }
    GatewayConfig config;
    try {
      config = new ConfigLoader(BalancerRegistry.loadDefault(), prefix).load(conf);
    } catch (ConfigException e) {
      System.err.println(NAME + ": [emerg] " + e.getMessage());
      return 1;
    }
    if (config.pidPath() == null) {
      System.err.println(NAME + ": [error] no \"pid\" file is configured in " + conf);
      return 1;
    }
    String pid;
    try {
      pid = Files.readString(Path.of(config.pidPath())).trim();
    } catch (IOException e) {
      System.err.println(NAME + ": [error] open() \"" + config.pidPath() + "\" failed (" + e.getMessage() + ")");
      return 1;
    }
    try {
      Process p = new ProcessBuilder("kill", "-" + sig, pid).inheritIO().start();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        System.err.println(NAME + ": [error] kill(" + pid + ", " + sig + ") failed");
        return 1;
      }
    } catch (IOException | InterruptedException e) {
      System.err.println(NAME + ": [error] kill(" + pid + ", " + sig + ") failed (" + e.getMessage() + ")");
      return 1;
    }
    return 0;
  }

  /**
   * Sends this process one harmless signal ({@code SIGCONT}, which only resumes a stopped process) and waits for
   * its Java handler, so that the JVM's signal dispatch path is loaded before it matters: the first dispatch costs
   * milliseconds, and {@code SIGTERM} must release the listening ports within about one.
   */
  private static void warmSignalDispatch() {
    Signal cont = new Signal("CONT");
    CountDownLatch dispatched = new CountDownLatch(1);
    try {
      SignalHandler previous = Signal.handle(cont, s -> dispatched.countDown());
      Signal.raise(cont);
      dispatched.await(1, TimeUnit.SECONDS);
      Signal.handle(cont, previous);
    } catch (IllegalArgumentException e) {
      // the JVM keeps SIGCONT to itself here: nothing to warm
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int serve(Path conf, Path prefix) {
    Gateway gw;
    try {
      gw = Gateway.prepare(conf, prefix).toCompletionStage().toCompletableFuture().join();
    } catch (RuntimeException e) {
      return emerg(e);
    }
    // the process's own start-up work is done before the ports open, not while the first requests wait on it
    CountDownLatch stopped = new CountDownLatch(1);
    Signal.handle(new Signal("HUP"), s -> gw.reload());
    Runnable stop = () -> {
      gw.stop().toCompletionStage().toCompletableFuture().join();
      gw.removePidFile();
      stopped.countDown();
    };
    Runnable quit = () -> {
      gw.quit(30_000).toCompletionStage().toCompletableFuture().join();
      gw.removePidFile();
      stopped.countDown();
    };
    Signal.handle(new Signal("TERM"), s -> gw.haltNow());
    Signal.handle(new Signal("INT"), s -> new Thread(stop, "xgate-stop").start());
    Signal.handle(new Signal("WINCH"), s -> new Thread(quit, "xgate-quit").start());
    warmSignalDispatch();
    NativeListenerShutdown.available();   // loads the library
    try {
      gw.listen().toCompletionStage().toCompletableFuture().join();
    } catch (RuntimeException e) {
      return emerg(e);
    }
    if (gw.armNativeListenerShutdown()) {
      gw.errorLog().info("SIGTERM shuts the listening sockets down natively");
    }
    try {
      gw.writePidFile();   // as nginx's: once the ports are open
    } catch (IOException e) {
      System.err.println(NAME + ": [emerg] writing the pid file failed: " + e.getMessage());
      gw.stop();
      return 1;
    }
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static int emerg(RuntimeException e) {
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    System.err.println(NAME + ": [emerg] " + cause.getMessage());
    return 1;
  }

  private static String vertxVersion() {
    Package p = io.vertx.core.Vertx.class.getPackage();
    return p.getImplementationVersion() != null ? p.getImplementationVersion() : "5";
  }
}
