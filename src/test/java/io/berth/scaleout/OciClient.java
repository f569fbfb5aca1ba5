package io.berth.scaleout;

import io.berth.oci.Digest;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import io.berth.testing.ServerProcess;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The registry API client as a fleet's clients use it: a failed connection or a 5xx answer makes it start that blob
 * or manifest over, up to five times with a short back-off; it counts the retries and the bytes it sent, and notes
 * every upload id a registry answered with.
 */
final class OciClient {
    static final String OCTETS = RegistryApiClient.OCTETS;
    private static final int ATTEMPTS = 5;

    /** Every upload id a registry answered with, by any client: the uploads clients know of. */
    static final Set<String> UPLOADS_SEEN = ConcurrentHashMap.newKeySet();

    private final RegistryApiClient api;
    private final AtomicInteger retries = new AtomicInteger();
    private final AtomicLong bytesSent = new AtomicLong();

    OciClient(String hostPort) {
        this.api = new RegistryApiClient(hostPort).observing(
                reply -> {
                    String upload = reply.header("Docker-Upload-UUID");
                    if (upload != null) {
                        UPLOADS_SEEN.add(upload);
                    }
                },
                body -> bytesSent.addAndGet(body.length));
    }

    String base() {
        return api.base().toString();
    }

    /** Operations started over after a failed connection or a server error. */
    int retries() {
        return retries.get();
    }

    /** Blob bytes sent in requests that succeeded or failed. */
    long bytesSent() {
        return bytesSent.get();
    }

    /** A failed connection or a 5xx: worth another attempt. */
    static final class Retryable extends Exception {
        Retryable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One request; pathOrUrl is a path on this client's host or an absolute URL. */
    Response send(String method, String pathOrUrl, byte[] body, String... headers) throws Retryable {
        Response reply;
        try {
            reply = api.send(method, pathOrUrl, body, headers);
        } catch (UncheckedIOException e) {
            throw new Retryable(e.getMessage(), e.getCause());
        }
        if (reply.status() >= 500) {
            throw new Retryable(method + " " + pathOrUrl + " answered " + reply, null);
        }
        return reply;
    }

    @FunctionalInterface
    interface Attempt<T> {
        T run() throws Retryable;
    }

    /** Runs attempt until it succeeds, starting over after a failed connection or a 5xx answer. */
    <T> T retrying(Attempt<T> attempt) {
        Exception last = null;
        for (int i = 1; i <= ATTEMPTS; i++) {
            try {
                return attempt.run();
            } catch (Retryable | UncheckedIOException e) {
                last = e;
            } catch (Response.UnexpectedStatus e) {
                if (e.response().status() < 500) {
                    throw e;
                }
                last = new Retryable(e.getMessage(), e);
            }
            if (i < ATTEMPTS) {
                retries.incrementAndGet();
                ServerProcess.sleep(100L * i);
            }
        }
        throw new AssertionError("gave up after " + ATTEMPTS + " attempts", last);
    }

    /**
     * Uploads a blob unless the repository has it. chunk 0 sends it with the PUT that ends the upload; otherwise in
     * PATCH requests of chunk bytes (the last piece goes with the PUT).
     */
    Digest pushBlob(String repo, byte[] content, int chunk) {
        return retrying(() -> api.pushBlob(repo, content, chunk));
    }

    /** Pushes a manifest under reference (tag or digest); returns its digest. */
    Digest pushManifest(String repo, String reference, byte[] manifest, String mediaType) {
        return retrying(() -> api.pushManifest(repo, reference, mediaType, manifest));
    }

    /** The manifest's exact bytes, or null when absent. */
    byte[] manifest(String repo, String reference, String accept) {
        return orNull(() -> send("GET", "/v2/" + repo + "/manifests/" + reference, null, "Accept", accept));
    }

    /** The blob's bytes, or null when absent. */
    byte[] blob(String repo, Digest digest) {
        return orNull(() -> send("GET", "/v2/" + repo + "/blobs/" + digest, null));
    }

    private byte[] orNull(Attempt<Response> get) {
        return retrying(() -> {
            Response reply = get.run();
            return reply.status() == 404 ? null : reply.expect(200).body();
        });
    }

    String absolute(String location) {
        if (location == null) {
            throw new AssertionError("no Location header");
        }
        return api.resolve(location).toString();
    }

    static Response expect(Response reply, int status) {
        return reply.expect(status);
    }
}
