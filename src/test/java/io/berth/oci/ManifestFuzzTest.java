package io.berth.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Any bytes pushed as a manifest (OCI image manifest or index, Docker manifest or manifest list) under any
 * Content-Type either parse or are refused with MANIFEST_INVALID; a Jackson or runtime exception escaping would be a
 * 500. What parses keeps its bytes and holds the references its kind allows.
 */
class ManifestFuzzTest {
    /** The Content-Types a client sends, picked by the input's first byte; the rest is the body. */
    private static final String[] CONTENT_TYPES = {null, "", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX,
            MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_SCHEMA1,
            MediaTypes.DOCKER_SCHEMA1_SIGNED, "application/json", "application/octet-stream",
            MediaTypes.OCI_MANIFEST + "; charset=utf-8", " APPLICATION/VND.OCI.IMAGE.INDEX.V1+JSON ", "text/plain"};

    @FuzzTest(maxDuration = "10s")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void everyManifestParsesOrIsRefusedAsManifestInvalid(byte[] input) {
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
    }
}
