package io.berth.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The listing endpoints of the management API with access control off, on the real server: a multi-platform index
 * with a referrer, sizes counted as a pull would fetch them, immutable tags, usage per namespace, and the 400 and
 * 404 answers.
 */
@Timeout(120)
class ListingApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OCI_MANIFEST = RegistryClient.OCI_MANIFEST;
    private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    private static final String SBOM = "application/vnd.example.sbom.v1+json";

    private static BerthServer server;
    private static RegistryClient client;

    @BeforeAll
    static void start() {
        server = BerthServer.start(BerthServer.newDataDir(), List.of());
        client = new RegistryClient(server.hostPort());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static byte[] bytes(String label, int size) {
        byte[] content = new byte[size];
        new Random(label.hashCode()).nextBytes(content);
        return content;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode get(String path) {
        RegistryClient.Reply r = client.send("GET", path, null, null);
        assertThat(r.status()).as(path + ": " + r.body()).isEqualTo(200);
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    private static Digest put(String repo, String reference, byte[] manifest, String mediaType) {
        RegistryClient.Reply r = client.send("PUT", "/v2/" + repo + "/manifests/" + reference, manifest, mediaType);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return Digest.parse(r.raw().headers().firstValue("Docker-Content-Digest").orElseThrow());
    }

    /** An image of config + layers; returns its manifest's bytes (pushed by digest, untagged). */
    private static byte[] image(String repo, List<byte[]> contents) {
        List<Digest> digests = contents.stream().map(c -> client.pushBlob(repo, c)).toList();
        byte[] manifest = RegistryClient.manifest(digests, contents);
        put(repo, Digest.sha256(manifest).toString(), manifest, OCI_MANIFEST);
        return manifest;
    }

    private static String descriptor(String mediaType, byte[] content, String extra) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + Digest.sha256(content) + "\",\"size\":"
                + content.length + extra + "}";
    }

    @Test
    void anIndexShowsItsPlatformsAndReferrersAndEverySizeCountsEachBlobOnce() {
        String repo = "multi/app";
        byte[] amdConfig = utf8("{\"architecture\":\"amd64\"}");
        byte[] armConfig = utf8("{\"architecture\":\"arm64\"}");
        byte[] amdLayer = bytes("amd", 3000);
        byte[] armLayer = bytes("arm", 2000);
        byte[] shared = bytes("shared", 5000);
        byte[] amd = image(repo, List.of(amdConfig, amdLayer, shared));
        byte[] arm = image(repo, List.of(armConfig, armLayer, shared));
        byte[] index = utf8("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":["
                + descriptor(OCI_MANIFEST, amd, ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}") + ","
                + descriptor(OCI_MANIFEST, arm, ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}")
                + "],\"annotations\":{\"org.opencontainers.image.source\":\"https://example.com/app\"}}");
        Digest indexDigest = put(repo, "latest", index, OCI_INDEX);
        put(repo, "stable", index, OCI_INDEX);
        // An SBOM whose subject is the index.
        byte[] empty = utf8("{}");
        byte[] sbom = utf8("{\"sbom\":true}");
        client.pushBlob(repo, empty);
        client.pushBlob(repo, sbom);
        byte[] referrer = utf8("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"artifactType\":\"" + SBOM
                + "\",\"config\":" + descriptor("application/vnd.oci.empty.v1+json", empty, "") + ",\"layers\":["
                + descriptor(SBOM, sbom, "") + "],\"subject\":" + descriptor(OCI_INDEX, index, "") + "}");
        Digest referrerDigest = put(repo, Digest.sha256(referrer).toString(), referrer, OCI_MANIFEST);

        long amdSize = amd.length + amdConfig.length + amdLayer.length + shared.length;
        long armSize = arm.length + armConfig.length + armLayer.length + shared.length;
        long indexSize = index.length + amd.length + arm.length + amdConfig.length + armConfig.length + amdLayer.length
                + armLayer.length + shared.length;

        JsonNode tags = get("/api/v1/repositories/" + repo + "/tags");
        assertThat(tags.get("name").asText()).isEqualTo(repo);
        assertThat(tags.get("next").isNull()).isTrue();
        assertThat(tags.get("tags")).hasSize(2);
        JsonNode latest = tags.get("tags").get(0);
        assertThat(latest.get("tag").asText()).isEqualTo("latest");
        assertThat(latest.get("digest").asText()).isEqualTo(indexDigest.toString());
        assertThat(latest.get("mediaType").asText()).isEqualTo(OCI_INDEX);
        assertThat(latest.get("sizeBytes").asLong()).isEqualTo(indexSize);
        assertThat(latest.get("pushedAt").asText()).isNotBlank();
        assertThat(latest.get("immutable").asBoolean()).isFalse();

        JsonNode shown = get("/api/v1/repositories/" + repo + "/manifests/latest");
        assertThat(shown.get("repository").asText()).isEqualTo(repo);
        assertThat(shown.get("digest").asText()).isEqualTo(indexDigest.toString());
        assertThat(shown.get("mediaType").asText()).isEqualTo(OCI_INDEX);
        assertThat(shown.get("sizeBytes").asLong()).isEqualTo(indexSize);
        assertThat(shown.get("tags")).extracting(JsonNode::asText).containsExactly("latest", "stable");
        assertThat(shown.get("config").isNull()).isTrue();
        assertThat(shown.get("layers")).isEmpty();
        JsonNode platforms = shown.get("platforms");
        assertThat(platforms).hasSize(2);
        assertThat(platforms.get(0).get("os").asText()).isEqualTo("linux");
        assertThat(platforms.get(0).get("architecture").asText()).isEqualTo("amd64");
        assertThat(platforms.get(0).get("variant").isNull()).isTrue();
        assertThat(platforms.get(0).get("digest").asText()).isEqualTo(Digest.sha256(amd).toString());
        assertThat(platforms.get(0).get("sizeBytes").asLong()).isEqualTo(amdSize);
        assertThat(platforms.get(1).get("architecture").asText()).isEqualTo("arm64");
        assertThat(platforms.get(1).get("variant").asText()).isEqualTo("v8");
        assertThat(platforms.get(1).get("sizeBytes").asLong()).isEqualTo(armSize);
        assertThat(shown.get("referrers")).hasSize(1);
        assertThat(shown.get("referrers").get(0).get("digest").asText()).isEqualTo(referrerDigest.toString());
        assertThat(shown.get("referrers").get(0).get("artifactType").asText()).isEqualTo(SBOM);
        assertThat(shown.get("referrers").get(0).get("mediaType").asText()).isEqualTo(OCI_MANIFEST);
        assertThat(shown.get("annotations").get("org.opencontainers.image.source").asText())
                .isEqualTo("https://example.com/app");
        assertThat(get("/api/v1/repositories/" + repo + "/manifests/" + indexDigest)).isEqualTo(shown);

        JsonNode child = get("/api/v1/repositories/" + repo + "/manifests/" + Digest.sha256(arm));
        assertThat(child.get("mediaType").asText()).isEqualTo(OCI_MANIFEST);
        assertThat(child.get("tags")).isEmpty();
        assertThat(child.get("platforms")).isEmpty();
        assertThat(child.get("sizeBytes").asLong()).isEqualTo(armSize);
        assertThat(child.get("config").get("digest").asText()).isEqualTo(Digest.sha256(armConfig).toString());
        assertThat(child.get("config").get("sizeBytes").asLong()).isEqualTo(armConfig.length);
        assertThat(child.get("config").get("mediaType").asText()).isEqualTo("application/vnd.oci.image.config.v1+json");
        assertThat(child.get("layers")).hasSize(2);
        assertThat(child.get("layers").get(0).get("digest").asText()).isEqualTo(Digest.sha256(armLayer).toString());
        assertThat(child.get("layers").get(1).get("sizeBytes").asLong()).isEqualTo(shared.length);

        JsonNode sbomShown = get("/api/v1/repositories/" + repo + "/manifests/" + referrerDigest);
        assertThat(sbomShown.get("artifactType").asText()).isEqualTo(SBOM);

        // The repository: every blob and manifest once.
        JsonNode listed = get("/api/v1/repositories?namespace=multi");
        assertThat(listed.get("repositories")).hasSize(1);
        JsonNode summary = listed.get("repositories").get(0);
        assertThat(summary.get("name").asText()).isEqualTo(repo);
        assertThat(summary.get("tagCount").asLong()).isEqualTo(2);
        assertThat(summary.get("manifestCount").asLong()).isEqualTo(4);
        assertThat(summary.get("sizeBytes").asLong())
                .isEqualTo(indexSize + referrer.length + empty.length + sbom.length);
        assertThat(summary.get("lastPushAt").asText()).isNotBlank();

        JsonNode usage = get("/api/v1/usage");
        JsonNode multi = null;
        for (JsonNode namespace : usage.get("namespaces")) {
            if (namespace.get("namespace").asText().equals("multi")) {
                multi = namespace;
            }
        }
        assertThat(multi).as(usage.toString()).isNotNull();
        assertThat(multi.get("usedBytes").asLong()).isEqualTo(summary.get("sizeBytes").asLong())
                .isEqualTo(get("/api/v1/namespaces/multi/usage").get("usedBytes").asLong());
        assertThat(multi.get("quotaBytes").isNull()).isTrue();
        assertThat(multi.get("repositoryCount").asLong()).isEqualTo(1);
    }

    @Test
    void tagsArePagedAndShowWhichAreImmutable() {
        String repo = "paged/app";
        List<String> pushed = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String tag = (i % 2 == 0 ? "release-" : "build-") + i;
            RegistryClient.Reply r = client.pushImage(repo, tag, List.of(utf8("{\"n\":" + i + "}"), bytes("l" + i, 100)));
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            pushed.add(tag);
        }
        RegistryClient.Reply rule = client.send("POST", "/api/v1/namespaces/paged/immutable",
                utf8("{\"pattern\":\"release-*\"}"), "application/json");
        assertThat(rule.status()).as(rule.body()).isEqualTo(204);
        List<String> listed = new ArrayList<>();
        String last = null;
        int pages = 0;
        do {
            JsonNode page = get("/api/v1/repositories/" + repo + "/tags?n=3" + (last == null ? "" : "&last=" + last));
            assertThat(page.get("tags").size()).isBetween(1, 3);
            for (JsonNode tag : page.get("tags")) {
                listed.add(tag.get("tag").asText());
                assertThat(tag.get("immutable").asBoolean()).as(tag.toString())
                        .isEqualTo(tag.get("tag").asText().startsWith("release-"));
            }
            last = page.get("next").isNull() ? null : page.get("next").asText();
            pages++;
        } while (last != null && pages < 10);
        assertThat(pages).isEqualTo(3);
        assertThat(listed).containsExactlyElementsOf(pushed.stream().sorted().toList());
        // n beyond the largest page is the largest page.
        assertThat(get("/api/v1/repositories/" + repo + "/tags?n=5000").get("tags")).hasSize(7);
    }

    @Test
    void badPageParametersAre400AndUnknownNamesAnd404() {
        assertThat(client.pushImage("bad/app", "v1", List.of(utf8("{}"), bytes("x", 10))).status()).isEqualTo(201);
        for (String path : List.of("/api/v1/repositories?n=0", "/api/v1/repositories?n=-1", "/api/v1/repositories?n=abc",
                "/api/v1/repositories?n=1.5", "/api/v1/repositories?last=UPPER", "/api/v1/repositories?namespace=Bad!",
                "/api/v1/repositories/bad/app/tags?n=0", "/api/v1/repositories/bad/app/tags?last=-dash",
                "/api/v1/repositories/bad/app/tags?n=99999999999999999999")) {
            RegistryClient.Reply r = client.send("GET", path, null, null);
            assertThat(r.status()).as(path + ": " + r.body()).isEqualTo(400);
            assertThat(r.errorCode()).as(path).isEqualTo("INVALID_REQUEST");
        }
        RegistryClient.Reply noRepo = client.send("GET", "/api/v1/repositories/bad/nothing/tags", null, null);
        assertThat(noRepo.status()).isEqualTo(404);
        assertThat(noRepo.errorCode()).isEqualTo("NAME_UNKNOWN");
        RegistryClient.Reply noRepoManifest = client.send("GET", "/api/v1/repositories/bad/nothing/manifests/v1", null, null);
        assertThat(noRepoManifest.status()).isEqualTo(404);
        assertThat(noRepoManifest.errorCode()).isEqualTo("NAME_UNKNOWN");
        for (String reference : List.of("v2", Digest.sha256(utf8("absent")).toString(), "-not-a-tag")) {
            RegistryClient.Reply r = client.send("GET", "/api/v1/repositories/bad/app/manifests/" + reference, null, null);
            assertThat(r.status()).as(reference + ": " + r.body()).isEqualTo(404);
            assertThat(r.errorCode()).isEqualTo("MANIFEST_UNKNOWN");
        }
        RegistryClient.Reply badName = client.send("GET", "/api/v1/repositories/Bad/App/tags", null, null);
        assertThat(badName.status()).isEqualTo(400);
        assertThat(badName.errorCode()).isEqualTo("NAME_INVALID");
    }
}
