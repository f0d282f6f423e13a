import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The floor for a proxy on the JVM on this machine: a bare HTTP/1.1 reverse proxy on Netty alone, with what any
 * proxy must do per request (parse the client's request, copy its headers into a new request without the hop-by-hop
 * ones, take an idle keep-alive connection to an origin round robin, relay the response head and body without a
 * copy, put the connection back) and nothing else: no config, no balancer chain, no variables, no timeouts, no
 * logs, no error handling beyond closing. It is not part of the gateway; it tells how much of the gap to nginx
 * (BENCHMARKS.md) is the JVM and Netty, and how much is what xgate adds on top (Vert.x's HTTP layer and its own).
 *
 * <p>With {@code --relay} it is less than a proxy: each client connection gets its own origin connection (the next
 * origin round robin) and the bytes are relayed both ways as read, with no parsing and no copy. That is the least
 * any proxy on Netty does per request (one read and one write each way), so its CPU per request is a lower bound
 * for every HTTP proxy on this stack, whatever its HTTP code.
 *
 * <p>Run it with the gateway jar (which holds Netty and its epoll transport) on the class path:
 * {@code java -Xmx512m -cp gateway/target/xgate.jar bench/NettyFloorProxy.java [--relay] LISTEN_PORT ORIGIN_PORT...}
 * (all on 127.0.0.1; one event loop, as one nginx worker).
 */
public final class NettyFloorProxy {

  public static void main(String[] args) throws Exception {
    boolean relay = args[0].equals("--relay");
    int first = relay ? 1 : 0;
    int listen = Integer.parseInt(args[first]);
    InetSocketAddress[] origins = new InetSocketAddress[args.length - first - 1];
    for (int i = first + 1; i < args.length; i++) {
      origins[i - first - 1] = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[i]));
    }
    MultiThreadIoEventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    new ServerBootstrap().group(loop).channel(EpollServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (relay) {
              ch.config().setAutoRead(false);
              ch.pipeline().addLast(new Relay(origins[next++ % origins.length]));
            } else {
              ch.pipeline().addLast(new HttpServerCodec(), new ClientSide(origins));
            }
          }
        })
        .bind("127.0.0.1", listen).sync();
    System.out.println("netty floor " + (relay ? "relay" : "proxy") + " on 127.0.0.1:" + listen);
    Thread.currentThread().join();
  }

  /** Client connections accepted so far (only the event loop's thread counts them). */
  static int next;

  /** A client connection relayed byte for byte to its own origin connection, and the origin's bytes back. */
  static final class Relay extends ChannelInboundHandlerAdapter {
    private final InetSocketAddress origin;
    private Channel peer;

    Relay(InetSocketAddress origin) {
      this.origin = origin;
    }

    private Relay(Channel peer) {
      this.origin = null;
      this.peer = peer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (origin == null) {
        return;   // the origin side: connected by its client side
      }
      Channel client = ctx.channel();
      new Bootstrap().group(client.eventLoop()).channel(EpollSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(new Relay(client))
          .connect(origin).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
              peer = f.channel();
              client.config().setAutoRead(true);
            } else {
              client.close();
            }
          });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      peer.writeAndFlush(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (peer != null) {
        peer.close();
      }
    }
  }

  /** The idle keep-alive connections of one event loop, per origin, most recently used first (nginx's cache). */
  static final Map<EventLoop, Map<InetSocketAddress, ArrayDeque<Channel>>> IDLE = new IdentityHashMap<>();

  static ArrayDeque<Channel> idle(EventLoop loop, InetSocketAddress origin) {
    synchronized (IDLE) {   // one loop here; the map is only filled at the first request per loop and origin
      return IDLE.computeIfAbsent(loop, l -> new IdentityHashMap<>()).computeIfAbsent(origin, o -> new ArrayDeque<>());
    }
  }

  /** A client connection: each request goes to the next origin; the response is relayed back as it comes. */
  static final class ClientSide extends SimpleChannelInboundHandler<HttpObject> {
    private final InetSocketAddress[] origins;
    private int next;
    private Channel origin;

    ClientSide(InetSocketAddress[] origins) {
      super(false);
      this.origins = origins;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      if (msg instanceof HttpRequest in) {
        HttpRequest out = new DefaultHttpRequest(HttpVersion.HTTP_1_1, in.method(), in.uri());
        for (Map.Entry<String, String> h : in.headers()) {
          String name = h.getKey();
          if (!name.equalsIgnoreCase("connection") && !name.equalsIgnoreCase("keep-alive")) {
            out.headers().add(name, h.getValue());
          }
        }
        InetSocketAddress to = origins[next++ % origins.length];
        ArrayDeque<Channel> idle = idle(ctx.channel().eventLoop(), to);
        Channel reused = idle.pollFirst();
        if (reused != null && reused.isActive()) {
          send(ctx, reused, out, to);
        } else {
          new Bootstrap().group(ctx.channel().eventLoop()).channel(EpollSocketChannel.class)
              .option(ChannelOption.TCP_NODELAY, true)
              .handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                  ch.pipeline().addLast(new HttpClientCodec(), new OriginSide());
                }
              })
              .connect(to).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                  send(ctx, f.channel(), out, to);
                } else {
                  ctx.close();
                }
              });
        }
      }
      if (msg instanceof HttpContent c) {
        if (origin != null && c != LastHttpContent.EMPTY_LAST_CONTENT) {
          origin.write(c);   // a request body (the benchmark's requests have none)
        } else {
          c.release();
        }
      }
    }

    private void send(ChannelHandlerContext ctx, Channel to, HttpRequest request, InetSocketAddress address) {
      origin = to;
      OriginSide side = to.pipeline().get(OriginSide.class);
      side.client = ctx;
      side.address = address;
      to.write(request);
      to.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }
  }

  /** An origin connection: relays its response to the client it serves, then goes back to the idle cache. */
  static final class OriginSide extends ChannelInboundHandlerAdapter {
    ChannelHandlerContext client;
    InetSocketAddress address;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpResponse in) {
        HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, in.status());
        for (Map.Entry<String, String> h : in.headers()) {
          String name = h.getKey();
          if (!name.equalsIgnoreCase("connection") && !name.equalsIgnoreCase("keep-alive")) {
            out.headers().add(name, h.getValue());
          }
        }
        out.headers().set(HttpHeaderNames.SERVER, "netty-floor");
        client.write(out);
      }
      if (msg instanceof HttpContent c) {
        if (c instanceof LastHttpContent) {
          ChannelHandlerContext to = client;
          client = null;
          idle(ctx.channel().eventLoop(), address).addFirst(ctx.channel());
          to.writeAndFlush(c);
        } else {
          client.write(c);
        }
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      idle(ctx.channel().eventLoop(), address).remove(ctx.channel());
      if (client != null) {
        client.close();
      }
    }
  }
}
