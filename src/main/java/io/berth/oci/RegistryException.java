package io.berth.oci;

import java.util.Map;

/**
 * The one exception every layer throws for a failure a client should see. It carries the spec's error code,
 * an optional detail for the envelope, and optionally a status that overrides the code's default.
 */
public final class RegistryException extends RuntimeException {
    private final ErrorCode code;
    private final Object detail;
    private final int status;
    private final Map<String, String> headers;

    public RegistryException(ErrorCode code, String message) {
        this(code, message, null, code.status(), Map.of());
    }

    public RegistryException(ErrorCode code, String message, Object detail) {
        this(code, message, detail, code.status(), Map.of());
    }

    public RegistryException(ErrorCode code, String message, Object detail, int status, Map<String, String> headers) {
        super(message == null ? code.message() : message, null, false, false);
        this.code = code;
        this.detail = detail;
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    public ErrorCode code() {
        return code;
    }

    public Object detail() {
        return detail;
    }

    public int status() {
        return status;
    }

    /** Extra response headers, e.g. Content-Range on a 416. */
    public Map<String, String> headers() {
        return headers;
    }
}
