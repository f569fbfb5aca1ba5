package io.berth.http;

import io.berth.oci.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;

/** Finds the route for a request: its handler, 405 with Allow when only the method is wrong, else 404. */
final class Router {
    private final List<Route> routes;
    /** Each route's literal start ("/v2/", "/api/v1/namespaces/"): a cheap test before its pattern. */
    private final List<String> prefixes;
    private final Filter filter;

    /** filter wraps every matched route: the installed chain (Filter.chain). */
    Router(List<Route> routes, Filter filter) {
        this.routes = List.copyOf(routes);
        this.prefixes = this.routes.stream().map(r -> literalPrefix(r.pattern().pattern())).toList();
        this.filter = filter;
    }

    /** The characters a pattern starts with before its first regex construct. */
    static String literalPrefix(String regex) {
        int end = 0;
        while (end < regex.length() && "\\[](){}.*+?^$|".indexOf(regex.charAt(end)) < 0) {
            end++;
        }
        // A quantifier binds to the character before it, which is then optional: leave that one out too.
        if (end < regex.length() && "*?{".indexOf(regex.charAt(end)) >= 0 && end > 0) {
            end--;
        }
        return regex.substring(0, end);
    }

    /** Work that runs on the blocking executor and yields the request's outcome. */
    interface Dispatch {
        Outcome run() throws Exception;
    }

    Dispatch dispatch(Exchange exchange) {
        TreeSet<String> allowed = new TreeSet<>();
        String path = exchange.rawPath();
        for (int i = 0; i < routes.size(); i++) {
            Route route = routes.get(i);
            if (!path.startsWith(prefixes.get(i))) {
                continue;
            }
            Matcher matcher = route.pattern().matcher(path);
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
                    Map.of("allow", allow), Map.of("Allow", allow));
        }
        return () -> ErrorMapper.envelope(ErrorCode.NO_SUCH_ENDPOINT, "no such endpoint", null, Map.of());
    }
}
