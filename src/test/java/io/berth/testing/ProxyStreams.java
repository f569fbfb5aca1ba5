package io.berth.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * What the test proxies share: a loopback listener with its accept loop, reading a request head, passing one
 * request to a server on a connection of its own, and piping one direction of a connection.
 */
final class ProxyStreams {
    private ProxyStreams() {}

    /** The request line and headers up to the blank line, or null when the connection closed first. */
    static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toByteArray();
    }

    /** A listener on a free loopback port. */
    static ServerSocket listen(int backlog) {
        try {
            return new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Accepts connections until listener closes, each served on a virtual thread of its own. */
    static void acceptLoop(ServerSocket listener, Consumer<Socket> serve) {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Thread.ofVirtual().start(() -> serve.accept(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Copies from into to until from ends, then half-closes to. */
    static void pipe(InputStream from, Socket to) {
        try {
            from.transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            // either side closed
        }
    }

    /**
     * Sends the request whose head was read from client to server, with "Connection: close" so that the server
     * ends the connection after its answer (every request of the client then comes through a new connection); pipes
     * the body up and the answer back, and returns when the answer has ended.
     */
    static void relay(byte[] head, InputStream in, Socket client, Socket server) throws IOException, InterruptedException {
        server.getOutputStream().write(oneRequestPerConnection(head));
        Thread upstream = Thread.ofVirtual().start(() -> pipe(in, server));
        pipe(server.getInputStream(), client);
        upstream.join(1000);
    }

    /**
     * The head without its hop-by-hop Connection and Keep-Alive headers, plus "Connection: close". Neither is a
     * header S3 signs, so signatures still verify.
     */
    private static byte[] oneRequestPerConnection(byte[] head) {
        String text = new String(head, StandardCharsets.ISO_8859_1);
        StringBuilder rewritten = new StringBuilder();
        for (String line : text.substring(0, text.length() - 4).split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (!lower.startsWith("connection:") && !lower.startsWith("keep-alive:")) {
                rewritten.append(line).append("\r\n");
            }
        }
        return rewritten.append("Connection: close\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Stops a proxy: closes its listening socket and interrupts the thread accepting on it. */
    static void stop(ServerSocket listener, Thread acceptor) {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        acceptor.interrupt();
    }

    /** What a proxy does with one request, once its head is read; the body is still in in. */
    interface RequestHandler {
        void handle(byte[] head, InputStream in, Socket client) throws IOException, InterruptedException;
    }

    /** Serves one connection: reads the request head and hands it on. A connection that ends is the client's to see. */
    static void serveOne(Socket client, RequestHandler handler) {
        try (client) {
            InputStream in = client.getInputStream();
            byte[] head = readHead(in);
            if (head != null) {
                handler.handle(head, in, client);
            }
        } catch (IOException | InterruptedException e) {
            // a connection ended; the client sees it (and may retry)
        }
    }

    /** Relays the request whose head was read to the server on the loopback port, and its answer back. */
    static void relayTo(int port, byte[] head, InputStream in, Socket client) throws IOException, InterruptedException {
        try (Socket server = new Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            relay(head, in, client, server);
        }
    }
}
