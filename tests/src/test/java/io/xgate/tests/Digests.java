package io.xgate.tests;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Body fingerprints, for checking that bytes arrive intact. */
final class Digests {

  private Digests() {
  }

  /** The SHA-256 of {@code bytes}, in lower-case hex. */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);   // every JDK has SHA-256
    }
  }
}
