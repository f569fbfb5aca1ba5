package io.berth.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The training run behind the launcher's class-data archive for commands that touch no store (target/berth-cli.jsa):
 * one JVM that runs `help gc` and a few `--server` commands against a stand-in on a loopback port that answers every
 * request with an empty JSON listing, so the archive holds picocli's, the HTTP client's (HttpURLConnection), Jackson's
 * streaming and tree classes and the remote commands' (reading and writing ones). Not a command; the launcher runs
 * it with -XX:DumpLoadedClassList and its output discarded.
 */
final class CliTraining {
    private static final byte[] ANSWER = ("{\"repositories\":[],\"users\":[],\"namespaces\":[],\"tokens\":[],"
            + "\"entries\":[],\"events\":[],\"next\":null}").getBytes(StandardCharsets.UTF_8);

    private CliTraining() {}

    /**
     * args: nothing, or a PKCS12 key store and its password (the launcher makes one with keytool, and points
     * BERTH_CACERT at its certificate): then a command also goes over HTTPS, so the TLS client's classes are archived.
     */
    public static void main(String[] args) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket tls = args.length == 2 ? tlsListener(Path.of(args[0]), args[1].toCharArray()) : null) {
            for (ServerSocket socket : tls == null ? List.of(listener) : List.of(listener, tls)) {
                Thread answering = new Thread(() -> answer(socket), "cli-training");
                answering.setDaemon(true);
                answering.start();
            }
            String server = "--server=http://127.0.0.1:" + listener.getLocalPort();
            if (tls != null) {
                run("repo", "list", "--server=https://127.0.0.1:" + tls.getLocalPort());
            }
            run("help", "gc");
            run("repo", "list", server);
            run("user", "list", server);
            run("namespace", "list", server);
            run("usage", server);
            run("audit", "--limit", "5", server);
            run("repo", "list", "--json", server);
            run("namespace", "create", "training", server);
            System.out.flush();
        }
        System.exit(0);
    }

    private static ServerSocket tlsListener(Path keyStore, char[] password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, password);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    private static void run(String... args) {
        try {
            Main.commandLine(args).execute(args);
        } catch (RuntimeException e) {
            // a training run only loads classes: what a command makes of the stand-in's answer does not matter
        }
    }

    /** Answers each connection's first request with 200 and ANSWER, then closes it (bounded: 1000 connections). */
    private static void answer(ServerSocket listener) {
        for (int i = 0; i < 1000 && !listener.isClosed(); i++) {
            try (Socket socket = listener.accept()) {
                if (readHead(socket.getInputStream())) {
                    OutputStream out = socket.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                            + "Content-Length: " + ANSWER.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(ANSWER);
                    out.flush();
                }
            } catch (IOException e) {
                // the listener closed, or a client went away
            }
        }
    }

    /** Reads up to the blank line ending a request head (the training commands send no body); false at the end. */
    private static boolean readHead(InputStream in) throws IOException {
        int matched = 0;
        for (int b = in.read(); b >= 0; b = in.read()) {
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return true;
            }
        }
        return false;
    }
}
