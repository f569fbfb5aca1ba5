package io.berth.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.RegistryUnderTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * One repository on a registry under test: the image references clients are given, and direct HTTP reads of
 * the registry's side of the result (what it stores and serves, independent of what the client printed).
 */
record RemoteRepository(RegistryUnderTest registry, String name) {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    private static final String ACCEPT_ANY_MANIFEST = String.join(", ", OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** "host:port/name:tag", the way every client writes an image reference. */
    public String tag(String tag) {
        return registry.hostPort() + "/" + name + ":" + tag;
    }

    /** "host:port/name@sha256:..." */
    public String digest(String digest) {
        return registry.hostPort() + "/" + name + "@" + digest;
    }

    /** "host:port/name" */
    public String reference() {
        return registry.hostPort() + "/" + name;
    }

    /** The manifest as the registry serves it to a client that accepts every manifest type; fails unless 200. */
    public FetchedManifest manifest(String reference) {
        HttpResponse<byte[]> response = send("GET", "/manifests/" + reference, ACCEPT_ANY_MANIFEST);
        assertThat(response.statusCode())
                .as("GET %s/manifests/%s answered %s", name, reference, new String(response.body()))
                .isEqualTo(200);
        return new FetchedManifest(response.headers().firstValue("Content-Type").orElse(""),
                response.headers().firstValue("Docker-Content-Digest").orElse(""), response.body());
    }

    public int manifestStatus(String reference) {
        return send("HEAD", "/manifests/" + reference, ACCEPT_ANY_MANIFEST).statusCode();
    }

    /**
     * Asserts that the registry serves, under reference, exactly the manifest whose digest a client reported:
     * GET returns bytes hashing to that digest and says so in Docker-Content-Digest, and HEAD agrees.
     */
    public FetchedManifest assertServes(String reference, String digest) {
        FetchedManifest manifest = manifest(reference);
        assertThat(manifest.computedDigest()).as("sha256 of the bytes GET %s:%s returns", name, reference).isEqualTo(digest);
        assertThat(manifest.digestHeader()).as("Docker-Content-Digest of GET %s:%s", name, reference).isEqualTo(digest);
        HttpResponse<byte[]> head = send("HEAD", "/manifests/" + reference, ACCEPT_ANY_MANIFEST);
        assertThat(head.statusCode()).as("HEAD %s/manifests/%s", name, reference).isEqualTo(200);
        assertThat(head.headers().firstValue("Docker-Content-Digest")).as("Docker-Content-Digest of HEAD").contains(digest);
        return manifest;
    }

    public boolean hasBlob(String digest) {
        return send("HEAD", "/blobs/" + digest, "*/*").statusCode() == 200;
    }

    /** The repository's tags from GET /v2/name/tags/list. */
    public List<String> tags() {
        HttpResponse<byte[]> response = send("GET", "/tags/list", "application/json");
        assertThat(response.statusCode()).as("GET %s/tags/list answered %s", name, new String(response.body())).isEqualTo(200);
        return Json.strings(Json.parse(response.body()).path("tags"));
    }

    private HttpResponse<byte[]> send(String method, String path, String accept) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(registry.baseUri() + "/v2/" + name + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .header("Accept", accept)
                .timeout(Duration.ofSeconds(30))
                .build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new AssertionError(method + " " + request.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** A manifest exactly as the registry sent it. */
    public record FetchedManifest(String contentType, String digestHeader, byte[] bytes) {
        public String computedDigest() {
            return Digests.sha256(bytes);
        }

        public JsonNode json() {
            return Json.parse(bytes);
        }
    }
}
