package io.berth.http;

import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured line per request on the "access" logger, with who made it: the authenticated user or robot
 * ({@code user="-"} while access control is off or before the caller is known) and the User-Agent.
 */
final class AccessLog {
    private static final Logger LOG = LoggerFactory.getLogger("access");
    private final boolean enabled;

    AccessLog(boolean enabled) {
        this.enabled = enabled;
    }

    void log(Exchange exchange, int status, long bytesSent, long bytesReceived, long nanos, SocketAddress remote,
             Throwable failure) {
        if (!enabled || !LOG.isInfoEnabled()) {
            return;
        }
        String user = exchange.principal() == null ? "-" : exchange.principal().name();
        String agent = exchange.header("User-Agent");
        LOG.info("request_id={} method={} path=\"{}\" status={} bytes_out={} bytes_in={} duration_ms={} remote={}"
                        + " user=\"{}\" user_agent=\"{}\"{}",
                exchange.requestId(), exchange.method(), escape(exchange.path()), status, bytesSent, bytesReceived,
                millis(nanos), remote, escape(user), agent == null ? "-" : escape(agent),
                failure == null ? "" : " error=\"" + escape(failure.toString()) + "\"");
    }

    /** Milliseconds with three decimals, without String.format's cost on the event loop. */
    static String millis(long nanos) {
        long micros = nanos / 1000;
        long fraction = micros % 1000;
        return (micros / 1000) + "." + (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + fraction;
    }

    private static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length());
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
        return out.toString();
    }
}
