package io.berth.http;

import io.berth.oci.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;

/** Finds the route for a request: its handler, 405 with Allow when only the method is wrong, else 404. */
final class Router {
    private final List<Route> routes;
    private final Filter filter;

    /** filter wraps every matched route (access control); Filter.NONE for none. */
    Router(List<Route> routes, Filter filter) {
        this.routes = List.copyOf(routes);
        this.filter = filter;
    }

    /** Work that runs on the blocking executor and yields the request's outcome. */
    interface Dispatch {
        Outcome run() throws Exception;
    }

    Dispatch dispatch(Exchange exchange) {
        TreeSet<String> allowed = new TreeSet<>();
        for (Route route : routes) {
            Matcher matcher = route.pattern().matcher(exchange.rawPath());
            if (!matcher.matches()) {
                continue;
            }
            if (route.method().equals(exchange.method())) {
                exchange.match(matcher);
                return () -> filter.filter(exchange, route, route.handler());
            }
            allowed.add(route.method().name());
        }
        if (!allowed.isEmpty()) {
            String allow = String.join(", ", allowed);
            return () -> ErrorMapper.envelope(ErrorCode.UNSUPPORTED, "method " + exchange.method() + " not allowed here",
                    Map.of("allow", allow), 405, Map.of("Allow", allow));
        }
        return () -> ErrorMapper.envelope(ErrorCode.UNSUPPORTED, "no such endpoint", null, 404, Map.of());
    }
}
