package io.berth.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A loopback load balancer for several registry nodes: each request goes to the next node in turn, as an HTTP load
 * balancer without stickiness sends it. It works at the TCP level with one request per connection: it reads the
 * request head, rewrites it to {@code Connection: close} and pipes the connection to the chosen node, so every
 * request of a client (even on what the client thinks is one keep-alive connection) may land on another node.
 *
 * <p>A node that refuses the connection is skipped for a while (a load balancer's passive health check) and the
 * request goes to the next one; a request whose node dies while it runs fails, and the client retries.
 */
public final class RoundRobinProxy implements AutoCloseable {
    private static final long DOWN_MILLIS = 2_000;

    private final ServerSocket listener;
    /** Backend ports by index; a restarted node gets its slot back with {@link #replace}. Guarded by itself. */
    private final int[] ports;
    private final AtomicLongArray downUntil;
    private final AtomicIntegerArray requests;
    private final AtomicIntegerArray active;
    private final AtomicInteger next = new AtomicInteger();
    private final Thread acceptor;

    public RoundRobinProxy(List<Integer> backendPorts) {
        this.ports = backendPorts.stream().mapToInt(Integer::intValue).toArray();
        this.downUntil = new AtomicLongArray(ports.length);
        this.requests = new AtomicIntegerArray(ports.length);
        this.active = new AtomicIntegerArray(ports.length);
        this.listener = ProxyStreams.listen(200);
        this.acceptor = Thread.ofVirtual().name("round-robin-proxy")
                .start(() -> ProxyStreams.acceptLoop(listener, this::serve));
    }

    public String hostPort() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /** Requests sent to backend index so far. */
    public int requests(int index) {
        return requests.get(index);
    }

    /** Requests backend index is answering right now. */
    public int active(int index) {
        return active.get(index);
    }

    /** Points slot index at another port (a node restarted elsewhere) and takes it back into rotation. */
    public void replace(int index, int port) {
        synchronized (ports) {
            ports[index] = port;
        }
        downUntil.set(index, 0);
    }

    private int port(int index) {
        synchronized (ports) {
            return ports[index];
        }
    }

    private void serve(Socket client) {
        try (client) {
            client.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(client.getInputStream(), 64 * 1024);
            byte[] head = ProxyStreams.readHead(in);
            if (head == null) {
                return;
            }
            int index = -1;
            Socket connected = null;
            for (int tries = 0; tries < ports.length && connected == null; tries++) {
                index = Math.floorMod(next.getAndIncrement(), ports.length);
                if (downUntil.get(index) > System.currentTimeMillis()) {
                    continue;
                }
                connected = connect(index);
            }
            if (connected == null) {
                return;
            }
            requests.incrementAndGet(index);
            active.incrementAndGet(index);
            try (Socket server = connected) {
                server.setTcpNoDelay(true);
                ProxyStreams.relay(head, in, client, server);
            } finally {
                active.decrementAndGet(index);
            }
        } catch (IOException | InterruptedException e) {
            // a connection ended early; the client sees it and retries
        }
    }

    private Socket connect(int index) {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port(index)), 1000);
            return socket;
        } catch (IOException e) {
            downUntil.set(index, System.currentTimeMillis() + DOWN_MILLIS);
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a socket that never connected
            }
            return null;
        }
    }

    @Override
    public void close() {
        ProxyStreams.stop(listener, acceptor);
    }
}
