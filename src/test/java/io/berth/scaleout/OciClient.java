package io.berth.scaleout;

import io.berth.oci.Digest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small registry client speaking the distribution API over HTTP/1.1, as docker does: a blob goes up unless HEAD
 * finds it, monolithic (POST then PUT with the bytes) or in chunks (POST, PATCH..., PUT); a failed connection or a
 * 5xx answer makes it start that blob or manifest over, up to five times with a short back-off.
 */
final class OciClient {
    static final String OCTETS = "application/octet-stream";
    private static final int ATTEMPTS = 5;

    /** Every upload id a registry answered with, by any client: the uploads clients know of. */
    static final java.util.Set<String> UPLOADS_SEEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final HttpClient http;
    private final String base;
    private final AtomicInteger retries = new AtomicInteger();
    private final AtomicLong bytesSent = new AtomicLong();

    OciClient(String hostPort) {
        this.base = "http://" + hostPort;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3))
                .build();
    }

    String base() {
        return base;
    }

    /** Operations started over after a failed connection or a server error. */
    int retries() {
        return retries.get();
    }

    /** Blob bytes sent in requests that succeeded or failed. */
    long bytesSent() {
        return bytesSent.get();
    }

    record Reply(int status, byte[] body, Map<String, java.util.List<String>> headers) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst()).findFirst().orElse(null);
        }

        String text() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return status + " " + text();
        }
    }

    /** A failed connection or a 5xx: worth another attempt. */
    static final class Retryable extends Exception {
        Retryable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One request; pathOrUrl is a path on this client's host or an absolute URL. */
    Reply send(String method, String pathOrUrl, byte[] body, String... headers) throws Retryable {
        URI uri = URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        if (body != null) {
            bytesSent.addAndGet(body.length);
        }
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            Reply reply = new Reply(response.statusCode(), response.body(), response.headers().map());
            response.headers().firstValue("Docker-Upload-UUID").ifPresent(UPLOADS_SEEN::add);
            if (reply.status() >= 500) {
                throw new Retryable(method + " " + uri + " answered " + reply, null);
            }
            return reply;
        } catch (IOException e) {
            throw new Retryable(method + " " + uri + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @FunctionalInterface
    interface Attempt<T> {
        T run() throws Retryable;
    }

    /** Runs attempt until it succeeds, starting over after a failed connection or a 5xx answer. */
    <T> T retrying(Attempt<T> attempt) {
        Retryable last = null;
        for (int i = 1; i <= ATTEMPTS; i++) {
            try {
                return attempt.run();
            } catch (Retryable e) {
                last = e;
                if (i < ATTEMPTS) {
                    retries.incrementAndGet();
                    sleep(100L * i);
                }
            }
        }
        throw new AssertionError("gave up after " + ATTEMPTS + " attempts", last);
    }

    /**
     * Uploads a blob unless the repository has it. chunk 0 sends it with the PUT that ends the upload; otherwise in
     * PATCH requests of chunk bytes (the last piece goes with the PUT).
     */
    Digest pushBlob(String repo, byte[] content, int chunk) {
        Digest digest = Digest.sha256(content);
        retrying(() -> {
            if (send("HEAD", "/v2/" + repo + "/blobs/" + digest, null).status() == 200) {
                return digest;
            }
            Reply post = expect(send("POST", "/v2/" + repo + "/blobs/uploads/", null), 202);
            String location = absolute(post.header("Location"));
            int offset = 0;
            while (chunk > 0 && content.length - offset > chunk) {
                byte[] piece = Arrays.copyOfRange(content, offset, offset + chunk);
                Reply patch = expect(send("PATCH", location, piece, "Content-Type", OCTETS,
                        "Content-Range", offset + "-" + (offset + piece.length - 1)), 202);
                location = absolute(patch.header("Location"));
                offset += piece.length;
            }
            byte[] rest = Arrays.copyOfRange(content, offset, content.length);
            expect(send("PUT", withQuery(location, "digest=" + digest), rest, "Content-Type", OCTETS), 201);
            return digest;
        });
        return digest;
    }

    /** Pushes a manifest under reference (tag or digest); returns its digest. */
    Digest pushManifest(String repo, String reference, byte[] manifest, String mediaType) {
        retrying(() -> expect(send("PUT", "/v2/" + repo + "/manifests/" + reference, manifest, "Content-Type", mediaType), 201));
        return Digest.sha256(manifest);
    }

    /** The manifest's exact bytes, or null when absent. */
    byte[] manifest(String repo, String reference, String accept) {
        return retrying(() -> {
            Reply reply = send("GET", "/v2/" + repo + "/manifests/" + reference, null, "Accept", accept);
            if (reply.status() == 404) {
                return null;
            }
            return expect(reply, 200).body();
        });
    }

    /** The blob's bytes, or null when absent. */
    byte[] blob(String repo, Digest digest) {
        return retrying(() -> {
            Reply reply = send("GET", "/v2/" + repo + "/blobs/" + digest, null);
            if (reply.status() == 404) {
                return null;
            }
            return expect(reply, 200).body();
        });
    }

    String absolute(String location) {
        if (location == null) {
            throw new AssertionError("no Location header");
        }
        return location.startsWith("http") ? location : base + location;
    }

    static String withQuery(String url, String query) {
        return url + (url.contains("?") ? "&" : "?") + query;
    }

    /** The path and query of a URL, to send it to another node. */
    static String pathAndQuery(String url) {
        URI uri = URI.create(url);
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    static Reply expect(Reply reply, int status) {
        if (reply.status() != status) {
            throw new AssertionError("expected " + status + ", got " + reply);
        }
        return reply;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
