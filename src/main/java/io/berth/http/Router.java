package io.berth.http;

import io.berth.oci.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds the route for a request: its handler, 405 with Allow when only the method is wrong, else 404. */
final class Router {
    /** What a request that matched no route runs as (it never matches a path). */
    static final Route UNROUTED = new Route("-", io.netty.handler.codec.http.HttpMethod.GET, Pattern.compile("(?!)"),
            Route.Action.NONE, exchange -> {
                throw new IllegalStateException("no route");
            });

    private final List<Route> routes;
    /** Each route's literal start ("/v2/", "/api/v1/namespaces/"): a cheap test before its pattern. */
    private final List<String> prefixes;
    private final Chain chain;

    /** chain wraps every request: all of it around a matched route, its head around the answer to any other. */
    Router(List<Route> routes, Chain chain) {
        this.routes = List.copyOf(routes);
        this.prefixes = this.routes.stream().map(r -> literalPrefix(r.pattern().pattern())).toList();
        this.chain = chain;
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
                exchange.match(route, matcher);
                return () -> chain.run(exchange, route);
            }
            allowed.add(route.method().name());
        }
        if (!allowed.isEmpty()) {
            String allow = String.join(", ", allowed);
            return () -> chain.answer(exchange, ErrorMapper.envelope(ErrorCode.UNSUPPORTED,
                    "method " + exchange.method() + " not allowed here", Map.of("allow", allow), Map.of("Allow", allow)));
        }
        return () -> chain.answer(exchange, ErrorMapper.envelope(ErrorCode.NO_SUCH_ENDPOINT, "no such endpoint", null,
                Map.of()));
    }

    /**
     * Answers a request that reached no route (malformed, refused while the server is overloaded) through the
     * chain's head, so that it too has a request id and one access line. Runs on the event loop: the head's filters
     * do no blocking work.
     */
    Outcome answer(Exchange exchange, Response answer) {
        try {
            return chain.answer(exchange, answer);
        } catch (Exception e) {
            return ErrorMapper.toResponse(e, exchange);
        }
    }
}
