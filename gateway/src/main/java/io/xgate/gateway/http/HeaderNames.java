package io.xgate.gateway.http;

import io.netty.util.AsciiString;

/**
 * The names of the headers xgate writes itself, spelled as nginx writes them ({@code Content-Length}, not Vert.x's
 * and Netty's lower-case constants). Header names are case-insensitive, but operators read them, and some clients
 * and origins compare them as written: what xgate adds looks like what nginx adds, and what it passes on keeps the
 * sender's spelling.
 */
public final class HeaderNames {

  public static final AsciiString CONNECTION = AsciiString.cached("Connection");
  public static final AsciiString CONTENT_LENGTH = AsciiString.cached("Content-Length");
  public static final AsciiString CONTENT_TYPE = AsciiString.cached("Content-Type");
  public static final AsciiString DATE = AsciiString.cached("Date");
  public static final AsciiString HOST = AsciiString.cached("Host");
  public static final AsciiString LOCATION = AsciiString.cached("Location");
  public static final AsciiString SERVER = AsciiString.cached("Server");
  public static final AsciiString TRANSFER_ENCODING = AsciiString.cached("Transfer-Encoding");

  private HeaderNames() {
  }
}
