package io.berth.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback HTTP proxy in front of the S3 server that records every request line ("PUT /bucket/key?query"), to
 * count the S3 round trips an operation costs. One request per connection ("Connection: close"), as in
 * ThrottlingProxy, so every request passes here.
 */
public final class CountingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int targetPort;
    /** Request lines in arrival order; guarded by itself. */
    private final List<String> requests = new ArrayList<>();

    public CountingProxy(int targetPort) {
        this.targetPort = targetPort;
        this.listener = ProxyStreams.listen(50);
        Thread.ofVirtual().name("counting-proxy").start(() -> ProxyStreams.acceptLoop(listener, this::serve));
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** The request lines since the last call, and forgets them. */
    public List<String> take() {
        synchronized (requests) {
            List<String> taken = List.copyOf(requests);
            requests.clear();
            return taken;
        }
    }

    private void serve(Socket client) {
        ProxyStreams.serveOne(client, (head, in, socket) -> {
            String text = new String(head, StandardCharsets.ISO_8859_1);
            String line = text.substring(0, text.indexOf("\r\n"));
            synchronized (requests) {
                requests.add(line.substring(0, line.lastIndexOf(' ')));
            }
            ProxyStreams.relayTo(targetPort, head, in, socket);
        });
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing
        }
    }
}
