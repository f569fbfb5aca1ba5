package io.berth.boot;

import io.berth.config.BerthConfig;
import io.berth.config.ConfigException;
import io.berth.http.HttpMetrics;
import io.berth.http.HttpServer;
import io.berth.http.Installation;
import io.berth.http.LifecycleApi;
import io.berth.http.ListingApi;
import io.berth.http.RegistryApi;
import io.berth.http.ScanApi;
import io.berth.http.Routes;
import io.berth.http.VulnDbApi;
import io.berth.registry.GarbageCollector;
import io.berth.registry.Uploads;
import io.berth.storage.DiskReserve;
import io.berth.ui.WebUi;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running registry as {@code serve} starts it. The whole object graph is built here, by hand: the stores from
 * the configuration, the domain services on them, the scheduled work (free-space checks, idle upload purges, garbage
 * collection, retention), the HTTP server with the registry and lifecycle routes and the optional features.
 */
public final class Server {
    private static final Logger LOG = LoggerFactory.getLogger(Server.class);

    private final HttpServer http;

    private Server(HttpServer http) {
        this.http = http;
    }

    /** Opens the stores, starts the scheduled work and serves on address (TLS with tls, plain HTTP when null). */
    public static Server start(BerthConfig config, InetSocketAddress address, SslContext tls) throws Exception {
        Clock clock = Clock.systemUTC();
        DataDirectoryLock lock = DataDirectoryLock.acquire(config.data()); // makes the directory, or says why not
        DiskReserve reserve = DiskReserve.open(config.data());
        ServerMetrics metrics = ServerMetrics.from(config); // null when metrics.enabled is false
        String node = "node-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
        Instance instance = Instance.open(config, clock, reserve, node, metrics);
        io.berth.scan.ScanWorker scans = new io.berth.scan.ScanWorker(instance.scanning(), config.scanning().workers(),
                node, config.scanning().lease(), config.scanning().pollInterval());
        Uploads uploads = instance.uploads();
        uploads.recoverClaims(config.data().resolve("claims"));
        BlockingExecutor blocking = new BlockingExecutor(config.http().maxBlockingTasks());

        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("berth-scheduler").factory());
        // One statfs a second: notices a disk filled from outside, and gives the reserve back when space returns.
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                reserve.check();
            } catch (IOException | RuntimeException e) {
                LOG.warn("checking the free space of {}: {}", config.data(), e.toString());
            }
        }, 1, 1, TimeUnit.SECONDS);
        long purgeMillis = Math.max(100, config.uploads().purgeInterval().toMillis());
        scheduler.scheduleWithFixedDelay(() -> blocking.execute(() -> {
            try {
                int purged = uploads.purgeIdle(config.uploads().maxAge());
                if (purged > 0) {
                    LOG.info("purged {} idle uploads", purged);
                    if (metrics != null) {
                        metrics.purged(purged);
                    }
                }
            } catch (RuntimeException e) {
                LOG.warn("upload purge failed: {}", e.toString());
            }
        }), purgeMillis, purgeMillis, TimeUnit.MILLISECONDS);
        if (config.gc().enabled()) {
            long gcMillis = Math.max(100, config.gc().interval().toMillis());
            scheduler.scheduleWithFixedDelay(() -> blocking.execute(() -> {
                try {
                    GarbageCollector.Report report = instance.lifecycle().collect(false);
                    // Scheduled runs that found nothing to collect are not worth an audit row each interval.
                    if (report.candidates() > 0) {
                        instance.auditGc("gc-scheduler", null, report);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("garbage collection failed: {}", e.toString());
                }
            }), gcMillis, gcMillis, TimeUnit.MILLISECONDS);
        }
        long retentionMillis = config.retention().interval().toMillis();
        if (retentionMillis > 0) {
            scheduler.scheduleWithFixedDelay(() -> blocking.execute(() -> {
                try {
                    int removed = instance.lifecycle().runRetention(null, false, "retention").size();
                    if (removed > 0) {
                        LOG.info("retention removed {} tags", removed);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("retention failed: {}", e.toString());
                }
            }), retentionMillis, retentionMillis, TimeUnit.MILLISECONDS);
        }

        // Last-pulled times wait in memory and are written in one batch every 10 s (and at shutdown, below).
        scheduler.scheduleWithFixedDelay(() -> blocking.execute(() -> flushPulls(instance)), 10, 10, TimeUnit.SECONDS);

        // The registry API, the lifecycle API, then the optional features, each installing its routes and filters.
        Installation installed = new Installation().routes(Routes.of(new RegistryApi(instance.registry(), uploads)));
        AccessControl access = AccessControl.from(config, instance);
        installed.routes(Routes.lifecycle(new LifecycleApi(instance.registry(), instance.lifecycle(),
                access.permissions(), access.admin())));
        installed.routes(Routes.listing(new ListingApi(instance.listing(), access.permissions())));
        installed.routes(Routes.vulndb(new VulnDbApi(instance.vulnerabilities(), access.permissions(),
                config.data().resolve("vulndb-spool"), config.scanning().maxImportSize().bytes())));
        HttpMetrics httpMetrics = metrics == null ? null : new HttpMetrics(metrics.registry());
        if (httpMetrics != null) {
            installed.measure(httpMetrics);
            if (config.metrics().listen().isBlank()) {
                installed.routes(List.of(httpMetrics.route(config.metrics().anonymous())));
            }
        }
        installed.routes(Routes.scans(new ScanApi(instance.scanning(), instance.registry(), access.permissions())));
        access.install(installed);
        if (config.ui().enabled()) {
            new WebUi(instance.listing(), instance.registry(), access.permissions(), access.logins(),
                    access.admin()::audit, config.ui().sessionTtl(), clock)
                    .manage(instance.lifecycle(), access.admin())
                    .registryHost(config.ui().registryHost())
                    .install(installed);
        }
        HttpServer metricsServer = httpMetrics == null ? null : ServerMetrics.listen(config, httpMetrics, blocking);
        HttpServer server;
        try {
            server = listen(address, config, installed, blocking, tls);
        } catch (InterruptedException | RuntimeException e) {
            if (metricsServer != null) {
                metricsServer.close();
            }
            throw e;
        }
        LOG.info("Berth serving on {} with data in {}", server.url(), config.data().toAbsolutePath());
        access.announce(server.url());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            if (metricsServer != null) {
                metricsServer.close();
            }
            scans.close();
            scheduler.shutdownNow();
            blocking.close();
            flushPulls(instance);
            try {
                instance.close();
            } catch (RuntimeException e) {
                LOG.warn("closing the stores: {}", e.toString());
            }
            lock.release();
        }, "berth-shutdown"));
        return new Server(server);
    }

    private static void flushPulls(Instance instance) {
        try {
            instance.registry().flushPulls();
        } catch (RuntimeException e) {
            LOG.warn("writing last-pulled times: {}", e.toString());
        }
    }

    /** The server bound to address; a port in use or an address not of this host is one line naming it. */
    private static HttpServer listen(InetSocketAddress address, BerthConfig config, Installation installed,
                                     BlockingExecutor blocking, SslContext tls) throws InterruptedException {
        try {
            return HttpServer.start(address, installed, blocking, config.http().eventLoopThreads(),
                    config.http().externalUrl(), config.log().access(), tls);
        } catch (InterruptedException | ConfigException e) {
            throw e;
        } catch (Exception e) {
            // Netty rethrows the bind's checked exception undeclared (BindException, or its native form for epoll):
            // "bind(..) failed with error(-98): Address already in use" (epoll) or "Address already in use" (nio).
            String reason = String.valueOf(e.getMessage()).replaceFirst("^.*failed( with error\\(-?[0-9]+\\))?: ", "");
            throw new ConfigException("cannot listen on " + config.http().listen() + " (http.listen): "
                    + reason.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** The URL it serves on. */
    public String url() {
        return http.url();
    }

    /** Waits until the server has stopped. */
    public void awaitClose() throws InterruptedException {
        http.awaitClose();
    }
}
