package io.berth.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Netty server: native epoll where available, one handler per connection, blocking work on the executor. */
public final class HttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    /** A connection with no traffic for this long is closed (a client that stalls mid-upload). */
    private static final int IDLE_SECONDS = 300;

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final Channel channel;
    private final boolean tls;

    private HttpServer(EventLoopGroup bossGroup, EventLoopGroup workerGroup, Channel channel, boolean tls) {
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.channel = channel;
        this.tls = tls;
    }

    /** Serves what was installed: its routes, each through the chain of its filters. */
    public static HttpServer start(InetSocketAddress address, Installation installed, Executor blocking,
                                   int threads, String externalUrl, boolean accessLog, SslContext ssl)
            throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(threads, io);
        Router router = new Router(installed.routes(), chain(installed, accessLog));
        int sendBuffer = sendBufferBytes();
        try {
            Channel channel = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // Reads grow to 1 MiB while a blob streams in (Netty's default stops at 64 KiB): fewer reads,
                    // file writes and digest calls per byte; small requests keep small buffers.
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, 2048, 1 << 20))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (sendBuffer > 0) {
                                ch.config().setSendBufferSize(sendBuffer);
                            }
                            if (ssl != null) {
                                ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                                ch.pipeline().addLast(TlsFailures.INSTANCE);
                            }
                            ch.pipeline().addLast(new IdleStateHandler(IDLE_SECONDS, 0, 0, TimeUnit.SECONDS));
                            ch.pipeline().addLast(new HttpServerCodec(8192, 64 * 1024, 1 << 20));
                            ch.pipeline().addLast(new ChunkedWriteHandler());
                            ch.pipeline().addLast(new HttpChannelHandler(router, blocking, externalUrl));
                        }
                    })
                    .bind(address).sync().channel();
            HttpServer server = new HttpServer(boss, workers, channel, ssl != null);
            LOG.info("listening on {} ({} transport, {} event loops, send buffer {})", server.url(),
                    epoll ? "epoll" : "nio", threads == 0 ? "default" : threads,
                    sendBuffer > 0 ? sendBuffer + " bytes" : "autotuned");
            return server;
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            throw e;
        }
    }

    /**
     * The one chain, outermost first. Its head, which every request runs, routed or not (no match, malformed,
     * refused while the server is overloaded): the request id ({@link RequestIds#FILTER}), its metrics when installed
     * ({@link HttpMetrics}), the access line once the response is out ({@link AccessLog#FILTER}, unless
     * {@code log.access} is off), failures turned into the error envelope ({@link ErrorMapper#FILTER}). Then, for a routed request, the filters the features installed (access
     * control, then its audit) around the route's handler. A request body streams past the chain into the consumer
     * the handler returned, so the chain adds no work per chunk.
     */
    static Chain chain(Installation installed, boolean accessLog) {
        List<Filter> head = new ArrayList<>();
        head.add(RequestIds.FILTER);
        if (installed.metrics() != null) {
            head.add(installed.metrics().filter());
        }
        if (accessLog) {
            head.add(AccessLog.FILTER);
        }
        head.add(ErrorMapper.FILTER);
        List<Filter> full = new ArrayList<>(head);
        full.addAll(installed.filters());
        return new Chain(Filter.chain(head), Filter.chain(full));
    }

    /** The socket send buffer for responses: 4 MiB where the kernel allows it, else its autotuning (0). */
    private static final int SEND_BUFFER = 4 << 20;

    /**
     * SO_SNDBUF for every connection, or 0 to leave Linux's autotuning alone. A fixed 4 MiB (which the kernel doubles)
     * lets one sendfile call queue more of a blob: Berth used about 20 % less CPU per byte pulled over loopback (4
     * streams, 4 GiB, 5 repetitions: 0.38–0.47 s against 0.45–0.64 s). A fixed size also turns autotuning off, so it is
     * set only where net.core.wmem_max lets it exceed autotuning's own maximum (tcp_wmem); with the common default
     * wmem_max of 208 KiB it would shrink the buffer instead.
     */
    static int sendBufferBytes() {
        try {
            long cap = Long.parseLong(Files.readString(Path.of("/proc/sys/net/core/wmem_max")).trim());
            String[] tcp = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_wmem")).trim().split("\\s+");
            long autotuned = Long.parseLong(tcp[tcp.length - 1]);
            return 2 * Math.min(cap, SEND_BUFFER) > autotuned ? SEND_BUFFER : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The scheme and the address actually bound, e.g. https://127.0.0.1:5443 or http://[::1]:5000. */
    public String url() {
        InetSocketAddress bound = address();
        String host = bound.getAddress().getHostAddress();
        if (host.indexOf(':') >= 0) {
            int zone = host.indexOf('%');
            host = "[" + (zone < 0 ? host : host.substring(0, zone)) + "]";
        }
        return (tls ? "https" : "http") + "://" + host + ":" + bound.getPort();
    }

    public void awaitClose() throws InterruptedException {
        channel.closeFuture().sync();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workerGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
