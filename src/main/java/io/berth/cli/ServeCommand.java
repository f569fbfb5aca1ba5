package io.berth.cli;

import ch.qos.logback.classic.Level;
import io.berth.config.BerthConfig;
import io.berth.http.HttpServer;
import io.berth.http.Installation;
import io.berth.http.LifecycleApi;
import io.berth.http.RegistryApi;
import io.berth.http.Routes;
import io.berth.metadata.MetadataDatabase;
import io.berth.registry.GarbageCollector;
import io.berth.registry.Registry;
import io.berth.registry.Uploads;
import io.berth.storage.BlobStore;
import io.berth.storage.DiskReserve;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Starts the registry. The whole object graph is built here, by hand. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the registry.")
final class ServeCommand implements Callable<Integer> {
    /** Made on first use: `berth help` builds this command too, and should not start Logback for it. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);
    }

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
        setLogLevel(config.log().level());
        Clock clock = Clock.systemUTC();

        DataDirectoryLock lock = DataDirectoryLock.acquire(config.data());
        InetSocketAddress address = parseAddress(config.http().listen());
        DiskReserve reserve = DiskReserve.open(config.data());
        BlobStore blobs = Stores.blobs(config, reserve);
        MetadataDatabase database = Stores.database(config, clock);
        Lifecycle lifecycle = Lifecycle.open(config, database, blobs, clock, "node-" + ProcessHandle.current().pid()
                + "-" + java.util.UUID.randomUUID().toString().substring(0, 8));
        Registry registry = lifecycle.registry();
        Uploads uploads = registry.uploads();
        uploads.recoverClaims(config.data().resolve("claims"));
        BlockingExecutor blocking = new BlockingExecutor(config.http().maxBlockingTasks());

        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("berth-scheduler").factory());
        // One statfs a second: notices a disk filled from outside, and gives the reserve back when space returns.
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                reserve.check();
            } catch (java.io.IOException | RuntimeException e) {
                Log.LOG.warn("checking the free space of {}: {}", config.data(), e.toString());
            }
        }, 1, 1, TimeUnit.SECONDS);
        long purgeMillis = Math.max(100, config.uploads().purgeInterval().toMillis());
        scheduler.scheduleWithFixedDelay(() -> blocking.execute(() -> {
            try {
                int purged = uploads.purgeIdle(config.uploads().maxAge());
                if (purged > 0) {
                    Log.LOG.info("purged {} idle uploads", purged);
                }
            } catch (RuntimeException e) {
                Log.LOG.warn("upload purge failed: {}", e.toString());
            }
        }), purgeMillis, purgeMillis, TimeUnit.MILLISECONDS);
        if (config.gc().enabled()) {
            long gcMillis = Math.max(100, config.gc().interval().toMillis());
            scheduler.scheduleWithFixedDelay(() -> blocking.execute(() -> {
                try {
                    GarbageCollector.Report report = lifecycle.gc().run(lifecycle.gcSettings(), false);
                    // Scheduled runs that found nothing to collect are not worth an audit row each interval.
                    if (report.candidates() > 0) {
                        AccessControl.auditGc(database, clock, "gc-scheduler", null, report);
                    }
                } catch (RuntimeException e) {
                    Log.LOG.warn("garbage collection failed: {}", e.toString());
                }
            }), gcMillis, gcMillis, TimeUnit.MILLISECONDS);
        }
        long retentionMillis = config.retention().interval().toMillis();
        if (retentionMillis > 0) {
            scheduler.scheduleWithFixedDelay(() -> blocking.execute(() -> {
                try {
                    int removed = lifecycle.retention().run(null, false, "retention").size();
                    if (removed > 0) {
                        Log.LOG.info("retention removed {} tags", removed);
                    }
                } catch (RuntimeException e) {
                    Log.LOG.warn("retention failed: {}", e.toString());
                }
            }), retentionMillis, retentionMillis, TimeUnit.MILLISECONDS);
        }

        // The registry API, the lifecycle API, then the optional features, each installing its routes and filters.
        Installation installed = new Installation().routes(Routes.of(new RegistryApi(registry)));
        AccessControl access = AccessControl.from(config, database, clock);
        installed.routes(Routes.lifecycle(new LifecycleApi(registry, lifecycle.store(), lifecycle.retention(),
                lifecycle.gc(), lifecycle.gcSettings(), access.permissions(), access.admin())));
        access.install(installed);
        HttpServer server = Network.listen(address, config, installed, blocking);
        Log.LOG.info("Berth serving on {} with data in {}", server.url(), config.data().toAbsolutePath());
        access.announce(server.url());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            scheduler.shutdownNow();
            blocking.close();
            database.close();
            try {
                blobs.close();
            } catch (java.io.IOException e) {
                Log.LOG.warn("closing the blob store: {}", e.toString());
            }
            lock.release();
        }, "berth-shutdown"));
        server.awaitClose();
        return 0;
    }

    /**
     * The server's network side, in a class of its own: picocli reflects on ServeCommand's methods to print help,
     * and Netty's types in their signatures would load Netty for `berth help serve`.
     */
    private static final class Network {
        /** The server bound to address; a port in use or an address not of this host is one line naming it. */
        static HttpServer listen(InetSocketAddress address, BerthConfig config, Installation installed,
                                 BlockingExecutor blocking) throws InterruptedException {
            try {
                return HttpServer.start(address, installed, blocking, config.http().eventLoopThreads(),
                        config.http().externalUrl(), config.log().access(), tls(config));
            } catch (InterruptedException | io.berth.config.ConfigException e) {
                throw e;
            } catch (Exception e) {
                // Netty rethrows the bind's checked exception undeclared (BindException, or its native form for epoll).
                // "bind(..) failed with error(-98): Address already in use" (epoll) or "Address already in use" (nio).
                String reason = String.valueOf(e.getMessage())
                        .replaceFirst("^.*failed( with error\\(-?[0-9]+\\))?: ", "");
                throw new io.berth.config.ConfigException("cannot listen on " + config.http().listen()
                        + " (http.listen): " + reason.toLowerCase(java.util.Locale.ROOT));
            }
        }

        private static SslContext tls(BerthConfig config) {
            BerthConfig.Tls tls = config.http().tls();
            if (!tls.enabled()) {
                return null;
            }
            try {
                return SslContextBuilder.forServer(new File(tls.certificate()), new File(tls.key())).build();
            } catch (SSLException | IllegalArgumentException e) {
                throw new io.berth.config.ConfigException("cannot use http.tls certificate " + tls.certificate()
                        + " and key " + tls.key() + ": " + e.getMessage());
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

    private static void setLogLevel(String level) {
        org.slf4j.Logger root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger logback) {
            logback.setLevel(Level.toLevel(level, Level.INFO));
        }
    }
}
