package io.berth.cli;

import ch.qos.logback.classic.Level;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
        return Startup.serve(options.load(flags));
    }

    /**
     * What serve needs of Netty and logging, out of the command's class: picocli reads every command's fields and
     * method signatures when the command line is parsed, and other commands must not load Netty or logback.
     */
    private static final class Startup {
        private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

        static int serve(BerthConfig config) throws Exception {
            setLogLevel(config.log().level());
            Server server = Server.start(config, parseAddress(config.http().listen()), tls(config));
            LOG.info("Berth serving on {} with data in {}", server.url(), config.data().toAbsolutePath());
            server.awaitClose();
            return 0;
        }

        private static SslContext tls(BerthConfig config) {
            BerthConfig.Tls tls = config.http().tls();
            if (!tls.enabled()) {
                return null;
            }
            try {
                return SslContextBuilder.forServer(new File(tls.certificate()), new File(tls.key())).build();
            } catch (SSLException | IllegalArgumentException e) {
                throw new io.berth.config.ConfigException("cannot use http.tls certificate " + tls.certificate() + " and key "
                        + tls.key() + ": " + e.getMessage());
            }
        }

        private static void setLogLevel(String level) {
            org.slf4j.Logger root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            if (root instanceof ch.qos.logback.classic.Logger logback) {
                logback.setLevel(Level.toLevel(level, Level.INFO));
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
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }
}
