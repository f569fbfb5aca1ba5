package io.berth.conformance;

import io.berth.testing.Response;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.testing.RegistryUnderTest.Feature;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Pushing, pulling and deleting manifests by tag and by digest; what a manifest must reference; size limits. */
abstract class ManifestConformance extends Conformance {
    private static final int FOUR_MIB = 4 * 1024 * 1024;

    /** A manifest of mediaType whose every reference exists in repo, pretty-printed so bytes matter. */
    private byte[] manifestOfType(String repo, String mediaType) {
        return switch (mediaType) {
            case Content.OCI_MANIFEST, Content.DOCKER_MANIFEST -> Content.prettyBytes(pushImageBlobs(repo, mediaType));
            case Content.OCI_INDEX, Content.DOCKER_LIST -> {
                String childType = mediaType.equals(Content.OCI_INDEX) ? Content.OCI_MANIFEST : Content.DOCKER_MANIFEST;
                byte[] child = Content.bytes(pushImageBlobs(repo, childType));
                pushManifest(repo, Content.sha256(child), childType, child);
                yield Content.prettyBytes(Content.index(mediaType, Content.descriptor(childType, child)));
            }
            default -> throw new IllegalArgumentException(mediaType);
        };
    }

    private static void assertManifest(Response response, byte[] manifest, String mediaType) {
        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.header("Content-Type")).isEqualTo(mediaType);
        assertThat(response.header("Docker-Content-Digest")).isEqualTo(Content.sha256(manifest));
        if (response.method().equals("HEAD")) {
            assertThat(response.header("Content-Length")).isEqualTo(String.valueOf(manifest.length));
            assertThat(response.body()).isEmpty();
        } else {
            assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(new String(manifest, StandardCharsets.UTF_8));
            assertThat(response.body()).isEqualTo(manifest);
        }
    }

    // ---- round trips ---------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {Content.OCI_MANIFEST, Content.OCI_INDEX, Content.DOCKER_MANIFEST, Content.DOCKER_LIST})
    void manifest_round_trips_byte_identical_with_its_media_type(String mediaType) {
        String repo = newRepo("manifests");
        byte[] manifest = manifestOfType(repo, mediaType);
        String digest = Content.sha256(manifest);

        Response put = putManifest(repo, "v1", mediaType, manifest);

        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(put.header("Docker-Content-Digest")).isEqualTo(digest);
        assertThat(pathOf(put.location())).isIn("/v2/" + repo + "/manifests/v1", "/v2/" + repo + "/manifests/" + digest);
        for (String reference : List.of("v1", digest)) {
            String path = "/v2/" + repo + "/manifests/" + reference;
            Response get = http().get(path, "Accept", mediaType);
            Response head = http().head(path, "Accept", mediaType);
            assertManifest(get, manifest, mediaType);
            assertManifest(head, manifest, mediaType);
            assertThat(BlobConformance.comparableHeaders(head)).isEqualTo(BlobConformance.comparableHeaders(get));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {Content.OCI_MANIFEST, Content.OCI_INDEX, Content.DOCKER_MANIFEST, Content.DOCKER_LIST})
    void manifest_is_served_as_stored_whatever_the_accept_header(String mediaType) {
        requires(Feature.MANIFEST_ANY_ACCEPT);
        String repo = newRepo("manifests");
        byte[] manifest = manifestOfType(repo, mediaType);
        pushManifest(repo, "v1", mediaType, manifest);
        String other = mediaType.startsWith("application/vnd.oci") ? Content.DOCKER_MANIFEST : Content.OCI_MANIFEST;

        for (String[] accept : List.of(new String[0], new String[] {"Accept", "*/*"},
                new String[] {"Accept", "application/json"}, new String[] {"Accept", other})) {
            assertManifest(http().get("/v2/" + repo + "/manifests/v1", accept), manifest, mediaType);
            assertManifest(http().head("/v2/" + repo + "/manifests/" + Content.sha256(manifest), accept), manifest, mediaType);
        }
    }

    @Test
    void put_get_head_and_delete_by_digest() {
        String repo = newRepo("manifests");
        byte[] manifest = Content.bytes(pushImageBlobs(repo, Content.OCI_MANIFEST));
        String digest = Content.sha256(manifest);
        String path = "/v2/" + repo + "/manifests/" + digest;

        Response put = putManifest(repo, digest, Content.OCI_MANIFEST, manifest);
        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(pathOf(put.location())).isEqualTo(path);
        assertManifest(http().get(path, "Accept", Content.OCI_MANIFEST), manifest, Content.OCI_MANIFEST);
        assertManifest(http().head(path, "Accept", Content.OCI_MANIFEST), manifest, Content.OCI_MANIFEST);

        Response delete = http().delete(path);

        assertThat(delete.status()).as("%s", delete).isEqualTo(202);
        assertError(getManifest(repo, digest), 404, "MANIFEST_UNKNOWN");
        assertThat(http().head(path, "Accept", Content.OCI_MANIFEST).status()).isEqualTo(404);
    }

    @Test
    void docker_content_digest_is_on_every_manifest_answer() {
        String repo = newRepo("manifests");
        byte[] manifest = Content.bytes(pushImageBlobs(repo, Content.OCI_MANIFEST));
        String digest = Content.sha256(manifest);

        List<Response> answers = new ArrayList<>();
        answers.add(putManifest(repo, "v1", Content.OCI_MANIFEST, manifest));
        answers.add(putManifest(repo, digest, Content.OCI_MANIFEST, manifest));
        for (String reference : List.of("v1", digest)) {
            answers.add(getManifest(repo, reference));
            answers.add(http().head("/v2/" + repo + "/manifests/" + reference, "Accept", allManifestTypes()));
        }

        for (Response answer : answers) {
            assertThat(answer.status()).as("%s", answer).isBetween(200, 201);
            assertThat(answer.header("Docker-Content-Digest")).as("%s", answer).isEqualTo(digest);
        }
    }

    @Test
    void pushing_to_an_existing_tag_moves_it_and_keeps_the_old_manifest() {
        String repo = newRepo("manifests");
        byte[] old = pushImage(repo, "latest");
        byte[] fresh = pushImage(repo, "latest");

        assertManifest(getManifest(repo, "latest"), fresh, Content.OCI_MANIFEST);
        assertManifest(getManifest(repo, Content.sha256(old)), old, Content.OCI_MANIFEST);
        assertThat(http().get("/v2/" + repo + "/tags/list").json().get("tags")).extracting(JsonNode::asText)
                .containsExactly("latest");
    }

    // ---- what a manifest may be and reference ----------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {Content.SCHEMA1, Content.SCHEMA1_SIGNED})
    void schema1_manifest_is_refused_with_a_clear_error(String mediaType) {
        String repo = newRepo("manifests");
        String layer = pushBlob(repo, Content.randomBlob(100));
        String signatures = mediaType.equals(Content.SCHEMA1_SIGNED)
                ? ",\"signatures\":[{\"header\":{\"alg\":\"ES256\"},\"signature\":\"c2ln\",\"protected\":\"e30\"}]" : "";
        byte[] manifest = ("{\"schemaVersion\":1,\"name\":\"" + repo + "\",\"tag\":\"old\",\"architecture\":\"amd64\","
                + "\"fsLayers\":[{\"blobSum\":\"" + layer + "\"}],\"history\":[{\"v1Compatibility\":\"{}\"}]" + signatures + "}")
                .getBytes(StandardCharsets.UTF_8);

        Response put = putManifest(repo, "old", mediaType, manifest);

        assertThat(put.status()).as("%s", put).isBetween(400, 415);
        assertThat(errorCodes(put)).containsAnyOf("MANIFEST_INVALID", "UNSUPPORTED");
        assertThat(put.json().at("/errors/0/message").asText()).isNotBlank();
        assertThat(getManifest(repo, "old").status()).isEqualTo(404);
    }

    @Test
    void manifest_referencing_a_blob_missing_from_the_repository_gets_400_manifest_blob_unknown() {
        String repo = newRepo("manifests");
        String elsewhere = newRepo("manifests");
        byte[] config = Content.imageConfig();
        byte[] layer = Content.randomBlob(100);
        pushBlob(repo, config);
        pushBlob(elsewhere, layer); // known to the registry, but not through this repository
        byte[] manifest = Content.bytes(Content.imageManifest(Content.OCI_MANIFEST,
                Content.descriptor(Content.OCI_CONFIG, config), Content.descriptor(Content.OCI_LAYER, layer)));

        Response put = putManifest(repo, "v1", Content.OCI_MANIFEST, manifest);

        assertRefusedAndNotStored(put, repo, "v1", 400, "MANIFEST_BLOB_UNKNOWN");
    }

    @Test
    void index_referencing_a_missing_manifest_gets_400_manifest_blob_unknown() {
        String repo = newRepo("manifests");
        byte[] child = Content.bytes(pushImageBlobs(repo, Content.OCI_MANIFEST)); // blobs pushed, manifest not
        byte[] index = Content.bytes(Content.index(Content.OCI_INDEX, Content.descriptor(Content.OCI_MANIFEST, child)));

        Response put = putManifest(repo, "multi", Content.OCI_INDEX, index);

        assertRefusedAndNotStored(put, repo, "multi", 400, "MANIFEST_BLOB_UNKNOWN");
    }

    @Test
    void manifest_whose_subject_does_not_exist_is_accepted() {
        String repo = newRepo("manifests");
        ObjectNode manifest = pushImageBlobs(repo, Content.OCI_MANIFEST);
        manifest.set("subject", Content.descriptor(Content.OCI_MANIFEST, Content.unknownDigest(), 1234));
        byte[] bytes = Content.bytes(manifest);

        Response put = putManifest(repo, Content.sha256(bytes), Content.OCI_MANIFEST, bytes);

        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(getManifest(repo, Content.sha256(bytes)).body()).isEqualTo(bytes);
    }

    @Test
    void put_with_a_subject_answers_oci_subject() {
        requires(Feature.REFERRERS);
        String repo = newRepo("manifests");
        String subject = Content.sha256(pushImage(repo, "base"));
        ObjectNode manifest = pushImageBlobs(repo, Content.OCI_MANIFEST);
        manifest.set("subject", Content.descriptor(Content.OCI_MANIFEST, subject, getManifest(repo, "base").body().length));
        byte[] bytes = Content.bytes(manifest);

        Response put = putManifest(repo, Content.sha256(bytes), Content.OCI_MANIFEST, bytes);

        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(put.header("OCI-Subject")).isEqualTo(subject);
    }

    @Test
    void put_by_digest_with_tag_parameters_answers_oci_tag_and_creates_the_tags() {
        requires(Feature.MANIFEST_TAG_PARAMETER);
        String repo = newRepo("manifests");
        byte[] manifest = Content.bytes(pushImageBlobs(repo, Content.OCI_MANIFEST));
        String digest = Content.sha256(manifest);

        Response put = http().put("/v2/" + repo + "/manifests/" + digest + "?tag=t1&tag=t2", manifest,
                "Content-Type", Content.OCI_MANIFEST);

        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(put.headerValues("OCI-Tag")).containsExactlyInAnyOrder("t1", "t2");
        assertThat(put.header("Docker-Content-Digest")).isEqualTo(digest);
        assertManifest(getManifest(repo, "t1"), manifest, Content.OCI_MANIFEST);
        assertManifest(getManifest(repo, "t2"), manifest, Content.OCI_MANIFEST);
    }

    // ---- size limit --------------------------------------------------------------------------------------------------

    /** An OCI manifest over real blobs, padded with an annotation to exactly size bytes. */
    private byte[] manifestOfSize(String repo, int size) {
        ObjectNode manifest = pushImageBlobs(repo, Content.OCI_MANIFEST);
        Content.annotations(manifest, Map.of("pad", ""));
        int unpadded = Content.bytes(manifest).length;
        ((ObjectNode) manifest.get("annotations")).put("pad", "x".repeat(size - unpadded));
        byte[] bytes = Content.bytes(manifest);
        assertThat(bytes).hasSize(size);
        return bytes;
    }

    /** put was refused with status and the error code, and nothing was stored under reference. */
    private void assertRefusedAndNotStored(Response put, String repo, String reference, int status, String code) {
        assertError(put, status, code);
        assertThat(getManifest(repo, reference).status()).isEqualTo(404);
    }

    private Response putRaw(String repo, String tag, byte[] manifest, String transfer) {
        RawHttp.Request request = RawHttp.Request.of("PUT", "/v2/" + repo + "/manifests/" + tag, "Content-Type", Content.OCI_MANIFEST);
        return RawHttp.send(registry().hostPort(), transfer.equals("chunked") ? request.chunkedBody(manifest) : request.body(manifest));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"content-length", "chunked"})
    void manifest_of_exactly_4_mib_is_accepted(String transfer) {
        String repo = newRepo("manifests");
        byte[] manifest = manifestOfSize(repo, FOUR_MIB);

        Response put = putRaw(repo, "big", manifest, transfer);

        assertThat(put.status()).as("%s", put).isEqualTo(201);
        assertThat(getManifest(repo, "big").body()).isEqualTo(manifest);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"content-length", "chunked"})
    void manifest_of_4_mib_and_1_byte_gets_413_manifest_invalid(String transfer) {
        requires(Feature.MANIFEST_SIZE_413);
        String repo = newRepo("manifests");
        byte[] manifest = manifestOfSize(repo, FOUR_MIB + 1);

        Response put = putRaw(repo, "huge", manifest, transfer);

        assertRefusedAndNotStored(put, repo, "huge", 413, "MANIFEST_INVALID");
    }

    // ---- deletion ----------------------------------------------------------------------------------------------------

    @Test
    void deleting_a_tag_removes_that_tag_only() {
        requires(Feature.TAG_DELETE);
        String repo = newRepo("manifests");
        byte[] manifest = pushImage(repo, "keep", "drop");

        Response delete = http().delete("/v2/" + repo + "/manifests/drop");

        assertThat(delete.status()).as("%s", delete).isEqualTo(202);
        assertError(getManifest(repo, "drop"), 404, "MANIFEST_UNKNOWN");
        assertManifest(getManifest(repo, "keep"), manifest, Content.OCI_MANIFEST);
        assertManifest(getManifest(repo, Content.sha256(manifest)), manifest, Content.OCI_MANIFEST);
        assertThat(http().get("/v2/" + repo + "/tags/list").json().get("tags")).extracting(JsonNode::asText)
                .containsExactly("keep");
    }

    @Test
    void deleting_by_digest_removes_the_manifest_and_every_tag_on_it() {
        String repo = newRepo("manifests");
        byte[] manifest = pushImage(repo, "one", "two");
        byte[] other = pushImage(repo, "other");
        String digest = Content.sha256(manifest);

        Response delete = http().delete("/v2/" + repo + "/manifests/" + digest);

        assertThat(delete.status()).as("%s", delete).isEqualTo(202);
        for (String reference : List.of("one", "two", digest)) {
            assertError(getManifest(repo, reference), 404, "MANIFEST_UNKNOWN");
        }
        assertManifest(getManifest(repo, "other"), other, Content.OCI_MANIFEST);
        Response tags = http().get("/v2/" + repo + "/tags/list");
        assertThat(tags.json().get("tags")).extracting(JsonNode::asText).containsExactly("other");
    }

    @Test
    void deleting_a_manifest_an_index_still_references_gets_405_denied() {
        requires(Feature.DELETE_PROTECTION);
        String repo = newRepo("manifests");
        byte[] child = Content.bytes(pushImageBlobs(repo, Content.OCI_MANIFEST));
        String childDigest = pushManifest(repo, Content.sha256(child), Content.OCI_MANIFEST, child);
        pushManifest(repo, "multi", Content.OCI_INDEX,
                Content.bytes(Content.index(Content.OCI_INDEX, Content.descriptor(Content.OCI_MANIFEST, child))));

        Response delete = http().delete("/v2/" + repo + "/manifests/" + childDigest);

        assertError(delete, 405, "DENIED");
        assertManifest(getManifest(repo, childDigest), child, Content.OCI_MANIFEST);
        Response index = getManifest(repo, "multi");
        assertThat(http().delete("/v2/" + repo + "/manifests/" + index.header("Docker-Content-Digest")).status()).isEqualTo(202);
        assertThat(http().delete("/v2/" + repo + "/manifests/" + childDigest).status())
                .as("the child, once no index references it").isEqualTo(202);
    }

    @Test
    void deleting_a_blob_a_manifest_still_references_gets_405_denied() {
        requires(Feature.DELETE_PROTECTION);
        String repo = newRepo("manifests");
        byte[] manifest = pushImage(repo, "v1");
        String layer = Content.parse(manifest).at("/layers/0/digest").asText();

        Response delete = http().delete("/v2/" + repo + "/blobs/" + layer);

        assertError(delete, 405, "DENIED");
        assertThat(http().head("/v2/" + repo + "/blobs/" + layer).status()).isEqualTo(200);
        assertThat(http().delete("/v2/" + repo + "/manifests/" + Content.sha256(manifest)).status()).isEqualTo(202);
        assertThat(http().delete("/v2/" + repo + "/blobs/" + layer).status())
                .as("the layer, once no manifest references it").isEqualTo(202);
    }

    // ---- failures ------------------------------------------------------------------------------------------------------

    @Test
    void wrong_digest_in_put_by_digest_gets_400_digest_invalid() {
        String repo = newRepo("manifests");
        byte[] manifest = Content.bytes(pushImageBlobs(repo, Content.OCI_MANIFEST));
        String wrong = Content.unknownDigest();

        Response put = putManifest(repo, wrong, Content.OCI_MANIFEST, manifest);

        assertRefusedAndNotStored(put, repo, wrong, 400, "DIGEST_INVALID");
        assertThat(getManifest(repo, Content.sha256(manifest)).status()).isEqualTo(404);
    }

    @Test
    void invalid_json_gets_400_manifest_invalid() {
        String repo = newRepo("manifests");
        pushBlob(repo, Content.randomBlob(10));

        Response put = putManifest(repo, "v1", Content.OCI_MANIFEST, "{\"schemaVersion\": 2, \"config\": ".getBytes(StandardCharsets.UTF_8));

        assertRefusedAndNotStored(put, repo, "v1", 400, "MANIFEST_INVALID");
    }

    @Test
    void unknown_manifest_gets_404_manifest_unknown() {
        String repo = newRepo("manifests");
        pushImage(repo, "present");
        String unknown = Content.unknownDigest();

        assertError(getManifest(repo, "absent"), 404, "MANIFEST_UNKNOWN");
        assertError(getManifest(repo, unknown), 404, "MANIFEST_UNKNOWN");
        assertThat(http().head("/v2/" + repo + "/manifests/absent", "Accept", allManifestTypes()).status()).isEqualTo(404);
        assertError(http().delete("/v2/" + repo + "/manifests/" + unknown), 404, "MANIFEST_UNKNOWN");
    }
}
