package io.berth.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process registry stand-in that does no work: it discards uploaded bytes, answers every API call the
 * workloads make with the status a registry gives, and serves blobs from the generator's own memory. Driving it
 * shows how fast the load generator can go on this machine, sharing its cores with a server, as registries do.
 */
final class DiscardServer implements AutoCloseable {
    private static final byte[] MANIFEST = Content.manifest(
            new Content.Descriptor(RegistryClient.OCI_CONFIG, "sha256:" + "0".repeat(64), 100),
            java.util.List.of(new Content.Descriptor(RegistryClient.OCI_LAYER, "sha256:" + "1".repeat(64), 1000)));
    private static final String MANIFEST_DIGEST = Content.sha256(MANIFEST);

    private final EventLoopGroup group;
    private final Channel channel;
    /** Blobs it serves, by digest; the generator registers them. */
    private final Map<String, ByteBuf> blobs = new ConcurrentHashMap<>();
    private final AtomicLong uploads = new AtomicLong();
    private volatile int catalogSize = 1000;

    DiscardServer(int threads) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(threads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        channel = new ServerBootstrap()
                .group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(8192, 64 * 1024, 1 << 20));
                        ch.pipeline().addLast(new Handler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    void serve(String digest, ByteBuf content) {
        blobs.put(digest, content);
    }

    void catalogSize(int repositories) {
        catalogSize = repositories;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private HttpRequest request;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest r) {
                    request = r;
                }
                if (msg instanceof LastHttpContent && request != null) {
                    HttpRequest current = request;
                    request = null;
                    answer(ctx, current);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void answer(ChannelHandlerContext ctx, HttpRequest r) {
            QueryStringDecoder uri = new QueryStringDecoder(r.uri());
            String path = uri.path();
            HttpMethod method = r.method();
            if (path.endsWith("/blobs/uploads/") && method.equals(HttpMethod.POST)) {
                String repo = path.substring(4, path.length() - "/blobs/uploads/".length());
                if (uri.parameters().containsKey("mount")) {
                    String digest = uri.parameters().get("mount").get(0);
                    empty(ctx, 201, "Location", "/v2/" + repo + "/blobs/" + digest, "Docker-Content-Digest", digest);
                } else {
                    empty(ctx, 202, "Location", "/v2/" + repo + "/blobs/uploads/u" + uploads.incrementAndGet(), "Range", "0-0");
                }
            } else if (path.contains("/blobs/uploads/") && method.equals(HttpMethod.PATCH)) {
                empty(ctx, 202, "Location", path, "Range", "0-0");
            } else if (path.contains("/blobs/uploads/") && method.equals(HttpMethod.PUT)) {
                String digest = uri.parameters().get("digest").get(0);
                empty(ctx, 201, "Location", path, "Docker-Content-Digest", digest);
            } else if (path.contains("/manifests/") && method.equals(HttpMethod.PUT)) {
                empty(ctx, 201, "Location", path, "Docker-Content-Digest", MANIFEST_DIGEST);
            } else if (path.contains("/manifests/")) {
                FullHttpResponse response = full(200, method.equals(HttpMethod.HEAD) ? new byte[0] : MANIFEST,
                        RegistryClient.OCI_MANIFEST);
                response.headers().set(HttpHeaderNames.CONTENT_LENGTH, MANIFEST.length);
                response.headers().set("Docker-Content-Digest", MANIFEST_DIGEST);
                ctx.writeAndFlush(response);
            } else if (path.contains("/blobs/") && method.equals(HttpMethod.GET)) {
                ByteBuf blob = blobs.get(path.substring(path.lastIndexOf('/') + 1));
                if (blob == null) {
                    empty(ctx, 404);
                    return;
                }
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers().set(HttpHeaderNames.CONTENT_LENGTH, blob.readableBytes());
                head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
                ctx.write(head);
                ctx.writeAndFlush(new DefaultLastHttpContent(blob.retainedDuplicate()));
            } else if (path.equals("/v2/_catalog")) {
                catalog(ctx, uri);
            } else if (path.endsWith("/tags/list")) {
                String repo = path.substring(4, path.length() - "/tags/list".length());
                ctx.writeAndFlush(full(200, ("{\"name\":" + Json.quote(repo) + ",\"tags\":[\"v1\",\"v2\",\"v3\",\"v4\",\"v5\"]}")
                        .getBytes(StandardCharsets.UTF_8), "application/json"));
            } else if (path.equals("/v2/") || path.equals("/v2")) {
                ctx.writeAndFlush(full(200, "{}".getBytes(StandardCharsets.UTF_8), "application/json"));
            } else {
                empty(ctx, 404);
            }
        }

        private void catalog(ChannelHandlerContext ctx, QueryStringDecoder uri) {
            int n = Integer.parseInt(uri.parameters().getOrDefault("n", java.util.List.of("100")).get(0));
            String last = uri.parameters().getOrDefault("last", java.util.List.of("")).get(0);
            int from = last.isEmpty() ? 0 : Integer.parseInt(last.substring(last.lastIndexOf('-') + 1)) + 1;
            int to = Math.min(catalogSize, from + n);
            StringBuilder json = new StringBuilder("{\"repositories\":[");
            for (int i = from; i < to; i++) {
                json.append(i == from ? "" : ",").append("\"bench/repo-").append(String.format("%06d", i)).append('"');
            }
            json.append("]}");
            FullHttpResponse response = full(200, json.toString().getBytes(StandardCharsets.UTF_8), "application/json");
            if (to < catalogSize) {
                response.headers().set("Link", "</v2/_catalog?last=bench/repo-" + String.format("%06d", to - 1)
                        + "&n=" + n + ">; rel=\"next\"");
            }
            ctx.writeAndFlush(response);
        }

        private void empty(ChannelHandlerContext ctx, int status, String... headers) {
            FullHttpResponse response = full(status, new byte[0], null);
            for (int i = 0; i + 1 < headers.length; i += 2) {
                response.headers().set(headers[i], headers[i + 1]);
            }
            ctx.writeAndFlush(response);
        }

        private FullHttpResponse full(int status, byte[] body, String contentType) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                    Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
            if (contentType != null) {
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            }
            return response;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
