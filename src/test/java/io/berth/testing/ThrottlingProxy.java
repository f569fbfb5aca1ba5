package io.berth.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy in front of an S3 server that answers the next n requests with S3's throttling error
 * (503 SlowDown) and passes everything else through (so SigV4 signatures, which cover the Host the client used,
 * still verify). Each connection carries one request, so every request can be throttled.
 */
public final class ThrottlingProxy implements AutoCloseable {
    private static final byte[] SLOW_DOWN_BODY = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>
            """.getBytes(StandardCharsets.UTF_8);

    private final ServerSocket listener;
    private final int targetPort;
    private final AtomicInteger toThrottle = new AtomicInteger();
    private final AtomicInteger throttled = new AtomicInteger();
    private final Thread acceptor;

    public ThrottlingProxy(int targetPort) {
        this.targetPort = targetPort;
        this.listener = ProxyStreams.listen(50);
        this.acceptor = Thread.ofVirtual().name("throttling-proxy")
                .start(() -> ProxyStreams.acceptLoop(listener, this::serve));
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** The next n requests get 503 SlowDown. */
    public void throttleNext(int n) {
        toThrottle.set(n);
    }

    /** How many requests were answered with 503 SlowDown. */
    public int throttled() {
        return throttled.get();
    }

    private void serve(Socket client) {
        ProxyStreams.serveOne(client, (head, in, socket) -> {
            if (toThrottle.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throttle(head, in, socket.getOutputStream());
            } else {
                ProxyStreams.relayTo(targetPort, head, in, socket);
            }
        });
    }

    /** Answers 503 after reading the body (unless the client waits for 100-continue, which it will not get). */
    private void throttle(byte[] head, InputStream in, OutputStream out) throws IOException {
        String text = new String(head, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        boolean isHead = text.startsWith("head ");
        if (!text.contains("\r\nexpect: 100-continue")) {
            long length = contentLength(text);
            in.skipNBytes(length);
        }
        throttled.incrementAndGet();
        String status = "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nConnection: close\r\n"
                + "Content-Length: " + SLOW_DOWN_BODY.length + "\r\n\r\n";
        out.write(status.getBytes(StandardCharsets.ISO_8859_1));
        if (!isHead) {
            out.write(SLOW_DOWN_BODY);
        }
        out.flush();
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.startsWith("content-length:")) {
                return Long.parseLong(line.substring("content-length:".length()).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() {
        ProxyStreams.stop(listener, acceptor);
    }
}
