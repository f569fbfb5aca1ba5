package io.berth.testing;

import java.net.URI;

/** A registry server process started by a test: Berth itself, or the reference registry (CNCF Distribution). */
public interface RegistryUnderTest extends AutoCloseable {

    /** Features the reference registry lacks; tests of these run against Berth only. */
    enum Feature {
        REFERRERS, TAG_PAGINATION, TAG_DELETE, REPOSITORY_DELETE, SHA512, UPLOAD_CANCEL_STATUS,
        /** GET /healthz and /readyz; the reference has neither. */
        HEALTH_ENDPOINTS,
        /** X-Request-Id on every response; the reference sends none. */
        REQUEST_ID,
        /** Single POST ?digest= upload answering 201; the reference answers 202 and opens a session. */
        MONOLITHIC_POST,
        /** Mount without a readable from= of a blob the registry holds; the reference answers 202. */
        MOUNT_WITHOUT_FROM,
        /** 416 for a PATCH whose Content-Range does not start at the offset; the reference 2.8 ignores it. */
        CHUNK_RANGE_CHECK,
        /** A manifest is served as stored whatever the Accept header; the reference 404s OCI types without Accept. */
        MANIFEST_ANY_ACCEPT,
        /** ?tag= on PUT manifest by digest, answered with OCI-Tag; the reference ignores it. */
        MANIFEST_TAG_PARAMETER,
        /** BLOB_UPLOAD_UNKNOWN for an upload id never issued; the reference answers BLOB_UPLOAD_INVALID (it wants its _state). */
        UPLOAD_UNKNOWN_CODE,
        /** RFC 9110: a Range in a unit the server does not know is ignored (200); the reference answers 416. */
        UNKNOWN_RANGE_UNIT_IGNORED,
        /** 413 MANIFEST_INVALID above 4 MiB; the reference answers 400. */
        MANIFEST_SIZE_413,
        /** 405 DENIED when deleting a manifest or blob still referenced; the reference deletes it (202). */
        DELETE_PROTECTION,
        /** Tags listed in lexical order; the reference lists them in directory order. */
        SORTED_TAGS,
        /** 400 NAME_INVALID / TAG_INVALID for malformed names; the reference answers 301 or a plain-text 404. */
        NAME_VALIDATION,
        /** The JSON error envelope on every failure (416, unknown route, ...); the reference answers some in plain text. */
        ERROR_ENVELOPE_EVERYWHERE,
        /** 404 for a GET or HEAD whose digest is not valid, the only failure spec end-2/end-3 allow; the reference answers 400, 500 or 301. */
        NOT_FOUND_FOR_INVALID_DIGEST
    }

    /** "berth" or "reference". */
    String name();

    /** host:port, e.g. 127.0.0.1:41234, as clients write it in image references. */
    String hostPort();

    /** http://host:port */
    default URI baseUri() {
        return URI.create("http://" + hostPort());
    }

    boolean supports(Feature feature);

    /** The TLS context that trusts this server's certificate, or null for plain HTTP. */
    default javax.net.ssl.SSLContext tls() {
        return null;
    }

    /** A client of this registry's HTTP API (anonymous; {@link RegistryApiClient#as} adds credentials). */
    default RegistryApiClient api() {
        return new RegistryApiClient(baseUri(), tls());
    }

    @Override
    void close();
}
