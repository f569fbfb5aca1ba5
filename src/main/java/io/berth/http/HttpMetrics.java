package io.berth.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * The HTTP series (docs/OPERATIONS.md#metrics) and the {@code /metrics} route. A filter of the chain's head counts
 * every request, routed or not, once its response is out: a duration histogram, bytes in and out, by route name,
 * method and status; and the requests in flight. The meters of a route, method and status are made once and kept in
 * an array per route, so a request costs an array read and the meters' own lock-free updates: no tag building, no
 * map lookup of strings, no lock.
 */
public final class HttpMetrics implements Exchange.Completion {
    /** The route label of a request that reached no route (no match, malformed, refused while overloaded). */
    public static final String UNROUTED = "unrouted";
    /** The name of the {@code /metrics} route. */
    static final String ROUTE = "metrics";
    /** The label of a method outside the usual ones: a client cannot make a new series by inventing methods. */
    private static final List<HttpMethod> METHODS = List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT,
            HttpMethod.POST, HttpMethod.PATCH, HttpMethod.DELETE, HttpMethod.OPTIONS);
    private static final String OTHER_METHOD = "OTHER";
    private static final int STATUSES = 600;
    /** Histogram buckets, in seconds: a manifest HEAD takes well under a millisecond, a large blob minutes. */
    private static final Duration[] BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(300)};

    private final PrometheusMeterRegistry registry;
    /** The meters of each route by identity (a record's hashCode would hash all its fields on every request). */
    private volatile Map<Route, RouteMeters> routes = new IdentityHashMap<>();
    private final LongAdder inFlight = new LongAdder();
    private final Counter tokensIssued;
    private final Counter loginsFailed;
    private final Filter filter = (exchange, route, next) -> {
        inFlight.increment();
        exchange.onCompletion(this);
        return next.handle(exchange);
    };

    public HttpMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("berth.http.requests.in.flight", inFlight, LongAdder::sum)
                .description("Requests received whose response is not yet fully sent").register(registry);
        tokensIssued = Counter.builder("berth.tokens.issued").description("Tokens issued by the token endpoint")
                .register(registry);
        loginsFailed = Counter.builder("berth.logins.failed")
                .description("Logins refused by the token endpoint (wrong password, unknown or disabled account)")
                .register(registry);
    }

    /** The filter for the chain's head: counts the request once its response is out. */
    Filter filter() {
        return filter;
    }

    /**
     * {@code GET /metrics}: the registry's series in the Prometheus text format. With access control on, anyone may
     * read it when anonymous, else (the default) any authenticated caller, as {@code GET /v2/}.
     */
    public Route route(boolean anonymous) {
        return new Route(ROUTE, HttpMethod.GET, Pattern.compile("/metrics"),
                anonymous ? Route.Action.NONE : Route.Action.BASE, exchange -> scrape());
    }

    /** The scrape as a response. */
    Response scrape() {
        return Response.status(200).body(registry.scrape().getBytes(StandardCharsets.UTF_8),
                "text/plain; version=0.0.4; charset=utf-8");
    }

    /** Only the metrics route: what a separate {@code metrics.listen} serves. */
    public Installation alone() {
        return new Installation().routes(List.of(route(true)));
    }

    @Override
    public void completed(Exchange exchange, int status, long bytesSent, long bytesReceived, Throwable failure) {
        inFlight.decrement();
        Route route = exchange.route();
        RouteMeters meters = routes.get(route);
        if (meters == null) {
            meters = add(route);
        }
        Meters m = meters.meters(exchange.method(), status);
        m.duration.record(exchange.elapsedNanos(), TimeUnit.NANOSECONDS);
        if (bytesReceived > 0) {
            m.bytesIn.increment(bytesReceived);
        }
        if (bytesSent > 0) {
            m.bytesOut.increment(bytesSent);
        }
        if (meters.token) {
            if (status == 200) {
                tokensIssued.increment();
            } else if (status == 401 && exchange.loginRefused()) {
                loginsFailed.increment();
            }
        }
    }

    /** A route seen for the first time: copy on write, so that reads take no lock. */
    private synchronized RouteMeters add(Route route) {
        RouteMeters meters = routes.get(route);
        if (meters == null) {
            Map<Route, RouteMeters> more = new IdentityHashMap<>(routes);
            meters = new RouteMeters(route);
            more.put(route, meters);
            routes = more;
        }
        return meters;
    }

    /** One route's meters by method and status, each made on first use. */
    private final class RouteMeters {
        private final String name;
        private final boolean token;
        /** For a route: its one method. For the unrouted: any method, by its index in METHODS or OTHER. */
        private final HttpMethod method;
        private final AtomicReferenceArray<Meters> meters;

        RouteMeters(Route route) {
            this.name = route == Router.UNROUTED ? UNROUTED : route.name();
            this.token = "token".equals(route.name());
            this.method = route == Router.UNROUTED ? null : route.method();
            this.meters = new AtomicReferenceArray<>(STATUSES * (method == null ? METHODS.size() + 1 : 1));
        }

        Meters meters(HttpMethod requestMethod, int status) {
            int code = status >= 100 && status < STATUSES ? status : 0;
            int methodIndex = 0;
            String methodName = method == null ? null : method.name();
            if (method == null) {
                methodIndex = METHODS.indexOf(requestMethod);
                methodName = methodIndex < 0 ? OTHER_METHOD : requestMethod.name();
                methodIndex = methodIndex < 0 ? METHODS.size() : methodIndex;
            }
            int slot = methodIndex * STATUSES + code;
            Meters m = meters.get(slot);
            if (m == null) {
                m = new Meters(registry, Tags.of("route", name, "method", methodName,
                        "status", code == 0 ? "other" : Integer.toString(code)));
                if (!meters.compareAndSet(slot, null, m)) {
                    m = meters.get(slot);
                }
            }
            return m;
        }
    }

    /** The meters of one route, method and status (registering the same meter twice yields the same one). */
    private static final class Meters {
        final Timer duration;
        final Counter bytesIn;
        final Counter bytesOut;

        Meters(MeterRegistry registry, Tags tags) {
            duration = Timer.builder("berth.http.requests").description("HTTP requests: count and duration")
                    .tags(tags).serviceLevelObjectives(BUCKETS).register(registry);
            bytesIn = Counter.builder("berth.http.received.bytes").baseUnit("bytes")
                    .description("Request body bytes received").tags(tags).register(registry);
            bytesOut = Counter.builder("berth.http.sent.bytes").baseUnit("bytes")
                    .description("Response body bytes sent").tags(tags).register(registry);
        }
    }
}
