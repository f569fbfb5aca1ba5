package io.berth.oci;

/**
 * Berth's one table of errors: each entry's code (the name the error envelope carries), message and HTTP status, like
 * Distribution's errcode. No call site sets a status; an error that answers a code under another status is an entry
 * of its own, below the codes, naming the code it answers with.
 */
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
    TAG_INVALID("manifest tag did not match URI", 400),
    PAGINATION_NUMBER_INVALID("invalid number of results requested", 400),
    NOT_FOUND("not found", 404),
    INVALID_REQUEST("invalid request", 400),
    UNAVAILABLE("service unavailable", 503),
    INTERNAL("internal server error", 500),

    /** A manifest over the size limit: the spec's 413 Payload Too Large, with the code of an invalid manifest. */
    MANIFEST_TOO_LARGE(MANIFEST_INVALID, 413),
    /** A delete of a blob or manifest that a manifest of its repository still references (spec: 405 for a delete). */
    STILL_REFERENCED(DENIED, 405),
    /** A tag change conditioned on the tag's current digest found another one. */
    TAG_MOVED(DENIED, 409),
    /** A change that would leave a namespace without an owner. */
    LAST_OWNER(INVALID_REQUEST, 409),
    /** A change that would disable its own account or the last enabled admin. */
    LOCKOUT(INVALID_REQUEST, 409),
    /** The blob store's disk is full: 507 says what is wrong; the code is one clients know, as none names storage. */
    STORAGE_FULL(UNAVAILABLE, 507),
    /** A request body over its configured limit (a vulnerability database import): 413 Payload Too Large. */
    BODY_TOO_LARGE(INVALID_REQUEST, 413),
    /** A path no route serves. */
    NO_SUCH_ENDPOINT(UNSUPPORTED, 404);

    private final ErrorCode answersAs;
    private final String message;
    private final int status;

    ErrorCode(String message, int status) {
        this.answersAs = null;
        this.message = message;
        this.status = status;
    }

    ErrorCode(ErrorCode answersAs, int status) {
        this.answersAs = answersAs;
        this.message = answersAs.message;
        this.status = status;
    }

    /** The entry whose name the error envelope carries as its code: this one, or the code an entry answers with. */
    public ErrorCode base() {
        return answersAs == null ? this : answersAs;
    }

    public String message() {
        return message;
    }

    public int status() {
        return status;
    }
}
