package io.berth.http;

import java.math.BigDecimal;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One line per request on the "access" logger, written once the response is out: a filter of the chain head
 * ({@link #FILTER}), which every request passes, routed or not, hooks the exchange's completion. The line carries
 * fixed fields as key-value pairs (the JSON format writes them as the line's fields) and the same in its text
 * message: who made the request (the authenticated user or robot, else "anonymous") and the User-Agent. Health
 * probes, metrics scrapes, and bytes that were not HTTP at all (a TLS hello sent to the plain port, as clients probe), are logged at
 * DEBUG, not INFO.
 */
final class AccessLog implements Exchange.Completion {
    private static final Logger LOG = LoggerFactory.getLogger("access");
    /** Routes that load balancers, orchestrators and Prometheus call every few seconds. */
    private static final Set<String> PROBES = Set.of(Routes.HEALTH, Routes.READY, HttpMetrics.ROUTE);
    private static final AccessLog INSTANCE = new AccessLog();

    /** Hooks the access line to the request's completion. */
    static final Filter FILTER = (exchange, route, next) -> {
        exchange.onCompletion(INSTANCE);
        return next.handle(exchange);
    };

    private AccessLog() {}

    @Override
    public void completed(Exchange exchange, int status, long bytesSent, long bytesReceived, Throwable failure) {
        boolean quiet = exchange.malformed() || PROBES.contains(exchange.route().name());
        Level level = quiet ? Level.DEBUG : Level.INFO;
        if (!LOG.isEnabledForLevel(level)) {
            return;
        }
        BigDecimal millis = BigDecimal.valueOf(exchange.elapsedNanos() / 1000, 3);
        String route = exchange.route() == Router.UNROUTED ? null : exchange.route().name();
        String user = exchange.userForLog();
        String agent = exchange.header("User-Agent");
        String repository = exchange.repository();
        // The same fields under the same names as key-value pairs (JSON) and in the text message.
        LoggingEventBuilder line = LOG.atLevel(level)
                .addKeyValue("request_id", exchange.requestId())
                .addKeyValue("method", exchange.method().name())
                .addKeyValue("path", exchange.path())
                .addKeyValue("route", route)
                .addKeyValue("repository", repository)
                .addKeyValue("status", status)
                .addKeyValue("bytes", bytesSent)
                .addKeyValue("bytes_in", bytesReceived)
                .addKeyValue("duration_ms", millis)
                .addKeyValue("user", user)
                .addKeyValue("user_agent", agent)
                .addKeyValue("remote", exchange.remote())
                .setMessage("request_id={} method={} path=\"{}\" status={} bytes={} bytes_in={} duration_ms={}"
                        + " remote={} user=\"{}\" user_agent=\"{}\" route={} repository={}{}")
                .addArgument(exchange.requestId()).addArgument(exchange.method()).addArgument(new Escaped(exchange.path()))
                .addArgument(status).addArgument(bytesSent).addArgument(bytesReceived).addArgument(millis)
                .addArgument(exchange.remote()).addArgument(new Escaped(user))
                .addArgument(agent == null ? "-" : new Escaped(agent)).addArgument(route == null ? "-" : route)
                .addArgument(repository == null ? "-" : repository);
        if (failure != null) {
            line.addKeyValue("error", failure.toString());
        }
        line.addArgument(failure == null ? "" : new Escaped(" error=\"", failure.toString(), "\"")).log();
    }

    /** A value for the text message, escaped only when the message is formatted (not in the JSON format). */
    private record Escaped(String before, String value, String after) {
        Escaped(String value) {
            this("", value, "");
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder(before);
            for (int i = 0; i < value.length() && i < 512; i++) {
                char c = value.charAt(i);
                if (c == '"' || c == '\\') {
                    out.append('\\').append(c);
                } else if (c < 0x20 || c == 0x7f) {
                    out.append(String.format("\\x%02x", (int) c));
                } else {
                    out.append(c);
                }
            }
            return out.append(after).toString();
        }
    }
}
