package io.berth.http;

/** Cross-cutting work around a matched route (access control): answer itself, or call next. */
@FunctionalInterface
public interface Filter {
    Filter NONE = (exchange, route, next) -> next.handle(exchange);

    Outcome filter(Exchange exchange, Route route, Route.Handler next) throws Exception;
}
