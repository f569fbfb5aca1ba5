package io.berth.conformance;

import io.berth.testing.Response;
import io.berth.testing.RegistryApiClient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.testing.RegistryUnderTest;
import io.berth.testing.RegistryUnderTest.Feature;
import java.net.URI;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Timeout;

/**
 * What every conformance area shares: the registry under test, an HTTP client for it, push helpers that use
 * only what the specification requires of every registry, and the spec's error-envelope assertions.
 * Each area is an abstract class; {@link BerthConformanceTest} and {@link ReferenceConformanceTest} run every
 * area against one server each. A test of something the reference lacks or does differently calls
 * {@link #requires(Feature)}, and the Feature constant says what the reference does instead.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(60)
abstract class Conformance {

    /** The registry this area runs against, started once by the enclosing runner class. */
    protected abstract RegistryUnderTest registry();

    final RegistryApiClient http() {
        return registry().api();
    }

    /** Runs the rest of the test only where the registry has the feature (Berth); the reference skips it. */
    final void requires(Feature feature) {
        assumeTrue(registry().supports(feature), () -> registry().name() + " lacks " + feature + " (see its comment)");
    }

    /** A repository name no other test uses: "area/" + random hex. */
    static String newRepo(String area) {
        byte[] random = new byte[6];
        ThreadLocalRandom.current().nextBytes(random);
        return area + "/r" + HexFormat.of().formatHex(random);
    }

    // ---- blobs and uploads -------------------------------------------------------------------------------------

    /** POST /v2/name/blobs/uploads/ and checks the 202; returns the answer. */
    final Response startUpload(String repo) {
        Response response = http().post("/v2/" + repo + "/blobs/uploads/", null);
        assertThat(response.status()).as("%s", response).isEqualTo(202);
        return response;
    }

    /** Pushes a blob by POST then PUT ?digest=, the monolithic way every registry supports; returns its digest. */
    final String pushBlob(String repo, byte[] content) {
        return http().uploadBlob(repo, content).toString();
    }

    /** Uploads a fresh config and one fresh layer to repo and returns an image manifest of mediaType over them. */
    final ObjectNode pushImageBlobs(String repo, String mediaType) {
        boolean docker = mediaType.equals(Content.DOCKER_MANIFEST);
        byte[] config = Content.imageConfig();
        byte[] layer = Content.randomBlob(512);
        pushBlob(repo, config);
        pushBlob(repo, layer);
        return Content.imageManifest(mediaType,
                Content.descriptor(docker ? Content.DOCKER_CONFIG : Content.OCI_CONFIG, config),
                Content.descriptor(docker ? Content.DOCKER_LAYER : Content.OCI_LAYER, layer));
    }

    // ---- manifests ---------------------------------------------------------------------------------------------

    final Response putManifest(String repo, String reference, String mediaType, byte[] manifest) {
        return http().put("/v2/" + repo + "/manifests/" + reference, manifest, "Content-Type", mediaType);
    }

    /** PUTs a manifest and checks the 201; returns its digest. */
    final String pushManifest(String repo, String reference, String mediaType, byte[] manifest) {
        Response response = putManifest(repo, reference, mediaType, manifest);
        assertThat(response.status()).as("%s", response).isEqualTo(201);
        return Content.sha256(manifest);
    }

    /**
     * Pushes a fresh OCI image (config, layer, manifest) under tag, then the same manifest under each of alsoTagged;
     * returns the manifest's bytes.
     */
    final byte[] pushImage(String repo, String tag, String... alsoTagged) {
        byte[] manifest = Content.bytes(pushImageBlobs(repo, Content.OCI_MANIFEST));
        pushManifest(repo, tag, Content.OCI_MANIFEST, manifest);
        for (String other : alsoTagged) {
            pushManifest(repo, other, Content.OCI_MANIFEST, manifest);
        }
        return manifest;
    }

    /** GET a manifest accepting every type the suite pushes (the reference needs the Accept header). */
    final Response getManifest(String repo, String reference) {
        return http().get("/v2/" + repo + "/manifests/" + reference, "Accept", allManifestTypes());
    }

    static String allManifestTypes() {
        return String.join(", ", Content.OCI_MANIFEST, Content.OCI_INDEX, Content.DOCKER_MANIFEST, Content.DOCKER_LIST);
    }

    // ---- assertions --------------------------------------------------------------------------------------------

    /** The spec's failure answer: the status, and the JSON error envelope carrying code. */
    static void assertError(Response response, int status, String code) {
        assertThat(response.status()).as("%s", response).isEqualTo(status);
        if (!response.method().equals("HEAD")) {
            assertThat(errorCodes(response)).as("%s", response).contains(code);
        }
    }

    /**
     * Error codes a client may meet: the distribution spec's list, plus the Docker Registry API codes it grew from
     * (TAG_INVALID, RANGE_INVALID, ...), which clients still understand. Anything else is an invented code.
     */
    static final Set<String> KNOWN_CODES = Set.of(
            "BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN",
            "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID", "NAME_UNKNOWN", "SIZE_INVALID", "UNAUTHORIZED",
            "DENIED", "UNSUPPORTED", "TOOMANYREQUESTS",
            "MANIFEST_UNVERIFIED", "TAG_INVALID", "RANGE_INVALID", "PAGINATION_NUMBER_INVALID", "UNKNOWN", "UNAVAILABLE");

    /** Checks the JSON error envelope {"errors":[{"code","message","detail"}]} and returns its codes. */
    static List<String> errorCodes(Response response) {
        assertThat(response.header("Content-Type")).as("Content-Type of %s", response).startsWith("application/json");
        JsonNode errors = response.json().get("errors");
        assertThat(errors).as("errors array in %s", response).isNotNull();
        assertThat(errors.isArray() && !errors.isEmpty()).as("non-empty errors array in %s", response).isTrue();
        List<String> codes = new ArrayList<>();
        for (JsonNode error : errors) {
            String code = error.path("code").asText();
            if (!KNOWN_CODES.contains(code)) {
                fail("error code %s is neither a distribution-spec nor a Docker registry code: %s", code, response);
            }
            assertThat(error.path("message").isTextual()).as("message in %s", response).isTrue();
            codes.add(error.get("code").asText());
        }
        return codes;
    }

    /** The path of a Location, whether the registry wrote it relative or absolute. */
    static String pathOf(String location) {
        return URI.create(location).getRawPath();
    }
}
