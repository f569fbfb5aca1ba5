package io.berth.clients;

import static io.berth.clients.RemoteRepository.DOCKER_MANIFEST;
import static io.berth.clients.RemoteRepository.OCI_MANIFEST;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import io.berth.clients.RemoteRepository.FetchedManifest;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Jib (jib-core 0.27, in this JVM) against each registry. With setAllowInsecureRegistries(true) Jib tries HTTPS
 * first and falls back to plain HTTP, so every registry also sees a TLS handshake on its HTTP port.
 */
class JibClientTest extends RealClientTest {

    @OnEachRegistry
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void imageBuiltFromScratchIsPushedUnderTwoTagsWithTheDigestJibReports(RegistryKind kind) throws Exception {
        RemoteRepository repo = lab.repository(kind, "clients/jib/scratch");

        JibContainer pushed = containerize(
                Jib.fromScratch().addLayer(List.of(appFile()), AbsoluteUnixPath.get("/app")).setEntrypoint("/app/app.txt"),
                to(RegistryImage.named(repo.tag("v1"))).withAdditionalTag("v2"));

        String digest = pushed.getDigest().toString();
        FetchedManifest v1 = repo.assertServes("v1", digest);
        repo.assertServes("v2", digest);
        assertThat(v1.contentType()).isEqualTo(DOCKER_MANIFEST);
        assertThat(v1.json().path("config").path("digest").asText()).isEqualTo(pushed.getImageId().toString());
        assertThat(v1.json().path("layers")).hasSize(1);
        assertThat(repo.tags()).containsExactlyInAnyOrder("v1", "v2");
    }

    @OnEachRegistry
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void imageBuiltOnABaseImagePulledFromTheRegistryKeepsTheBaseLayers(RegistryKind kind) throws Exception {
        RemoteRepository base = lab.repository(kind, "clients/jib/base");
        RemoteRepository app = lab.repository(kind, "clients/jib/app");
        TestImage image = lab.newImage("jib-base");
        lab.skopeo("copy", "--dest-tls-verify=false", image.amd64().ociReference(), "docker://" + base.tag("v1"));

        JibContainer pushed = containerize(
                Jib.from(RegistryImage.named(base.tag("v1"))).addLayer(List.of(appFile()), AbsoluteUnixPath.get("/app"))
                        .setFormat(ImageFormat.OCI),
                to(RegistryImage.named(app.tag("v1"))));

        FetchedManifest served = app.assertServes("v1", pushed.getDigest().toString());
        assertThat(served.contentType()).isEqualTo(OCI_MANIFEST);
        List<String> layers = Json.texts(served.json().path("layers"), "digest");
        assertThat(layers).hasSize(3).startsWith(image.amd64().layerDigests().toArray(String[]::new));
        assertThat(layers).allMatch(app::hasBlob, "every layer is in the application's repository");
        JsonNode config = Json.parse(lab.skopeo("inspect", "--tls-verify=false", "--config", "--raw",
                "docker://" + app.tag("v1")).stdout());
        assertThat(config.path("architecture").asText()).isEqualTo("amd64");
        assertThat(served.json().path("config").path("digest").asText()).isEqualTo(pushed.getImageId().toString());
    }

    @OnEachRegistry
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void baseImageGivenAsAMultiArchIndexResolvesTheRequestedPlatform(RegistryKind kind) throws Exception {
        RemoteRepository base = lab.repository(kind, "clients/jib/index-base");
        RemoteRepository app = lab.repository(kind, "clients/jib/arm-app");
        TestImage image = lab.newImage("jib-index");
        lab.skopeo("copy", "--dest-tls-verify=false", "--all", image.index().ociReference(), "docker://" + base.tag("list"));

        JibContainer pushed = containerize(
                Jib.from(RegistryImage.named(base.tag("list"))).setPlatforms(Set.of(new Platform("arm64", "linux")))
                        .addLayer(List.of(appFile()), AbsoluteUnixPath.get("/app")),
                to(RegistryImage.named(app.tag("arm64"))));

        FetchedManifest served = app.assertServes("arm64", pushed.getDigest().toString());
        assertThat(Json.texts(served.json().path("layers"), "digest")).hasSize(3)
                .startsWith(image.arm64().layerDigests().toArray(String[]::new));
        JsonNode config = Json.parse(lab.skopeo("inspect", "--tls-verify=false", "--config", "--raw",
                "docker://" + app.tag("arm64")).stdout());
        assertThat(config.path("architecture").asText()).isEqualTo("arm64");
    }

    @OnEachRegistry
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void imagePulledToATarHoldsTheRegistrysLayersByteForByte(RegistryKind kind) throws Exception {
        RemoteRepository repo = lab.repository(kind, "clients/jib/tar-source");
        TestImage image = lab.newImage("jib-tar");
        lab.skopeo("copy", "--dest-tls-verify=false", "--format", "v2s2", image.amd64().ociReference(), "docker://" + repo.tag("v1"));
        Path tar = lab.newFile("jib-image.tar");

        JibContainer written = containerize(Jib.from(RegistryImage.named(repo.tag("v1"))),
                to(TarImage.at(tar).named("clients/jib-tar:v1")));

        Path extracted = lab.newDirectory("jib-tar-extracted");
        lab.run("tar", "-xf", tar.toString(), "-C", extracted.toString());
        JsonNode manifest = Json.parse(ClientLab.read(extracted.resolve("manifest.json"))).path(0);
        assertThat(Json.strings(manifest.path("RepoTags"))).containsExactly("clients/jib-tar:v1");
        List<String> layerFiles = Json.strings(manifest.path("Layers"));
        assertThat(layerFiles).hasSameSizeAs(image.amd64().layerDigests());
        for (int i = 0; i < layerFiles.size(); i++) {
            assertThat(Digests.sha256(extracted.resolve(layerFiles.get(i))))
                    .as("layer %d in the tar", i).isEqualTo(image.amd64().layerDigests().get(i));
        }
        assertThat(Digests.sha256(extracted.resolve(manifest.path("Config").asText())))
                .isEqualTo(written.getImageId().toString());
    }

    private Path appFile() {
        Path file = lab.newFile("app.txt");
        ClientLab.write(file, "jib " + UUID.randomUUID() + "\n");
        return file;
    }

    /** A containerizer with the lab's settings; fresh caches, so every base layer really comes from the registry. */
    private Containerizer to(Containerizer containerizer) {
        return containerizer
                .setAllowInsecureRegistries(true)
                .setBaseImageLayersCache(lab.newDirectory("jib-base-cache"))
                .setApplicationLayersCache(lab.newDirectory("jib-app-cache"))
                .setToolName("berth-client-tests");
    }

    private Containerizer to(RegistryImage image) {
        return to(Containerizer.to(image));
    }

    private Containerizer to(TarImage image) {
        return to(Containerizer.to(image));
    }
}
