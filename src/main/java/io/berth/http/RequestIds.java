package io.berth.http;

import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Request ids: 16 hex digits, random, carried by the response header and every log line of the request. */
final class RequestIds {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private RequestIds() {}

    /**
     * The first filter of the chain, which every request passes, routed or not: gives the request its id and, at
     * debug, says which route it took.
     */
    static final Filter FILTER = (exchange, route, next) -> {
        exchange.requestId(next());
        if (LOG.isDebugEnabled()) {
            LOG.debug("request {}: {} {} -> route {}", exchange.requestId(), exchange.method(), exchange.path(),
                    route == Router.UNROUTED ? "none" : route.name());
        }
        return next.handle(exchange);
    };

    static String next() {
        long id = ThreadLocalRandom.current().nextLong();
        char[] hex = new char[16];
        for (int i = 15; i >= 0; i--) {
            hex[i] = Character.forDigit((int) (id & 0xf), 16);
            id >>>= 4;
        }
        return new String(hex);
    }
}
