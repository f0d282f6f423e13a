package io.xgate.gateway.config;

import io.xgate.spi.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads nginx-syntax files into {@link ConfigNode} trees: {@code #} comments, single- and double-quoted strings
 * with backslash escapes, {@code ;}-terminated directives and {@code { }} blocks, and {@code include} (with glob
 * patterns, relative to the main config's folder) resolved in place. Errors name {@code file:line} in nginx's
 * words. Variables ({@code $uri}) are left in the arguments as written.
 */
public final class NginxConfigParser {

  private static final int MAX_INCLUDE_DEPTH = 32;

  private final Path prefix;

  private final Set<Path> filesRead = new LinkedHashSet<>();

  /**
   * @param prefix the folder relative {@code include} paths are resolved against (nginx resolves them against its
   *     config prefix, the main file's folder)
   */
  public NginxConfigParser(Path prefix) {
    this.prefix = prefix;
  }

  /** Parses {@code file} (and what it includes) into its top-level directives. */
  public List<ConfigNode> parseFile(Path file) throws ConfigException {
    return parseFile(file, null, 0, 0);
  }

  /** Every file this parser has read (or tried to), in order: the main file and what it includes. */
  public Set<Path> filesRead() {
    return Collections.unmodifiableSet(filesRead);
  }

  private List<ConfigNode> parseFile(Path file, String fromFile, int fromLine, int depth) throws ConfigException {
    filesRead.add(file);
    String text;
    try {
      text = Files.readString(file, StandardCharsets.ISO_8859_1);   // bytes, as nginx reads them: see fileName
    } catch (NoSuchFileException e) {
      throw new ConfigException("open() \"" + file + "\" failed (2: No such file or directory)", fromFile, fromLine);
    } catch (IOException e) {
      throw new ConfigException("open() \"" + file + "\" failed (" + e.getMessage() + ")", fromFile, fromLine);
    }
    return parseText(text, file.toString(), depth);
  }

  /** Parses {@code text} as if read from {@code fileName}. */
  public List<ConfigNode> parseText(String text, String fileName) throws ConfigException {
    return parseText(text, fileName, 0);
  }

  private List<ConfigNode> parseText(String text, String fileName, int depth) throws ConfigException {
    Lexer lexer = new Lexer(text, fileName);
    List<ConfigNode> nodes = parseBlock(lexer, false, depth);
    return nodes;
  }

  private List<ConfigNode> parseBlock(Lexer lexer, boolean inBlock, int depth) throws ConfigException {
    List<ConfigNode> nodes = new ArrayList<>();
    while (true) {
      List<String> words = new ArrayList<>();
      int line = -1;
      while (true) {
        Token t = lexer.next();
        if (t == null) {
          if (!words.isEmpty()) {
            throw new ConfigException("unexpected end of file, expecting \";\" or \"}\"", lexer.file, lexer.line);
          }
          if (inBlock) {
            throw new ConfigException("unexpected end of file, expecting \"}\"", lexer.file, lexer.line);
          }
          return nodes;
        }
        if (t.kind == Kind.WORD) {
          if (words.isEmpty()) {
            line = t.line;
          }
          words.add(t.text);
          continue;
        }
        if (t.kind == Kind.SEMICOLON) {
          if (words.isEmpty()) {
            throw new ConfigException("unexpected \";\"", lexer.file, t.line);
          }
          ConfigNode node = new ConfigNode(words.get(0), words.subList(1, words.size()), lexer.file, line, null);
          if (node.name().equals("include")) {
            nodes.addAll(include(node, depth));
          } else {
            nodes.add(node);
          }
          break;
        }
        if (t.kind == Kind.OPEN) {
          if (words.isEmpty()) {
            throw new ConfigException("unexpected \"{\"", lexer.file, t.line);
          }
          List<ConfigNode> children = parseBlock(lexer, true, depth);
          nodes.add(new ConfigNode(words.get(0), words.subList(1, words.size()), lexer.file, line, children));
          break;
        }
        // CLOSE
        if (!words.isEmpty()) {
          throw new ConfigException("unexpected \"}\"", lexer.file, t.line);
        }
        if (!inBlock) {
          throw new ConfigException("unexpected \"}\"", lexer.file, t.line);
        }
        return nodes;
      }
    }
  }

  private List<ConfigNode> include(ConfigNode node, int depth) throws ConfigException {
    if (node.args().size() != 1) {
      throw node.error("invalid number of arguments in \"include\" directive");
    }
    if (depth >= MAX_INCLUDE_DEPTH) {
      throw node.error("include nesting is too deep (possible include loop)");
    }
    String pattern = fileName(node.arg(0));
    Path path = prefix.resolve(pattern);
    List<ConfigNode> out = new ArrayList<>();
    if (!hasGlob(pattern)) {
      out.addAll(parseFile(path, node.file(), node.line(), depth + 1));
      return out;
    }
    Path dir = path.getParent();
    String glob = path.getFileName().toString();
    if (dir == null || hasGlob(dir.toString())) {
      throw node.error("glob patterns are supported in the last path element only: \"" + pattern + "\"");
    }
    List<Path> matches = new ArrayList<>();
    if (Files.isDirectory(dir)) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
        for (Path p : ds) {
          if (!Files.isDirectory(p)) {
            matches.add(p);
          }
        }
      } catch (IOException | RuntimeException e) {
        throw node.error("glob() \"" + pattern + "\" failed (" + e.getMessage() + ")");
      }
    }
    matches.sort(null);   // nginx includes glob matches in sorted order
    for (Path p : matches) {
      out.addAll(parseFile(p, node.file(), node.line(), depth + 1));
    }
    return out;
  }

  /**
   * A file name written in a config, for the file system. A config is read as bytes, one char per byte (ISO-8859-1),
   * as a request's head is: a non-ASCII string in it ({@code location /café/}, a {@code hash} key) then holds the
   * bytes nginx would compare and hash, whatever their encoding. File names are the exception: the file system
   * takes them as text, read here as UTF-8.
   */
  public static String fileName(String configBytes) {
    for (int i = 0; i < configBytes.length(); i++) {
      if (configBytes.charAt(i) > 0x7f) {
        return new String(configBytes.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
      }
    }
    return configBytes;
  }

  private static boolean hasGlob(String s) {
    return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0;
  }

  private enum Kind { WORD, SEMICOLON, OPEN, CLOSE }

  private record Token(Kind kind, String text, int line) {
  }

  /** nginx's tokenizer: words end at whitespace, ';', '{', '}' (outside quotes); '#' starts a comment. */
  private static final class Lexer {
    private static final Set<Character> SPECIAL = Set.of(';', '{', '}');
    final String text;
    final String file;
    int pos;
    int line = 1;

    Lexer(String text, String file) {
      this.text = text;
      this.file = file;
    }

    Token next() throws ConfigException {
      skipSpaceAndComments();
      if (pos >= text.length()) {
        return null;
      }
      char c = text.charAt(pos);
      int startLine = line;
      switch (c) {
        case ';': pos++; return new Token(Kind.SEMICOLON, ";", startLine);
        case '{': pos++; return new Token(Kind.OPEN, "{", startLine);
        case '}': pos++; return new Token(Kind.CLOSE, "}", startLine);
        case '"':
        case '\'':
          return quoted(c);
        default:
          return word();
      }
    }

    private void skipSpaceAndComments() {
      while (pos < text.length()) {
        char c = text.charAt(pos);
        if (c == '\n') {
          line++;
          pos++;
        } else if (Character.isWhitespace(c)) {
          pos++;
        } else if (c == '#') {
          while (pos < text.length() && text.charAt(pos) != '\n') {
            pos++;
          }
        } else {
          return;
        }
      }
    }

    private Token quoted(char quote) throws ConfigException {
      int startLine = line;
      pos++;
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (pos >= text.length()) {
          throw new ConfigException("unexpected end of file, expecting " + quote, file, line);
        }
        char c = text.charAt(pos++);
        if (c == quote) {
          break;
        }
        if (c == '\n') {
          line++;
        }
        if (c == '\\' && pos < text.length()) {
          char e = text.charAt(pos++);
          switch (e) {
            case 'n': sb.append('\n'); break;
            case 't': sb.append('\t'); break;
            case 'r': sb.append('\r'); break;
            case '"': case '\'': case '\\': sb.append(e); break;
            default:
              sb.append('\\').append(e);   // nginx keeps unknown escapes as written
              if (e == '\n') {
                line++;
              }
          }
          continue;
        }
        sb.append(c);
      }
      if (pos < text.length()) {
        char after = text.charAt(pos);
        if (!Character.isWhitespace(after) && !SPECIAL.contains(after)) {
          throw new ConfigException("unexpected \"" + after + "\"", file, line);
        }
      }
      return new Token(Kind.WORD, sb.toString(), startLine);
    }

    private Token word() {
      int startLine = line;
      StringBuilder sb = new StringBuilder();
      while (pos < text.length()) {
        char c = text.charAt(pos);
        if (Character.isWhitespace(c) || SPECIAL.contains(c)) {
          break;
        }
        if (c == '{' ) {
          break;
        }
        if (c == '\\' && pos + 1 < text.length()) {
          sb.append(c).append(text.charAt(pos + 1));
          pos += 2;
          continue;
        }
        if (c == '$' && pos + 1 < text.length() && text.charAt(pos + 1) == '{') {
          // ${var} keeps its braces inside one word
          int close = text.indexOf('}', pos);
          if (close > 0 && text.substring(pos, close).indexOf('\n') < 0) {
            sb.append(text, pos, close + 1);
            pos = close + 1;
            continue;
          }
        }
        sb.append(c);
        pos++;
      }
      return new Token(Kind.WORD, sb.toString(), startLine);
    }
  }
}
