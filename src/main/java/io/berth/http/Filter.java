package io.berth.http;

import java.util.List;

/** Cross-cutting work around a matched route (access control, audit): answer itself, or call next. */
@FunctionalInterface
public interface Filter {
    Filter NONE = (exchange, route, next) -> next.handle(exchange);

    Outcome filter(Exchange exchange, Route route, Route.Handler next) throws Exception;

    /** This filter around inner: inner runs (around the route's handler) only when this one calls next. */
    default Filter around(Filter inner) {
        return (exchange, route, next) -> filter(exchange, route, ex -> inner.filter(ex, route, next));
    }

    /**
     * The one chain every matched route runs through: the filters in the order installed, the first outermost, the
     * route's handler innermost. No filters installed: the handler alone.
     */
    static Filter chain(List<Filter> filters) {
        if (filters.isEmpty()) {
            return NONE;
        }
        Filter chain = filters.get(filters.size() - 1);
        for (int i = filters.size() - 2; i >= 0; i--) {
            chain = filters.get(i).around(chain);
        }
        return chain;
    }
}
