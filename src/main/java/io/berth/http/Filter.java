package io.berth.http;

/** Cross-cutting work around a matched route (access control): answer itself, or call next. */
@FunctionalInterface
public interface Filter {
    Filter NONE = (exchange, route, next) -> next.handle(exchange);

    Outcome filter(Exchange exchange, Route route, Route.Handler next) throws Exception;

    /** This filter around inner: inner runs (around the route's handler) only when this one calls next. */
    default Filter around(Filter inner) {
        return (exchange, route, next) -> filter(exchange, route, ex -> inner.filter(ex, route, next));
    }
}
