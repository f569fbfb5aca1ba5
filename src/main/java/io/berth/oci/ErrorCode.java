package io.berth.oci;

/** The distribution-spec error codes, each with its spec message and the HTTP status Berth answers with. */
public enum ErrorCode {
    BLOB_UNKNOWN("blob unknown to registry", 404),
    BLOB_UPLOAD_INVALID("blob upload invalid", 400),
    BLOB_UPLOAD_UNKNOWN("blob upload unknown to registry", 404),
    DIGEST_INVALID("provided digest did not match uploaded content", 400),
    MANIFEST_BLOB_UNKNOWN("manifest references a manifest or blob unknown to registry", 400),
    MANIFEST_INVALID("manifest invalid", 400),
    MANIFEST_UNKNOWN("manifest unknown to registry", 404),
    NAME_INVALID("invalid repository name", 400),
    NAME_UNKNOWN("repository name not known to registry", 404),
    SIZE_INVALID("provided length did not match content length", 400),
    UNAUTHORIZED("authentication required", 401),
    DENIED("requested access to the resource is denied", 403),
    UNSUPPORTED("the operation is unsupported", 405),
    TOOMANYREQUESTS("too many requests", 429),
    /** Not in the spec's table; Distribution uses it for a PATCH whose range does not follow the upload. */
    RANGE_INVALID("invalid content range", 416),
    /** Berth's own codes for protocol-level failures outside the spec's table. */
    PAYLOAD_TOO_LARGE("payload too large", 413),
    TAG_INVALID("manifest tag did not match URI", 400),
    PAGINATION_NUMBER_INVALID("invalid number of results requested", 400),
    NOT_FOUND("not found", 404),
    INVALID_REQUEST("invalid request", 400),
    METHOD_NOT_ALLOWED("method not allowed", 405),
    UNAVAILABLE("service unavailable", 503),
    INTERNAL("internal server error", 500);

    private final String message;
    private final int status;

    ErrorCode(String message, int status) {
        this.message = message;
        this.status = status;
    }

    public String message() {
        return message;
    }

    public int status() {
        return status;
    }
}
