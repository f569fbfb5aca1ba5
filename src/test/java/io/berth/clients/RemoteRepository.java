package io.berth.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.RegistryUnderTest;
import io.berth.testing.Response;
import java.util.List;

/**
 * One repository on a registry under test: the image references clients are given, and direct HTTP reads of
 * the registry's side of the result (what it stores and serves, independent of what the client printed), made with
 * the API client reader (anonymous, or an admin's on a private registry).
 */
record RemoteRepository(RegistryUnderTest registry, String name, RegistryApiClient reader) {
    static final String OCI_MANIFEST = RegistryApiClient.OCI_MANIFEST;
    static final String OCI_INDEX = RegistryApiClient.OCI_INDEX;
    static final String DOCKER_MANIFEST = RegistryApiClient.DOCKER_MANIFEST;
    static final String DOCKER_LIST = RegistryApiClient.DOCKER_LIST;

    /** The repository read anonymously. */
    RemoteRepository(RegistryUnderTest registry, String name) {
        this(registry, name, registry.api());
    }

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
        Response response = reader.manifest(name, reference).expect(200);
        return new FetchedManifest(String.valueOf(response.header("Content-Type")),
                String.valueOf(response.header("Docker-Content-Digest")), response.body());
    }

    public int manifestStatus(String reference) {
        return reader.manifestStatus(name, reference);
    }

    /**
     * Asserts that the registry serves, under reference, exactly the manifest whose digest a client reported:
     * GET returns bytes hashing to that digest and says so in Docker-Content-Digest, and HEAD agrees.
     */
    public FetchedManifest assertServes(String reference, String digest) {
        FetchedManifest manifest = manifest(reference);
        assertThat(manifest.computedDigest()).as("sha256 of the bytes GET %s:%s returns", name, reference).isEqualTo(digest);
        assertThat(manifest.digestHeader()).as("Docker-Content-Digest of GET %s:%s", name, reference).isEqualTo(digest);
        Response head = reader.head("/v2/" + name + "/manifests/" + reference, "Accept", RegistryApiClient.ACCEPT_ANY_MANIFEST);
        assertThat(head.status()).as("HEAD %s/manifests/%s", name, reference).isEqualTo(200);
        assertThat(head.header("Docker-Content-Digest")).as("Docker-Content-Digest of HEAD").isEqualTo(digest);
        return manifest;
    }

    public boolean hasBlob(String digest) {
        return reader.hasBlob(name, digest);
    }

    /** The repository's tags from GET /v2/name/tags/list. */
    public List<String> tags() {
        return reader.tags(name);
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
