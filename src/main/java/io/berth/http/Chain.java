package io.berth.http;

/**
 * The one filter chain, as {@link HttpServer#chain} builds it. Its head (request id, access line, error mapping)
 * runs for every request, routed or not; a routed request runs the whole chain, the head and then the filters the
 * features installed, around its route's handler.
 */
record Chain(Filter head, Filter full) {
    /** A matched route's request, through the whole chain. */
    Outcome run(Exchange exchange, Route route) throws Exception {
        return full.filter(exchange, route, route.handler());
    }

    /** A request that reached no route (no match, malformed, refused while overloaded), through the head only. */
    Outcome answer(Exchange exchange, Response answer) throws Exception {
        return head.filter(exchange, Router.UNROUTED, ex -> answer);
    }
}
