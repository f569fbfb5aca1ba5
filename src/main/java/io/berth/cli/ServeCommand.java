package io.berth.cli;

import io.berth.boot.Server;
import io.berth.config.BerthConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Starts the registry; {@link Server} builds the object graph. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the registry.")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions options;

    @Option(names = "--listen", description = "host:port to listen on. Default: 0.0.0.0:5000")
    String listen;

    @Override
    public Integer call() throws Exception {
        Map<String, String> flags = new LinkedHashMap<>();
        if (listen != null) {
            flags.put("http.listen", listen);
        }
        BerthConfig config = options.load(flags);
        Logging.configure(config.log());
        Server server = Server.start(config, parseAddress(config.http().listen()), Network.tls(config));
        server.awaitClose();
        return 0;
    }

    /**
     * The server's network side, in a class of its own: picocli reflects on ServeCommand's methods to print help,
     * and Netty's types in their signatures would load Netty for `berth help serve`.
     */
    private static final class Network {
        static SslContext tls(BerthConfig config) {
            BerthConfig.Tls tls = config.http().tls();
            if (!tls.enabled()) {
                return null;
            }
            readable("http.tls.certificate", tls.certificate());
            readable("http.tls.key", tls.key());
            try {
                return SslContextBuilder.forServer(new File(tls.certificate()), new File(tls.key())).build();
            } catch (SSLException | IllegalArgumentException e) {
                throw new io.berth.config.ConfigException("cannot use http.tls certificate " + tls.certificate()
                        + " and key " + tls.key() + ": " + e.getMessage());
            }
        }

        /** Refuses a TLS file that is missing, a directory or unreadable, naming its key, before Netty reads it. */
        private static void readable(String key, String file) {
            java.nio.file.Path path = java.nio.file.Path.of(file);
            String problem = !java.nio.file.Files.exists(path) ? "no such file"
                    : java.nio.file.Files.isDirectory(path) ? "is a directory"
                    : !java.nio.file.Files.isReadable(path) ? "permission denied" : null;
            if (problem != null) {
                throw new io.berth.config.ConfigException("cannot use " + key + " " + file + ": " + problem);
            }
        }
    }

    static InetSocketAddress parseAddress(String listen) {
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            throw new io.berth.config.ConfigException("http.listen must be host:port, got " + listen);
        }
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new io.berth.config.ConfigException("http.listen has an invalid port: " + listen);
        }
        if (port < 0 || port > 65535) {
            throw new io.berth.config.ConfigException("http.listen has an invalid port: " + listen);
        }
        InetSocketAddress address = host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new io.berth.config.ConfigException("cannot listen on " + listen + " (http.listen): unknown host " + host);
        }
        return address;
    }
}
