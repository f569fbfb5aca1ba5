package io.berth.oci;

import java.util.Map;

/**
 * The one exception every layer throws for a failure a client should see. It carries the error's entry in the
 * {@link ErrorCode} table (which decides the status), an optional detail for the envelope, and headers only the HTTP
 * layer adds (a challenge, where an upload ends). The domain extends it where a front door needs more to tell.
 */
public class RegistryException extends RuntimeException {
    private final ErrorCode code;
    private final Object detail;
    private final Map<String, String> headers;

    public RegistryException(ErrorCode code, String message) {
        this(code, message, null, Map.of());
    }

    public RegistryException(ErrorCode code, String message, Object detail) {
        this(code, message, detail, Map.of());
    }

    /** With response headers: for the HTTP layer, which renders what the domain says into them. */
    public RegistryException(ErrorCode code, String message, Object detail, Map<String, String> headers) {
        super(message == null ? code.message() : message, null, false, false);
        this.code = code;
        this.detail = detail;
        this.headers = Map.copyOf(headers);
    }

    /**
     * With a status, which must be the code's own (the table decides it).
     *
     * @deprecated name no status: use {@link #RegistryException(ErrorCode, String, Object, Map)}
     */

    public ErrorCode code() {
        return code;
    }

    public Object detail() {
        return detail;
    }

    /** The HTTP status: the code's, from the table. */
    public int status() {
        return code.status();
    }

    /** Extra response headers, e.g. Content-Range on a 416. */
    public Map<String, String> headers() {
        return headers;
    }
}
