package io.berth.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ManifestTest {
    private static final String CONFIG = "sha256:" + "a".repeat(64);
    private static final String LAYER = "sha256:" + "b".repeat(64);

    private static Manifest parse(String json, String contentType) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return Manifest.parse(bytes, contentType, Digest.sha256(bytes));
    }

    private static String image(String extra) {
        return """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":2},
                 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":3}]%s}
                """.formatted(CONFIG, LAYER, extra);
    }

    @Test
    void imageManifestReferencesItsConfigAndLayers() {
        Manifest m = parse(image(""), "application/vnd.oci.image.manifest.v1+json");
        assertThat(m.references()).extracting(d -> d.digest().toString()).containsExactly(CONFIG, LAYER);
        assertThat(m.effectiveArtifactType()).isEqualTo("application/vnd.oci.image.config.v1+json");
        assertThat(m.subject()).isNull();
    }

    @Test
    void mediaTypeComesFromTheDocumentWhenNoContentTypeIsSent() {
        assertThat(parse(image(""), null).mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    }

    @Test
    void contentTypeParametersAreIgnored() {
        assertThat(parse(image(""), "application/vnd.oci.image.manifest.v1+json; charset=utf-8").mediaType())
                .isEqualTo(MediaTypes.OCI_MANIFEST);
    }

    @Test
    void subjectAndArtifactTypeAreRead() {
        Manifest m = parse(image(",\"artifactType\":\"application/spdx+json\",\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + CONFIG + "\",\"size\":9}"), null);
        assertThat(m.subject().digest().toString()).isEqualTo(CONFIG);
        assertThat(m.effectiveArtifactType()).isEqualTo("application/spdx+json");
    }

    @Test
    void indexReferencesItsChildManifests() {
        Manifest m = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":5,"platform":{"os":"linux","architecture":"amd64"}}]}
                """.formatted(CONFIG), MediaTypes.OCI_INDEX);
        assertThat(m.isIndex()).isTrue();
        assertThat(m.children()).hasSize(1);
        assertThat(m.references()).isEmpty();
    }

    @Test
    void schema1IsRefusedWithAClearMessage() {
        assertThatThrownBy(() -> parse("{\"schemaVersion\":1,\"name\":\"x\",\"tag\":\"y\",\"fsLayers\":[]}",
                MediaTypes.DOCKER_SCHEMA1_SIGNED))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_INVALID);
                    assertThat(e.getMessage()).contains("schema 1");
                });
    }

    @Test
    void invalidDocumentsAreManifestInvalid() {
        for (String bad : new String[] {"not json", "[]", "{\"schemaVersion\":2}", image("").replace(CONFIG, "sha256:xyz"),
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{},\"layers\":[]}"}) {
            assertThatThrownBy(() -> parse(bad, MediaTypes.OCI_MANIFEST)).isInstanceOfSatisfying(RegistryException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_INVALID));
        }
    }

    @Test
    void mediaTypeFieldThatContradictsContentTypeIsRefused() {
        assertThatThrownBy(() -> parse(image(""), MediaTypes.DOCKER_MANIFEST)).isInstanceOf(RegistryException.class);
    }
}
