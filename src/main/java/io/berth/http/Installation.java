package io.berth.http;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code serve} installs into the HTTP server before it starts: routes in match order and filters, the first
 * outermost. The core registry API is installed first; each optional feature (access control, and later the UI,
 * mirrors, events) installs its own routes and filters from its configuration, or nothing when it is off.
 */
public final class Installation {
    private final List<Route> routes = new ArrayList<>();
    private final List<Filter> filters = new ArrayList<>();
    private HttpMetrics metrics;

    public Installation routes(List<Route> more) {
        routes.addAll(more);
        return this;
    }

    /** Adds a filter inside those installed before it. */
    public Installation filter(Filter filter) {
        filters.add(filter);
        return this;
    }

    /** Counts every request (routed or not) in these metrics: the chain's head measures it. */
    public Installation measure(HttpMetrics metrics) {
        this.metrics = metrics;
        return this;
    }

    /** The metrics installed, or null. */
    HttpMetrics metrics() {
        return metrics;
    }

    List<Route> routes() {
        return List.copyOf(routes);
    }

    List<Filter> filters() {
        return List.copyOf(filters);
    }
}
