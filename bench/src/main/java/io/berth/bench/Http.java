package io.berth.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The load generator's HTTP/1.1 client: Netty with native epoll, keep-alive connections with one request at a
 * time each (as registry clients do; no pipelining), request bodies written from memory without copies, response
 * bodies streamed into a sink (discarded, hashed, or kept when small). Closed loops run on the event loops.
 */
final class Http implements AutoCloseable {
    /** How much of an error response's body a reply keeps (for the message of a wrong answer). */
    static final int ERROR_BODY_BYTES = 2048;
    /** Every blocking wait on a reply ends after this long, so a stuck server cannot hang the benchmark. */
    static final long REPLY_TIMEOUT_SECONDS = 300;

    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelType;

    Http(int threads) {
        boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(threads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    Connection connect(String host, int port) throws InterruptedException {
        return connect(host, port, null);
    }

    /** A connection whose requests carry the Authorization header authorizer gives (none when it is null). */
    Connection connect(String host, int port, Authorizer authorizer) throws InterruptedException {
        Connection connection = new Connection(host + ":" + port, authorizer);
        Channel channel = new Bootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                // Reads of up to 1 MiB, as Berth's server reads: with Netty's default (64 KiB at most) the per-read
                // work of a pull's receiving client was a large part of the generator's CPU on these shared cores.
                .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, 2048, 1 << 20))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(4096, 64 * 1024, 1 << 20));
                        ch.pipeline().addLast(connection);
                    }
                })
                .connect(host, port).sync().channel();
        connection.channel = channel;
        return connection;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * The Authorization header value for a request to uri (path and query), or null for none. Called on the thread
     * that sends the request (an event loop for the closed loops), so it must be cheap when nothing is to be fetched.
     */
    @FunctionalInterface
    interface Authorizer {
        String authorization(String uri);
    }

    /** What to do with a response body. */
    enum Sink { DISCARD, SHA256, KEEP }

    /** One request; body (may be null) is released once written. */
    record Request(HttpMethod method, String uri, List<String> headers, ByteBuf body, Sink sink) {
        static Request get(String uri, Sink sink, String... headers) {
            return new Request(HttpMethod.GET, uri, List.of(headers), null, sink);
        }

        static Request head(String uri, String... headers) {
            return new Request(HttpMethod.HEAD, uri, List.of(headers), null, Sink.DISCARD);
        }

        static Request send(HttpMethod method, String uri, ByteBuf body, String... headers) {
            return new Request(method, uri, List.of(headers), body, Sink.KEEP);
        }
    }

    /**
     * One response. body holds the whole body for Sink.KEEP, else the first bytes of an error body; sha256 is the
     * hex digest for Sink.SHA256. nanos runs from writing the request to the last byte of the response.
     */
    record Reply(int status, HttpHeaders headers, long bodyBytes, byte[] body, String sha256, long nanos) {
        String header(String name) {
            return headers.get(name);
        }

        String bodyText() {
            return body == null ? "" : new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** One keep-alive connection; its state is confined to its event loop. */
    static final class Connection extends ChannelInboundHandlerAdapter {

        private final String hostHeader;
        private final Authorizer authorizer;
        private volatile Channel channel;
        private CompletableFuture<Reply> pending;
        private Sink sink;
        private long startNanos;
        private int status;
        private HttpHeaders headers;
        private long bytes;
        private MessageDigest sha256;
        private ByteArrayOutputStream kept;

        Connection(String hostHeader, Authorizer authorizer) {
            this.hostHeader = hostHeader;
            this.authorizer = authorizer;
        }

        /**
         * Sends a request; the future completes on the connection's event loop. The Authorization header is found
         * here, on the caller's thread, so that a token fetch blocks a worker rather than an event loop when it can.
         */
        CompletableFuture<Reply> send(Request request) {
            CompletableFuture<Reply> reply = new CompletableFuture<>();
            String authorization;
            try {
                authorization = authorizer == null ? null : authorizer.authorization(request.uri());
            } catch (RuntimeException e) {
                ReferenceCountUtil.release(request.body());
                reply.completeExceptionally(e);
                return reply;
            }
            if (channel.eventLoop().inEventLoop()) {
                start(request, authorization, reply);
            } else {
                channel.eventLoop().execute(() -> start(request, authorization, reply));
            }
            return reply;
        }

        /** Sends a request and waits for its reply (bounded). */
        Reply call(Request request) throws IOException {
            try {
                return send(request).get(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof BenchException wrong) {
                    throw wrong;
                }
                throw new IOException(request.method() + " " + request.uri() + ": " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                channel.close();
                throw new IOException(request.method() + " " + request.uri() + ": no reply within "
                        + REPLY_TIMEOUT_SECONDS + " s");
            }
        }

        private void start(Request request, String authorization, CompletableFuture<Reply> reply) {
            if (pending != null) {
                ReferenceCountUtil.release(request.body());
                reply.completeExceptionally(new IllegalStateException("connection busy"));
                return;
            }
            if (!channel.isActive()) {
                ReferenceCountUtil.release(request.body());
                reply.completeExceptionally(new ClosedChannelException());
                return;
            }
            pending = reply;
            sink = request.sink();
            status = 0;
            headers = null;
            bytes = 0;
            kept = null;
            sha256 = sink == Sink.SHA256 ? newSha256() : null;
            DefaultHttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), request.uri());
            head.headers().set(HttpHeaderNames.HOST, hostHeader);
            if (authorization != null) {
                head.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
            }
            List<String> extra = request.headers();
            for (int i = 0; i + 1 < extra.size(); i += 2) {
                head.headers().add(extra.get(i), extra.get(i + 1));
            }
            boolean hasBody = request.body() != null;
            if (hasBody || request.method().equals(HttpMethod.PUT) || request.method().equals(HttpMethod.POST)
                    || request.method().equals(HttpMethod.PATCH)) {
                head.headers().set(HttpHeaderNames.CONTENT_LENGTH, hasBody ? request.body().readableBytes() : 0);
            }
            startNanos = System.nanoTime();
            channel.write(head);
            channel.writeAndFlush(hasBody ? new DefaultLastHttpContent(request.body()) : LastHttpContent.EMPTY_LAST_CONTENT)
                    .addListener(f -> {
                        if (!f.isSuccess()) {
                            fail(f.cause());
                        }
                    });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse response) {
                    if (response.status().code() == 100) {
                        return;
                    }
                    status = response.status().code();
                    headers = response.headers();
                }
                if (msg instanceof HttpContent content && status != 0) {
                    ByteBuf buf = content.content();
                    int n = buf.readableBytes();
                    bytes += n;
                    if (n > 0) {
                        if (sink == Sink.KEEP || status >= 400) {
                            keep(buf);
                        } else if (sink == Sink.SHA256) {
                            for (ByteBuffer nio : buf.nioBuffers()) {
                                sha256.update(nio);
                            }
                        }
                    }
                    if (content instanceof LastHttpContent) {
                        complete();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void keep(ByteBuf buf) {
            if (kept == null) {
                kept = new ByteArrayOutputStream(Math.min(buf.readableBytes(), 1 << 20));
            }
            int n = buf.readableBytes();
            if (sink != Sink.KEEP) {
                n = Math.min(n, ERROR_BODY_BYTES - kept.size());
            }
            if (n > 0) {
                try {
                    buf.getBytes(buf.readerIndex(), kept, n);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        private void complete() {
            CompletableFuture<Reply> reply = pending;
            pending = null;
            long nanos = System.nanoTime() - startNanos;
            String hex = sha256 == null ? null : HexFormat.of().formatHex(sha256.digest());
            byte[] body = kept == null ? null : kept.toByteArray();
            if (reply != null) {
                reply.complete(new Reply(status, headers, bytes, body, hex, nanos));
            }
        }

        private void fail(Throwable cause) {
            CompletableFuture<Reply> reply = pending;
            pending = null;
            if (reply != null) {
                reply.completeExceptionally(cause);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            fail(new ClosedChannelException());
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
            ctx.close();
        }

        void close() {
            Channel c = channel;
            if (c != null) {
                c.close().syncUninterruptibly();
            }
        }
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
