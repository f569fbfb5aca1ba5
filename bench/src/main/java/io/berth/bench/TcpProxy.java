package io.berth.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal loopback TCP load balancer for {@code --nodes N}: each accepted connection goes to the next node in
 * turn and is piped both ways until either side closes (layer 4, like a TCP load balancer or kube-proxy; keep-alive
 * connections stay on their node, unlike the tests' per-request RoundRobinProxy, because the bench's client keeps
 * connections open). Runs in the generator's JVM on virtual threads, so its CPU counts as the generator's.
 */
final class TcpProxy implements AutoCloseable {
    private static final int BUFFER = 256 * 1024;

    private final ServerSocket listener;
    private final int[] ports;
    private final AtomicInteger next = new AtomicInteger();
    private final Thread acceptor;

    TcpProxy(List<Integer> backendPorts) throws IOException {
        this.ports = backendPorts.stream().mapToInt(Integer::intValue).toArray();
        this.listener = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofVirtual().name("bench-tcp-proxy").start(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Thread.ofVirtual().start(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        int port = ports[Math.floorMod(next.getAndIncrement(), ports.length)];
        try (client; Socket server = new Socket()) {
            server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            client.setTcpNoDelay(true);
            server.setTcpNoDelay(true);
            Thread up = Thread.ofVirtual().start(() -> pipe(client, server));
            pipe(server, client);
            up.join(5000);
        } catch (IOException | InterruptedException e) {
            // a connection ended early; the client sees it
        }
    }

    private static void pipe(Socket from, Socket to) {
        byte[] buffer = new byte[BUFFER];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close();
                from.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        acceptor.interrupt();
    }
}
