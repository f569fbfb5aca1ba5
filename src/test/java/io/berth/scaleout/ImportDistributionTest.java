package io.berth.scaleout;

import io.berth.testing.Response;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import io.berth.testing.ReferenceRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * berth import-distribution against the real thing: images pushed over HTTP into CNCF Distribution (Debian's
 * docker-registry), which is then stopped and its storage directory imported into a fresh Berth; Berth then serves
 * every image byte-identical.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ImportDistributionTest {
    private static final int MIB = 1 << 20;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void every_image_pushed_to_distribution_pulls_byte_identical_from_berth_after_the_import() throws Exception {
        List<byte[]> base = List.of(Images.bytes(1, MIB), Images.bytes(2, 100_000));
        Images.Image dockerImage = Images.image("library/app", "1.0", Images.DOCKER_MANIFEST, base, 10, 300_000);
        Images.Image sameTagLater = Images.image("library/app", "latest", Images.DOCKER_MANIFEST, base, 11, 6 * MIB);
        // "stable" first points at the Docker image, then moves to this one.
        Images.Image moved = Images.image("library/app", "stable", Images.OCI_MANIFEST, base, 12, 50_000);
        Images.Index ociIndex = Images.index("team/multi", "v1", Images.OCI_INDEX, List.of(
                Images.image("team/multi", null, Images.OCI_MANIFEST, base, 20, 200_000),
                Images.image("team/multi", null, Images.OCI_MANIFEST, base, 21, 210_000)));
        Images.Index dockerList = Images.index("team/multi", "v1-docker", Images.DOCKER_LIST, List.of(
                Images.image("team/multi", null, Images.DOCKER_MANIFEST, base, 22, 220_000),
                Images.image("team/multi", null, Images.DOCKER_MANIFEST, base, 23, 230_000)));
        Images.Image parent = Images.image("nest", "v1", Images.OCI_MANIFEST, List.of(), 30, 40_000);
        Images.Image child = Images.image("nest/inner", "v1", Images.OCI_MANIFEST, List.of(), 31, 40_000);
        byte[] untypedConfig = "{\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] untypedLayer = Images.bytes(40, 30_000);
        // OCI allows a manifest without mediaType; Distribution keeps no media type, so Berth must infer it.
        byte[] untypedManifest = ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\"" + Digest.sha256(untypedConfig) + "\",\"size\":" + untypedConfig.length + "},\"layers\":[{"
                + "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + Digest.sha256(untypedLayer)
                + "\",\"size\":" + untypedLayer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        Images.Image untyped = new Images.Image("plain/untyped", "v1", Images.OCI_MANIFEST, untypedConfig,
                List.of(untypedLayer), untypedManifest);
        Images.Image deleted = Images.image("library/app", "gone", Images.OCI_MANIFEST, base, 13, 10_000);

        Path root;
        try (ReferenceRegistry distribution = ReferenceRegistry.start()) {
            OciClient client = new OciClient(distribution.hostPort());
            dockerImage.push(client, 0);
            sameTagLater.push(client, 2 * MIB);
            client.pushManifest("library/app", "stable", dockerImage.manifest(), Images.DOCKER_MANIFEST);
            moved.push(client, 0);
            ociIndex.push(client, 0);
            dockerList.push(client, 0);
            parent.push(client, 0);
            child.push(client, 0);
            untyped.push(client, 0);
            deleted.push(client, 0);
            OciClient.expect(client.send("DELETE", "/v2/library/app/manifests/" + deleted.digest(), null), 202);
            root = distribution.rootDirectory();
        }
        Digest schema1 = plantSchema1Manifest(root.resolve("docker/registry/v2"), "legacy/old", "v1");

        Path data = BerthServer.newDataDir();
        String first = BerthServer.runCli(data, "import-distribution", root.toString());
        String second = BerthServer.runCli(data, "import-distribution", root.toString());
        System.out.println(first + "\n" + second);

        assertThat(first).contains("0 already there").contains("repositories: 6,").contains("manifests: 12,").contains("tags: 8")
                .contains("skipping manifest legacy/old@" + schema1).contains("skipped: 1 Docker schema 1 manifest");
        assertThat(second).contains("blobs: 0 copied").contains("manifests: 12,");
        try (BerthServer berth = BerthServer.start(data, List.of())) {
            OciClient client = new OciClient(berth.hostPort());
            dockerImage.verify(client);
            sameTagLater.verify(client);
            moved.verify(client);
            ociIndex.verify(client);
            dockerList.verify(client);
            parent.verify(client);
            child.verify(client);
            untyped.verify(client);
            assertThat(client.manifest("library/app", deleted.digest().toString(), Images.ACCEPT_ALL)).as("deleted").isNull();
            assertThat(client.manifest("library/app", "gone", Images.ACCEPT_ALL)).as("tag of the deleted").isNull();
            assertThat(client.manifest("legacy/old", "v1", Images.ACCEPT_ALL)).as("schema 1").isNull();
            assertThat(OciClient.expect(client.send("GET", "/v2/library/app/tags/list", null), 200).text())
                    .isEqualTo("{\"name\":\"library/app\",\"tags\":[\"1.0\",\"latest\",\"stable\"]}");
            Response untypedReply = OciClient.expect(client.send("GET", "/v2/plain/untyped/manifests/v1", null,
                    "Accept", Images.OCI_MANIFEST), 200);
            assertThat(untypedReply.header("Content-Type")).isEqualTo(Images.OCI_MANIFEST);
        }

        Digest corrupt = plantCorruptLayer(root.resolve("docker/registry/v2"), "broken/app");
        assertThatThrownBy(() -> BerthServer.runCli(data, "import-distribution", root.toString()))
                .hasMessageContaining("exited 1")
                .hasMessageContaining("blob " + corrupt + ": the content of " + corrupt + " does not match its digest");
    }

    /** A layer link whose blob's bytes are not those its digest names (a disk that flipped a bit). */
    private static Digest plantCorruptLayer(Path v2, String repository) throws Exception {
        byte[] content = Images.bytes(50, 10_000);
        Digest digest = Digest.sha256(content);
        content[0] ^= 1;
        Path blob = v2.resolve("blobs/sha256").resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
        Files.createDirectories(blob);
        Files.write(blob.resolve("data"), content);
        Path link = v2.resolve("repositories").resolve(repository).resolve("_layers/sha256").resolve(digest.hex());
        Files.createDirectories(link);
        Files.writeString(link.resolve("link"), digest.toString());
        return digest;
    }

    /** Writes a signed Docker schema 1 manifest into Distribution's layout, as an old registry would have kept it. */
    private static Digest plantSchema1Manifest(Path v2, String repository, String tag) throws Exception {
        byte[] manifest = ("{\"schemaVersion\":1,\"name\":\"" + repository + "\",\"tag\":\"" + tag + "\",\"architecture\":"
                + "\"amd64\",\"fsLayers\":[],\"history\":[],\"signatures\":[]}").getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.sha256(manifest);
        Path blob = v2.resolve("blobs/sha256").resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
        Files.createDirectories(blob);
        Files.write(blob.resolve("data"), manifest);
        Path manifests = v2.resolve("repositories").resolve(repository).resolve("_manifests");
        Files.createDirectories(manifests.resolve("revisions/sha256").resolve(digest.hex()));
        Files.writeString(manifests.resolve("revisions/sha256").resolve(digest.hex()).resolve("link"), digest.toString());
        Files.createDirectories(manifests.resolve("tags").resolve(tag).resolve("current"));
        Files.writeString(manifests.resolve("tags").resolve(tag).resolve("current/link"), digest.toString());
        return digest;
    }
}
