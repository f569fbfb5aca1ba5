package io.berth.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.registry.Failures;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place that turns a failure into the spec's error envelope. Never a stack trace to the client. */
final class ErrorMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ErrorMapper() {}

    /**
     * The last filter of the chain's head: whatever a filter or handler throws becomes the envelope here. A failure
     * while a request body streams in (past the chain) is mapped by {@link #toResponse} where it happens.
     */
    static final Filter FILTER = (exchange, route, next) -> {
        try {
            return next.handle(exchange);
        } catch (Throwable failure) {
            return toResponse(failure, exchange);
        }
    };

    static Response toResponse(Throwable failure, Exchange exchange) {
        if (failure instanceof RegistryException e) {
            return envelope(e.code(), e.getMessage(), e.detail(), e.headers());
        }
        if (Failures.storageFull(failure)) {
            // Expected while the disk is full and seen on every push then: one line, no stack trace.
            LOG.warn("request {} {} {}: storage full: {}", exchange.requestId(),
                    exchange.method(), exchange.path(),
                    Failures.rootMessage(failure));
            return envelope(ErrorCode.STORAGE_FULL,
                    "insufficient storage: the registry's disk is full; retry after content is deleted or space is freed",
                    null, Map.of());
        }
        String unreachable = Failures.databaseUnreachable(failure);
        if (unreachable != null) {
            LOG.warn("request {}: metadata store unreachable: {}", exchange.requestId(),
                    unreachable);
            return envelope(ErrorCode.UNAVAILABLE, "metadata store unreachable; retry later", null,
                    Map.of("Retry-After", DATABASE_RETRY_AFTER_SECONDS));
        }
        LOG.error("request {} {} {} failed", exchange.requestId(),
                exchange.method(), exchange.path(), failure);
        return envelope(ErrorCode.INTERNAL, "internal server error; see the server log for this request id", null,
                Map.of());
    }

    /** Seconds a client is asked to wait while the database is unreachable: about a database restart's time. */
    private static final String DATABASE_RETRY_AFTER_SECONDS = "5";


    /** The envelope of code, with the code's status from the table. */
    static Response envelope(ErrorCode code, String message, Object detail, Map<String, String> headers) {
        int status = code.status();
        ObjectNode root = JSON.createObjectNode();
        ArrayNode errors = root.putArray("errors");
        ObjectNode error = errors.addObject();
        error.put("code", code.base().name());
        error.put("message", message == null ? code.message() : message);
        if (detail != null) {
            error.set("detail", JSON.valueToTree(detail));
        } else {
            error.putNull("detail");
        }
        Response response = Response.status(status).json(root.toString());
        headers.forEach(response::header);
        return response;
    }
}
