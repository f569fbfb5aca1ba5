package io.berth.bench;

import io.berth.bench.Http.Reply;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The pull workloads' client for blob GETs: one blocking keep-alive HTTP/1.1 connection, read by the worker thread
 * that asks, straight into one 1 MiB direct buffer that is reused for every read (no event loop, no hand-off between
 * threads, no buffer allocation per read). A blob is the only large body the generator receives, and on these shared
 * cores the receiving client's CPU bounds what a server can show: against Berth, the event-loop client
 * ({@link Http}) used 1.1–1.2 CPU-s to receive 4 GiB. The body is discarded or hashed as it arrives; an error body
 * is kept (its first 2 KiB). Responses must carry Content-Length, as both servers' blob and error responses do.
 */
final class BlobReader implements Closeable {
    private static final int BUFFER_BYTES = 1 << 20;
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    /** Closes the channel of a call that outlives Http.REPLY_TIMEOUT_SECONDS, which ends its blocked read. */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "blob-reader-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final String hostHeader;
    private final Http.Authorizer authorizer;
    private final SocketChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);

    BlobReader(String host, int port, Http.Authorizer authorizer) throws IOException {
        this.hostHeader = host + ":" + port;
        this.authorizer = authorizer;
        this.channel = SocketChannel.open();
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.connect(new InetSocketAddress(host, port));
    }

    /** GET uri; the body is hashed (sha256 in the reply) when verify, else discarded. */
    Reply get(String uri, boolean verify) throws IOException {
        String authorization = authorizer == null ? null : authorizer.authorization(uri);
        StringBuilder request = new StringBuilder(256).append("GET ").append(uri).append(" HTTP/1.1\r\nHost: ")
                .append(hostHeader).append("\r\n");
        if (authorization != null) {
            request.append("Authorization: ").append(authorization).append("\r\n");
        }
        request.append("\r\n");
        ScheduledFuture<?> watchdog = WATCHDOG.schedule(this::close, Http.REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        try {
            long start = System.nanoTime();
            ByteBuffer out = StandardCharsets.ISO_8859_1.encode(request.toString());
            while (out.hasRemaining()) {
                channel.write(out);
            }
            return receive(verify, start);
        } finally {
            watchdog.cancel(false);
        }
    }

    private Reply receive(boolean verify, long start) throws IOException {
        buffer.clear();
        int end;
        while ((end = endOfHead()) < 0) {
            if (buffer.position() >= MAX_HEAD_BYTES) {
                throw new BenchException("response head longer than " + MAX_HEAD_BYTES + " bytes");
            }
            fill();
        }
        byte[] headBytes = new byte[end];
        buffer.get(0, headBytes);
        String[] lines = new String(headBytes, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
            throw new BenchException("not an HTTP/1.x status line: " + lines[0]);
        }
        int status = Integer.parseInt(statusLine[1]);
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.add(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
            }
        }
        String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (length == null || headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            throw new BenchException("blob GET: status " + status + " without Content-Length");
        }
        long contentLength = Long.parseLong(length);
        MessageDigest sha256 = verify && status == 200 ? Http.newSha256() : null;
        ByteArrayOutputStream errorBody = status == 200 ? null : new ByteArrayOutputStream();
        // What came with the head is the first part of the body.
        buffer.flip().position(end + 4);
        long received = 0;
        while (true) {
            int n = buffer.remaining();
            if (received + n > contentLength) {
                throw new BenchException("blob GET: more bytes than Content-Length " + contentLength
                        + " (a client without pipelining never gets them)");
            }
            received += n;
            if (sha256 != null) {
                sha256.update(buffer);
            } else if (errorBody != null && errorBody.size() < Http.ERROR_BODY_BYTES) {
                byte[] some = new byte[Math.min(n, Http.ERROR_BODY_BYTES - errorBody.size())];
                buffer.get(some);
                errorBody.write(some, 0, some.length);
            }
            if (received == contentLength) {
                break;
            }
            buffer.clear();
            buffer.limit((int) Math.min(buffer.capacity(), contentLength - received));
            fill();
            buffer.flip();
        }
        long nanos = System.nanoTime() - start;
        String hex = sha256 == null ? null : HexFormat.of().formatHex(sha256.digest());
        return new Reply(status, headers, received, errorBody == null ? null : errorBody.toByteArray(), hex, nanos);
    }

    /** One read into the buffer; the end of the stream is an error (the server answers before it closes). */
    private void fill() throws IOException {
        if (channel.read(buffer) < 0) {
            throw new IOException("connection closed by the server mid-response");
        }
    }

    /** The index of the CRLF CRLF that ends the head in the buffer's first position() bytes, or -1. */
    private int endOfHead() {
        for (int i = 0, last = buffer.position() - 4; i <= last; i++) {
            if (buffer.get(i) == '\r' && buffer.get(i + 1) == '\n' && buffer.get(i + 2) == '\r' && buffer.get(i + 3) == '\n') {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing: nothing to do
        }
    }
}
