package io.berth.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.util.Arrays;

/** The steps of a chunked upload that the tests of uploads across restarts and crashes share. */
final class ChunkedUploads {
    static final String OCTETS = "application/octet-stream";

    private ChunkedUploads() {}

    /** Starts an upload in repo and sends chunk as its first bytes; returns the PATCH's answer, a 202. */
    static Response startWith(RegistryApiClient http, String repo, byte[] chunk) {
        Response post = http.post("/v2/" + repo + "/blobs/uploads/", null);
        assertThat(post.status()).as("%s", post).isEqualTo(202);
        Response patch = http.patch(post.location(), chunk, "Content-Type", OCTETS,
                "Content-Range", "0-" + (chunk.length - 1));
        assertThat(patch.status()).as("%s", patch).isEqualTo(202);
        return patch;
    }

    /** The upload's status (GET on its path): a 204 whose Range tells the bytes kept. */
    static Response statusOf(RegistryApiClient http, String path) {
        Response status = http.get(path);
        assertThat(status.status()).as("%s", status).isEqualTo(204);
        return status;
    }

    /** Checks that the upload at path kept exactly blob's first kept bytes, then finishes it from there. */
    static void resumeAfterKept(RegistryApiClient http, String repo, String path, byte[] blob, int kept) {
        assertThat(statusOf(http, path).header("Range")).isEqualTo("0-" + (kept - 1));
        finishFrom(http, repo, path, blob, kept);
    }

    /**
     * Sends blob's bytes from offset on to the upload at path, closes the upload with blob's digest, and checks that
     * repo then serves blob under that digest.
     */
    static void finishFrom(RegistryApiClient http, String repo, String path, byte[] blob, int offset) {
        Response patch = http.patch(path, Arrays.copyOfRange(blob, offset, blob.length),
                "Content-Type", OCTETS, "Content-Range", offset + "-" + (blob.length - 1));
        assertThat(patch.status()).as("%s", patch).isEqualTo(202);
        String digest = Content.sha256(blob);
        Response put = http.put(RegistryApiClient.withQuery(RegistryApiClient.pathAndQuery(patch.location()),
                "digest=" + digest), null);
        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(put.header("Docker-Content-Digest")).isEqualTo(digest);
        assertThat(http.get("/v2/" + repo + "/blobs/" + digest).body()).isEqualTo(blob);
    }
}
