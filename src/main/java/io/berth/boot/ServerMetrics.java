package io.berth.boot;

import io.berth.config.BerthConfig;
import io.berth.config.ConfigException;
import io.berth.http.HttpMetrics;
import io.berth.http.HttpServer;
import io.berth.registry.GarbageCollector;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.reflect.InvocationHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The metrics of a running server (docs/OPERATIONS.md#metrics) besides the HTTP series: the JVM and process binders,
 * the stores' operation latency (a decorator around each store interface, so no store implementation knows of
 * metrics), garbage collection, upload purges, and the manifest cache.
 */
final class ServerMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(ServerMetrics.class);
    /** Store operation buckets: a metadata lookup takes tens of microseconds, an S3 upload of a part seconds. */
    private static final Duration[] STORE_BUCKETS = {
        Duration.ofNanos(100_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30)};

    private final PrometheusMeterRegistry registry;
    private final Counter gcRuns;
    private final Counter gcBlobs;
    private final Counter gcBytes;
    private final Counter uploadsPurged;
    private final Map<String, Operation> shared = new HashMap<>();

    private ServerMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
        gcRuns = Counter.builder("berth.gc.runs").description("Garbage collection runs that held the lease (not dry runs)")
                .register(registry);
        gcBlobs = Counter.builder("berth.gc.blobs.deleted").description("Blobs garbage collection deleted")
                .register(registry);
        gcBytes = Counter.builder("berth.gc.freed.bytes").baseUnit("bytes")
                .description("Bytes of the blobs garbage collection deleted").register(registry);
        uploadsPurged = Counter.builder("berth.uploads.purged")
                .description("Idle uploads purged with their bytes (uploads.maxAge)").register(registry);
    }

    /** A fresh registry with the JVM and process binders; null when metrics.enabled is false. */
    static ServerMetrics from(BerthConfig config) {
        if (!config.metrics().enabled()) {
            return null;
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        return new ServerMetrics(registry);
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Counts a garbage collection's report: runs that held the lease, and what they deleted. */
    void collected(GarbageCollector.Report report) {
        if (!report.ran() || report.dryRun()) {
            return;
        }
        gcRuns.increment();
        gcBlobs.increment(report.blobsDeleted());
        gcBytes.increment(report.bytesFreed());
    }

    void purged(int uploads) {
        uploadsPurged.increment(uploads);
    }

    /** A gauge of a value some object reports (uploads in progress). */
    <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
        Gauge.builder(name, source, value).description(description).register(registry);
    }

    /** A counter kept by some object (the manifest cache's hits and misses). */
    <T> void counter(String name, String description, String tag, String value, T source, ToDoubleFunction<T> count) {
        FunctionCounter.builder(name, source, count).description(description).tag(tag, value).register(registry);
    }

    /**
     * The store behind an interface of its own type that times every call of the interface's methods, per method
     * (the operation) and backend, with meters made once. histogram: a duration histogram per operation (the blob
     * store: a few calls per request, some slow); else only count and total time, which cost a tenth as much (the
     * metadata stores: tens of calls per request on some routes).
     */
    @SuppressWarnings("unchecked")
    <T> T timed(Class<T> type, T store, String name, String backend, boolean histogram) {
        Map<Method, Operation> operations = new HashMap<>();
        for (Method method : type.getMethods()) {
            if (method.getName().equals("close") || java.lang.reflect.Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            String meter = "berth." + name + ".store.operations";
            // One meter per operation and backend, shared by the stores that have a method of that name.
            Operation operation = shared.computeIfAbsent(meter + " " + method.getName() + " " + backend, key -> {
                String description = "Calls of the " + name + " store by operation and backend: count and duration";
                if (histogram) {
                    return new Operation(Timer.builder(meter).description(description)
                            .tag("operation", method.getName()).tag("backend", backend)
                            .serviceLevelObjectives(STORE_BUCKETS).register(registry));
                }
                Operation counted = new Operation(null);
                FunctionTimer.builder(meter, counted, o -> o.count.sum(), o -> o.nanos.sum(), TimeUnit.NANOSECONDS)
                        .description(description).tag("operation", method.getName()).tag("backend", backend)
                        .register(registry);
                return counted;
            });
            operations.put(method, operation);
        }
        InvocationHandler handler = (proxy, method, args) -> {
            Operation operation = operations.get(method);
            if (operation == null) {
                if (method.getDeclaringClass() == Object.class) {
                    return switch (method.getName()) {
                        case "equals" -> proxy == args[0];
                        case "hashCode" -> System.identityHashCode(proxy);
                        default -> type.getSimpleName() + " timed(" + store + ")";
                    };
                }
                return invoke(method, store, args);
            }
            long start = System.nanoTime();
            try {
                return invoke(method, store, args);
            } finally {
                operation.record(System.nanoTime() - start);
            }
        };
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler);
    }

    /** One operation's meter: a timer with a histogram, or a count and a total kept here (a FunctionTimer reads). */
    private record Operation(Timer timer, LongAdder count, LongAdder nanos) {
        Operation(Timer timer) {
            this(timer, new LongAdder(), new LongAdder());
        }

        void record(long elapsed) {
            if (timer != null) {
                timer.record(elapsed, TimeUnit.NANOSECONDS);
            } else {
                count.increment();
                nanos.add(elapsed);
            }
        }
    }

    /**
     * The listener of metrics.listen serving only {@code /metrics}, open to all (bind it where only the scraper
     * reaches); null when metrics.listen is empty.
     */
    static HttpServer listen(BerthConfig config, HttpMetrics metrics, Executor blocking) throws InterruptedException {
        String listen = config.metrics().listen().trim();
        if (listen.isEmpty()) {
            return null;
        }
        int colon = listen.lastIndexOf(':');
        String host = listen.substring(0, colon).replaceAll("^\\[|\\]$", "");
        InetSocketAddress address = new InetSocketAddress(host, Integer.parseInt(listen.substring(colon + 1)));
        if (address.isUnresolved()) {
            throw new ConfigException("metrics.listen: unknown host " + host);
        }
        try {
            HttpServer server = HttpServer.start(address, metrics.alone(), blocking, 1, null, false, null);
            LOG.info("metrics on {}/metrics", server.url());
            return server;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // Netty rethrows the bind's checked exception undeclared (see Server.listen).
            throw new ConfigException("cannot listen on " + listen + " (metrics.listen): "
                    + String.valueOf(e.getMessage()).replaceFirst("^.*failed( with error\\(-?[0-9]+\\))?: ", "")
                    .toLowerCase(java.util.Locale.ROOT));
        }
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
