package io.berth.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

/** What the test proxies share: reading a request head, and piping one direction of a connection. */
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

    /** Accepts connections until listener closes, each served on a virtual thread of its own. */
    static void acceptLoop(java.net.ServerSocket listener, java.util.function.Consumer<Socket> serve) {
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
}
