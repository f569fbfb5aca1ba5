package io.berth.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Any bytes pushed as a manifest (OCI image manifest or index, Docker manifest or manifest list) under any
 * Content-Type either parse or are refused with MANIFEST_INVALID; a Jackson or runtime exception escaping would be a
 * 500. What parses keeps its bytes, holds the references its kind allows, and is what clients can decode too: one JSON
 * document, every descriptor size an integer (Go's decoders refuse trailing data and 1.5 as an int64).
 */
class ManifestFuzzTest {
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    /** The Content-Types a client sends, picked by the input's first byte; the rest is the body. */
    private static final String[] CONTENT_TYPES = {null, "", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX,
            MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_SCHEMA1,
            MediaTypes.DOCKER_SCHEMA1_SIGNED, "application/json", "application/octet-stream",
            MediaTypes.OCI_MANIFEST + "; charset=utf-8", " APPLICATION/VND.OCI.IMAGE.INDEX.V1+JSON ", "text/plain"};

    @FuzzTest(maxDuration = "10s")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void everyManifestParsesOrIsRefusedAsManifestInvalid(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        String contentType = CONTENT_TYPES[Byte.toUnsignedInt(input[0]) % CONTENT_TYPES.length];
        byte[] body = Arrays.copyOfRange(input, 1, input.length);
        Digest digest = Digest.sha256(body);
        Manifest manifest;
        try {
            manifest = Manifest.parse(body, contentType, digest);
        } catch (RegistryException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_INVALID);
            return;
        }
        assertThat(manifest.bytes()).isSameAs(body);
        assertThat(manifest.digest()).isEqualTo(digest);
        assertThat(MediaTypes.MANIFESTS).contains(manifest.mediaType());
        if (manifest.isIndex()) {
            assertThat(manifest.references()).isEmpty();
            assertThat(manifest.configMediaType()).isNull();
        } else {
            assertThat(manifest.children()).isEmpty();
            assertThat(manifest.references()).isNotEmpty();
            assertThat(manifest.references().get(0).mediaType()).isEqualTo(manifest.configMediaType());
        }
        assertThat(manifest.references()).allSatisfy(d -> assertThat(d.size()).isNotNegative());
        assertThat(manifest.children()).allSatisfy(d -> assertThat(d.size()).isNotNegative());

        JsonNode root = STRICT.readTree(body);
        assertThat(descriptors(root, manifest.isIndex()))
                .allSatisfy(d -> assertThat(d.get("size").isIntegralNumber()).as("size of %s", d).isTrue());
    }

    /** The descriptors the parser read: an index's manifests, an image's config and layers, and either's subject. */
    private static List<JsonNode> descriptors(JsonNode root, boolean index) {
        List<JsonNode> all = new ArrayList<>();
        if (index) {
            root.get("manifests").forEach(all::add);
        } else {
            all.add(root.get("config"));
            root.get("layers").forEach(all::add);
        }
        if (root.hasNonNull("subject")) {
            all.add(root.get("subject"));
        }
        return all;
    }
}
