package io.berth.conformance;

import io.berth.testing.Response;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.testing.RegistryUnderTest.Feature;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GET /v2/name/referrers/digest (distribution-spec 1.1); the reference registry 2.8 has no referrers API. */
abstract class ReferrersConformance extends Conformance {
    private static final String SBOM = "application/vnd.example.sbom.v1";
    private static final String SIGNATURE_CONFIG = "application/vnd.example.signature.config.v1+json";

    @BeforeEach
    void referrersApi() {
        requires(Feature.REFERRERS);
    }

    /** Pushes an artifact manifest whose subject is subject; artifactType may be null. Returns its bytes. */
    private byte[] pushReferrer(String repo, ObjectNode subject, String artifactType, String configType, Map<String, String> annotations) {
        byte[] config = configType.equals(Content.OCI_EMPTY) ? Content.EMPTY_JSON : Content.imageConfig();
        byte[] layer = Content.randomBlob(64);
        pushBlob(repo, config);
        pushBlob(repo, layer);
        ObjectNode manifest = Content.imageManifest(Content.OCI_MANIFEST, Content.descriptor(configType, config),
                Content.descriptor("application/octet-stream", layer));
        if (artifactType != null) {
            manifest.put("artifactType", artifactType);
        }
        manifest.set("subject", subject);
        Content.annotations(manifest, annotations);
        byte[] bytes = Content.bytes(manifest);
        pushManifest(repo, Content.sha256(bytes), Content.OCI_MANIFEST, bytes);
        return bytes;
    }

    private ObjectNode pushSubject(String repo) {
        return Content.descriptor(Content.OCI_MANIFEST, pushImage(repo, "base"));
    }

    private Response referrers(String repo, String digest, String query) {
        return http().get("/v2/" + repo + "/referrers/" + digest + query);
    }

    /** The referrers index's descriptors by digest, after checking it is an OCI image index. */
    private static Map<String, JsonNode> descriptors(Response response) {
        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.header("Content-Type")).isEqualTo(Content.OCI_INDEX);
        JsonNode index = response.json();
        assertThat(index.path("schemaVersion").asInt()).isEqualTo(2);
        assertThat(index.path("mediaType").asText()).isEqualTo(Content.OCI_INDEX);
        assertThat(index.path("manifests").isArray()).as("manifests array in %s", response).isTrue();
        Map<String, JsonNode> byDigest = new HashMap<>();
        index.get("manifests").forEach(descriptor -> byDigest.put(descriptor.path("digest").asText(), descriptor));
        return byDigest;
    }

    @Test
    void referrers_index_that_would_pass_4_mib_is_paged_with_link_headers() {
        String repo = newRepo("referrers");
        ObjectNode subject = pushSubject(repo);
        String big = "x".repeat(1024 * 1024);
        java.util.Set<String> pushed = new java.util.HashSet<>();
        for (int i = 0; i < 5; i++) {
            pushed.add(Content.sha256(pushReferrer(repo, subject, SBOM, Content.OCI_EMPTY, Map.of("blob", big + i))));
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        String next = "/v2/" + repo + "/referrers/" + subject.get("digest").asText();
        int pages = 0;
        while (next != null && pages < 10) {
            Response page = http().get(next);
            assertThat(page.body().length).isLessThanOrEqualTo(4 * 1024 * 1024);
            seen.addAll(descriptors(page).keySet());
            String link = page.header("Link");
            next = link == null ? null : link.substring(link.indexOf('<') + 1, link.indexOf('>'));
            pages++;
        }
        assertThat(pages).isGreaterThan(1);
        assertThat(seen).isEqualTo(pushed);
    }

    @Test
    void referrers_answer_an_oci_index_of_the_manifests_whose_subject_is_the_digest() {
        String repo = newRepo("referrers");
        ObjectNode subject = pushSubject(repo);
        byte[] sbom = pushReferrer(repo, subject, SBOM, Content.OCI_EMPTY, Map.of("org.example.kind", "sbom", "n", "1"));
        pushReferrer(repo, Content.descriptor(Content.OCI_MANIFEST, Content.unknownDigest(), 10), SBOM, Content.OCI_EMPTY, Map.of());

        Map<String, JsonNode> descriptors = descriptors(referrers(repo, subject.get("digest").asText(), ""));

        assertThat(descriptors).containsOnlyKeys(Content.sha256(sbom));
        JsonNode descriptor = descriptors.get(Content.sha256(sbom));
        assertThat(descriptor.path("mediaType").asText()).isEqualTo(Content.OCI_MANIFEST);
        assertThat(descriptor.path("size").asLong()).isEqualTo(sbom.length);
        assertThat(descriptor.path("artifactType").asText()).isEqualTo(SBOM);
        assertThat(descriptor.path("annotations").path("org.example.kind").asText()).isEqualTo("sbom");
        assertThat(descriptor.path("annotations").path("n").asText()).isEqualTo("1");
    }

    @Test
    void descriptor_of_a_referrer_without_artifact_type_carries_its_config_media_type() {
        String repo = newRepo("referrers");
        ObjectNode subject = pushSubject(repo);
        byte[] signature = pushReferrer(repo, subject, null, SIGNATURE_CONFIG, Map.of("org.example.kind", "signature"));

        Map<String, JsonNode> descriptors = descriptors(referrers(repo, subject.get("digest").asText(), ""));

        assertThat(descriptors).containsOnlyKeys(Content.sha256(signature));
        assertThat(descriptors.get(Content.sha256(signature)).path("artifactType").asText()).isEqualTo(SIGNATURE_CONFIG);
        assertThat(descriptors.get(Content.sha256(signature)).path("annotations").path("org.example.kind").asText())
                .isEqualTo("signature");
    }

    @Test
    void artifact_type_filter_is_applied_and_announced_in_oci_filters_applied() {
        String repo = newRepo("referrers");
        ObjectNode subject = pushSubject(repo);
        String digest = subject.get("digest").asText();
        byte[] sbom = pushReferrer(repo, subject, SBOM, Content.OCI_EMPTY, Map.of("k", "sbom"));
        byte[] signature = pushReferrer(repo, subject, null, SIGNATURE_CONFIG, Map.of("k", "signature"));

        Response all = referrers(repo, digest, "");
        Response filtered = referrers(repo, digest, "?artifactType=" + SBOM);

        assertThat(descriptors(all)).containsOnlyKeys(Content.sha256(sbom), Content.sha256(signature));
        assertThat(all.header("OCI-Filters-Applied")).isNull();
        assertThat(descriptors(filtered)).containsOnlyKeys(Content.sha256(sbom));
        assertThat(filtered.headerValues("OCI-Filters-Applied")).containsExactly("artifactType");
    }

    @Test
    void unknown_digest_gets_200_and_an_empty_index() {
        String repo = newRepo("referrers");
        pushImage(repo, "base");

        assertThat(descriptors(referrers(repo, Content.unknownDigest(), ""))).isEmpty();
    }

    @Test
    void index_referrer_without_artifact_type_has_none_in_its_descriptor() {
        String repo = newRepo("referrers");
        ObjectNode subject = pushSubject(repo);
        byte[] child = pushImage(repo, "child");
        ObjectNode index = Content.index(Content.OCI_INDEX, Content.descriptor(Content.OCI_MANIFEST, child));
        index.set("subject", subject);
        Content.annotations(index, Map.of("k", "index"));
        byte[] bytes = Content.bytes(index);
        pushManifest(repo, Content.sha256(bytes), Content.OCI_INDEX, bytes);

        Map<String, JsonNode> descriptors = descriptors(referrers(repo, subject.get("digest").asText(), ""));

        JsonNode descriptor = descriptors.get(Content.sha256(bytes));
        assertThat(descriptor).as("descriptor of the index in %s", descriptors).isNotNull();
        assertThat(descriptor.path("mediaType").asText()).isEqualTo(Content.OCI_INDEX);
        assertThat(descriptor.has("artifactType")).as("artifactType in %s", descriptor).isFalse();
        assertThat(descriptor.path("annotations").path("k").asText()).isEqualTo("index");
    }

    @Test
    void invalid_digest_gets_400() {
        String repo = newRepo("referrers");
        pushImage(repo, "base");

        Response response = referrers(repo, "sha256:not-a-digest", "");

        assertThat(response.status()).as("%s", response).isEqualTo(400);
        assertThat(errorCodes(response)).isNotEmpty();
    }

    @Test
    void referrers_are_scoped_to_the_repository() {
        String repo = newRepo("referrers");
        String other = newRepo("referrers");
        ObjectNode subject = pushSubject(repo);
        pushSubject(other);
        byte[] mine = pushReferrer(repo, subject, SBOM, Content.OCI_EMPTY, Map.of("k", "mine"));
        pushReferrer(other, subject, SBOM, Content.OCI_EMPTY, Map.of("k", "theirs"));

        assertThat(descriptors(referrers(repo, subject.get("digest").asText(), ""))).containsOnlyKeys(Content.sha256(mine));
    }

    @Test
    void deleted_referrer_is_no_longer_listed() {
        String repo = newRepo("referrers");
        ObjectNode subject = pushSubject(repo);
        byte[] kept = pushReferrer(repo, subject, SBOM, Content.OCI_EMPTY, Map.of("k", "kept"));
        byte[] dropped = pushReferrer(repo, subject, SBOM, Content.OCI_EMPTY, Map.of("k", "dropped"));

        assertThat(http().delete("/v2/" + repo + "/manifests/" + Content.sha256(dropped)).status()).isEqualTo(202);

        assertThat(descriptors(referrers(repo, subject.get("digest").asText(), ""))).containsOnlyKeys(Content.sha256(kept));
    }
}
