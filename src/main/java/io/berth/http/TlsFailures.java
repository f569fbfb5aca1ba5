package io.berth.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.nio.channels.ClosedChannelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Right behind the TLS handler: a failed handshake, and plain HTTP sent to the TLS port, are one WARN line each,
 * naming the remote address and the cause, without a stack trace; the exception the TLS handler raises after it is
 * not logged again. A connection closed before it said anything (a port check) is logged at DEBUG only.
 */
@ChannelHandler.Sharable
final class TlsFailures extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(TlsFailures.class);
    static final TlsFailures INSTANCE = new TlsFailures();

    private TlsFailures() {}

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
            Throwable cause = handshake.cause();
            if (cause instanceof NotSslRecordException) {
                LOG.warn("plain HTTP (not TLS) sent to the TLS port from {}; closed", remote(ctx));
            } else if (cause instanceof ClosedChannelException) {
                LOG.debug("connection from {} closed before the TLS handshake finished", remote(ctx));
            } else {
                LOG.warn("TLS handshake with {} failed: {}", remote(ctx), message(cause));
            }
            ctx.close();
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl != null && ssl.handshakeFuture().isDone() && !ssl.handshakeFuture().isSuccess()) {
            // Reported once, by the handshake's completion event.
            LOG.debug("after the failed TLS handshake with {}: {}", remote(ctx), cause.toString());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private static String remote(ChannelHandlerContext ctx) {
        return String.valueOf(ctx.channel().remoteAddress());
    }

    /** The innermost cause's message: "Received fatal alert: certificate_unknown", not the wrapping. */
    private static String message(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
