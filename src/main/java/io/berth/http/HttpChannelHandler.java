package io.berth.http;

import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1.1 connection. Requests are handled one at a time: the handler runs on the blocking executor, a request
 * body streams into its {@link BodyConsumer} on this event loop with autoRead back-pressure, and the response is
 * written here. A request pipelined behind the current one waits in {@link #queued} until the current response is
 * written, so each is answered, in order. All fields are confined to the channel's event loop.
 */
final class HttpChannelHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(HttpChannelHandler.class);
    /** Bytes of a streamed body read and written at a time (see writeStream). */
    /** The status the access log and metrics give a request whose client left before the answer (nginx's). */
    private static final int CLIENT_CLOSED = 499;
    private static final int STREAM_CHUNK = 256 * 1024;

    private final Router router;
    private final Executor blocking;
    private final String externalUrl;

    private Exchange exchange;
    private boolean keepAlive;
    private boolean expectContinue;
    /** Body received before the handler decided how to take it. */
    private final ArrayDeque<HttpContent> pending = new ArrayDeque<>();
    /**
     * Messages of later requests that arrived while this one was still being answered (HTTP/1.1 pipelining). Reading
     * stops as soon as one is queued, so this holds at most what one read decoded.
     */
    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    private BodyConsumer consumer;
    private boolean bodyComplete;
    private boolean decided;
    private boolean responded;
    private boolean responseWritten;
    private boolean failedBody;
    private long bodyBytes;

    HttpChannelHandler(Router router, Executor blocking, String externalUrl) {
        this.router = router;
        this.blocking = blocking;
        this.externalUrl = externalUrl;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().config().setAutoRead(true);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!queued.isEmpty() || (exchange != null && bodyComplete)) {
            queued.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        dispatch(ctx, msg);
    }

    private void dispatch(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            onRequest(ctx, request);
        }
        if (msg instanceof HttpContent content) {
            onContent(ctx, content);
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
        exchange = new Exchange(request, externalUrl);
        exchange.secure(ctx.pipeline().get(SslHandler.class) != null);
        if (ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress remote) {
            exchange.source(remote);
        }
        keepAlive = HttpUtil.isKeepAlive(request);
        expectContinue = HttpUtil.is100ContinueExpected(request);
        consumer = null;
        bodyComplete = false;
        decided = false;
        responded = false;
        responseWritten = false;
        failedBody = false;
        bodyBytes = 0;
        ctx.channel().config().setAutoRead(false);
        if (exchange.malformed()) {
            LOG.debug("malformed request from {} (a TLS client on the plain HTTP port?)", ctx.channel().remoteAddress());
            keepAlive = false;
            bodyComplete = true;
            decide(ctx, router.answer(exchange, ErrorMapper.envelope(ErrorCode.INVALID_REQUEST, "malformed HTTP request",
                    null, Map.of())));
            return;
        }
        Exchange current = exchange;
        Router.Dispatch dispatch = router.dispatch(current);
        try {
            blocking.execute(() -> {
                Outcome outcome;
                try {
                    outcome = dispatch.run();
                } catch (Throwable t) {
                    // The chain maps failures itself (ErrorMapper.FILTER); this catches one of the mapping.
                    outcome = ErrorMapper.toResponse(t, current);
                }
                Outcome result = outcome;
                ctx.executor().execute(() -> {
                    if (exchange == current) {
                        decide(ctx, result);
                    } else {
                        current.completed(CLIENT_CLOSED, 0, 0, null);
                        if (result instanceof BodyConsumer orphan) {
                            orphan.abort();
                        }
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            decide(ctx, router.answer(current, ErrorMapper.envelope(ErrorCode.UNAVAILABLE,
                    "server is shutting down or overloaded", null, Map.of())));
        }
    }

    /** The handler has decided: answer now, or stream the body into a consumer. */
    private void decide(ChannelHandlerContext ctx, Outcome outcome) {
        decided = true;
        if (outcome instanceof BodyConsumer bodyConsumer) {
            consumer = bodyConsumer;
            if (expectContinue && !bodyComplete) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
            }
            while (!pending.isEmpty()) {
                HttpContent content = pending.poll();
                feed(ctx, content);
            }
            if (!bodyComplete) {
                ctx.channel().config().setAutoRead(true);
                ctx.read();
            }
            return;
        }
        Response response = (Response) outcome;
        releasePending();
        if (!bodyComplete && expectContinue) {
            // The client waits for 100 before sending a body we will not read: answer and close.
            keepAlive = false;
        }
        respond(ctx, response);
    }

    private void onContent(ChannelHandlerContext ctx, HttpContent content) {
        if (exchange == null) {
            content.release();
            return;
        }
        if (!decided) {
            pending.add(content);
            if (content instanceof LastHttpContent || content.decoderResult().isFailure()) {
                bodyComplete = true;
            }
            if (content.decoderResult().isFailure()) {
                // The decoder skips the rest of the connection: nothing more can be read from it.
                keepAlive = false;
            }
            return;
        }
        feed(ctx, content);
    }

    /** Hands one piece of body to the consumer, or drops it once the request has failed or was answered. */
    private void feed(ChannelHandlerContext ctx, HttpContent content) {
        if (content.decoderResult().isFailure()) {
            brokenBody(ctx, content);
            return;
        }
        try {
            bodyBytes += content.content().readableBytes();
            if (consumer != null && !failedBody && !responded) {
                try {
                    consumer.onData(content.content());
                } catch (Throwable t) {
                    failedBody = true;
                    consumer.abort();
                    respond(ctx, ErrorMapper.toResponse(t, exchange));
                }
            }
        } finally {
            content.release();
        }
        if (content instanceof LastHttpContent) {
            bodyComplete = true;
            if (responseWritten) {
                requestDone(ctx);
            } else if (!responded && consumer != null) {
                ctx.channel().config().setAutoRead(false);
                finishBody(ctx);
            }
        }
    }

    /**
     * The body is malformed (a bad chunk size or delimiter, say): the consumer drops what it took, so nothing is
     * stored, and the request ends with 400, or with the connection closed when an answer was already sent. The
     * decoder reads nothing more from this connection, so it closes in either case.
     */
    private void brokenBody(ChannelHandlerContext ctx, HttpContent content) {
        LOG.debug("request {}: malformed body from {}: {}", exchange.requestId(), ctx.channel().remoteAddress(),
                content.decoderResult().cause().toString());
        content.release();
        keepAlive = false;
        bodyComplete = true;
        if (consumer != null && !failedBody) {
            failedBody = true;
            consumer.abort();
        }
        if (!responded) {
            RegistryException failure = consumer != null ? consumer.malformed()
                    : new RegistryException(ErrorCode.INVALID_REQUEST, "malformed request body");
            respond(ctx, ErrorMapper.toResponse(failure, exchange));
        } else if (responseWritten) {
            requestDone(ctx);
        }
    }

    private void finishBody(ChannelHandlerContext ctx) {
        BodyConsumer current = consumer;
        Exchange currentExchange = exchange;
        try {
            blocking.execute(() -> {
                Response response;
                try {
                    response = current.finish();
                } catch (Throwable t) {
                    current.abort();
                    response = ErrorMapper.toResponse(t, currentExchange);
                }
                Response result = response;
                ctx.executor().execute(() -> respond(ctx, result));
            });
        } catch (RejectedExecutionException e) {
            current.abort();
            respond(ctx, ErrorMapper.envelope(ErrorCode.UNAVAILABLE, "server is shutting down", null, Map.of()));
        }
    }

    private void respond(ChannelHandlerContext ctx, Response response) {
        if (responded || exchange == null) {
            return;
        }
        responded = true;
        Exchange current = exchange;
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, response.status());
        for (Map.Entry<String, String> h : response.headers()) {
            head.headers().add(h.getKey(), h.getValue());
        }
        head.headers().set("X-Request-Id", current.requestId());
        head.headers().set("Docker-Distribution-API-Version", "registry/2.0");
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.contentLength());
        if (!keepAlive) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        boolean head_ = current.isHead();
        ChannelFuture done;
        ctx.write(head);
        if (head_ || (response.bytes() == null && response.file() == null && response.stream() == null)) {
            done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else if (response.bytes() != null) {
            done = ctx.writeAndFlush(new DefaultLastHttpContent(Unpooled.wrappedBuffer(response.bytes())));
        } else if (response.file() != null) {
            done = writeFile(ctx, response);
        } else {
            done = writeStream(ctx, response);
        }
        long sent = head_ ? 0 : response.contentLength();
        int status = response.status().code();
        done.addListener((ChannelFutureListener) f -> {
            current.completed(status, sent, bodyBytes, f.isSuccess() ? null : f.cause());
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            responseWritten = true;
            if (bodyComplete) {
                requestDone(ctx);
            } else if (!keepAlive) {
                ctx.close();
            } else {
                // Drain the rest of the body, then take the next request.
                ctx.channel().config().setAutoRead(true);
                ctx.read();
            }
        });
    }

    private ChannelFuture writeFile(ChannelHandlerContext ctx, Response response) {
        FileChannel channel;
        try {
            channel = FileChannel.open(response.file(), StandardOpenOption.READ);
        } catch (IOException e) {
            LOG.warn("request {}: cannot open blob file: {}", exchange.requestId(), e.toString());
            ctx.close();
            return ctx.newFailedFuture(e);
        }
        if (ctx.pipeline().get(SslHandler.class) == null) {
            ctx.write(new DefaultFileRegion(channel, response.fileOffset(), response.fileLength()));
        } else {
            try {
                ctx.write(new ChunkedNioFile(channel, response.fileOffset(), response.fileLength(), 64 * 1024));
            } catch (IOException e) {
                ctx.close();
                return ctx.newFailedFuture(e);
            }
        }
        return ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    /**
     * Pumps a stream on the blocking executor in chunks of up to STREAM_CHUNK bytes: the next chunk is read while the
     * one before is written, and no further, so a slow client holds back the reads instead of filling memory (two
     * chunks per stream at most). Each chunk is copied once, into a pooled direct buffer the socket writes from.
     */
    private ChannelFuture writeStream(ChannelHandlerContext ctx, Response response) {
        ctx.flush();
        io.netty.channel.ChannelPromise done = ctx.newPromise();
        String requestId = exchange.requestId();
        try {
            blocking.execute(() -> {
                long remaining = response.contentLength();
                ChannelFuture previous = null;
                try (java.io.InputStream in = response.stream().open()) {
                    byte[] buffer = new byte[STREAM_CHUNK];
                    while (remaining > 0) {
                        int want = (int) Math.min(buffer.length, remaining);
                        int filled = 0;
                        while (filled < want) {
                            int n = in.read(buffer, filled, want - filled);
                            if (n < 0) {
                                throw new IOException("stream ended " + (remaining - filled) + " bytes early");
                            }
                            filled += n;
                        }
                        remaining -= filled;
                        if (previous != null) {
                            previous.sync();
                        }
                        // Allocated only once nothing can throw before the write takes it (and releases it).
                        ByteBuf chunk = ctx.alloc().directBuffer(filled);
                        chunk.writeBytes(buffer, 0, filled);
                        previous = ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(chunk));
                    }
                    if (previous != null) {
                        previous.sync();
                    }
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f -> {
                        if (f.isSuccess()) {
                            done.trySuccess();
                        } else {
                            done.tryFailure(f.cause());
                        }
                    });
                } catch (Exception e) {
                    if (!(e instanceof IOException) && !(e instanceof InterruptedException)) {
                        LOG.warn("request {}: streaming the body failed: {}", requestId, e.toString());
                    }
                    // The status line is gone; closing is the only way to tell the client the body is incomplete.
                    ctx.close();
                    done.tryFailure(e);
                }
            });
        } catch (RejectedExecutionException e) {
            ctx.close();
            done.tryFailure(e);
        }
        return done;
    }

    private void requestDone(ChannelHandlerContext ctx) {
        exchange = null;
        consumer = null;
        if (!keepAlive) {
            releaseQueued();
            ctx.close();
            return;
        }
        // Pipelined requests next, in the order they came, until one is waiting for its answer.
        while (!queued.isEmpty() && !(exchange != null && bodyComplete)) {
            dispatch(ctx, queued.poll());
        }
        if (exchange == null && ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    private void releasePending() {
        while (!pending.isEmpty()) {
            HttpContent content = pending.poll();
            bodyBytes += content.content().readableBytes();
            content.release();
        }
    }

    private void releaseQueued() {
        while (!queued.isEmpty()) {
            ReferenceCountUtil.release(queued.poll());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (exchange != null && decided && !responded) {
            // The client left before its answer: 499, as nginx logs it, so the access line and metrics still see it.
            // (Not yet decided: the chain is still running; its outcome, arriving after this, says it.)
            exchange.completed(CLIENT_CLOSED, 0, bodyBytes, null);
        }
        releasePending();
        releaseQueued();
        if (consumer != null && !responded) {
            BodyConsumer orphan = consumer;
            consumer = null;
            orphan.abort();
        }
        exchange = null;
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            LOG.warn("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }
}
