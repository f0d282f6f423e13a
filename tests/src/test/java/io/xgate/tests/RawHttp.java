package io.xgate.tests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** HTTP/1.x as raw bytes on a loopback socket, for requests no well-behaved client would send. */
final class RawHttp {

  private RawHttp() {
  }

  /**
   * Writes {@code raw} to {@code 127.0.0.1:port} and returns what comes back until the peer closes the connection
   * (or resets it, or stays silent for 5 s).
   */
  static String exchange(int port, String raw) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) >= 0; ) {
          got.write(buf, 0, n);
        }
      } catch (SocketException | SocketTimeoutException e) {
        // reset or stalled after the answer: what was read is the answer
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** A loopback port free at the time of the call. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
