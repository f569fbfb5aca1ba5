package io.berth.clients;

import static io.berth.clients.RemoteRepository.DOCKER_MANIFEST;
import static io.berth.clients.RemoteRepository.OCI_INDEX;
import static io.berth.clients.RemoteRepository.OCI_MANIFEST;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.clients.RemoteRepository.FetchedManifest;
import io.berth.testing.RegistryUnderTest.Feature;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** skopeo 1.9 against each registry: push in both formats, copy, list-tags, inspect, delete, sync, multi-arch. */
class SkopeoClientTest extends RealClientTest {
    private static final String NO_TLS = "--tls-verify=false";
    private static final String SRC_NO_TLS = "--src-tls-verify=false";
    private static final String DEST_NO_TLS = "--dest-tls-verify=false";

    @OnEachRegistry
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pushInOciFormatStoresTheLayoutManifestByteForByteAndPullsBackTheSameDigest(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/skopeo/oci");
        TestImage image = lab.newImage("skopeo-oci");
        Path digestFile = lab.newFile("digest");

        lab.skopeo("copy", DEST_NO_TLS, "--format", "oci", "--digestfile", digestFile.toString(),
                image.amd64().ociReference(), "docker://" + repo.tag("v1"));

        assertThat(ClientLab.readText(digestFile)).isEqualTo(image.amd64().digest());
        FetchedManifest served = repo.assertServes("v1", image.amd64().digest());
        assertThat(served.bytes()).isEqualTo(image.amd64().bytes());
        assertThat(served.contentType()).isEqualTo(OCI_MANIFEST);

        Path pulled = lab.newDirectory("skopeo-pulled");
        lab.skopeo("copy", SRC_NO_TLS, "docker://" + repo.tag("v1"), "oci:" + pulled + ":v1");
        LocalManifest pulledManifest = lab.readLayout(pulled, "v1");
        assertThat(pulledManifest.digest()).isEqualTo(image.amd64().digest());
        for (String layer : image.amd64().layerDigests()) {
            assertThat(Digests.sha256(pulled.resolve("blobs/sha256").resolve(Digests.hex(layer))))
                    .as("pulled layer %s", layer).isEqualTo(layer);
        }
    }

    @OnEachRegistry
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pushInDockerV2Schema2FormatKeepsConfigAndLayersAndPullsBackTheSameDigest(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/skopeo/v2s2");
        TestImage image = lab.newImage("skopeo-v2s2");
        Path digestFile = lab.newFile("digest");

        lab.skopeo("copy", DEST_NO_TLS, "--format", "v2s2", "--digestfile", digestFile.toString(),
                image.amd64().ociReference(), "docker://" + repo.tag("v1"));

        String digest = ClientLab.readText(digestFile);
        FetchedManifest served = repo.assertServes("v1", digest);
        assertThat(served.contentType()).isEqualTo(DOCKER_MANIFEST);
        assertThat(served.json().path("mediaType").asText()).isEqualTo(DOCKER_MANIFEST);
        assertThat(served.json().path("config").path("digest").asText()).isEqualTo(image.amd64().configDigest());
        assertThat(Json.texts(served.json().path("layers"), "digest")).isEqualTo(image.amd64().layerDigests());

        Path pulled = lab.newDirectory("skopeo-pulled-dir");
        lab.skopeo("copy", SRC_NO_TLS, "docker://" + repo.tag("v1"), "dir:" + pulled);
        assertThat(Digests.sha256(pulled.resolve("manifest.json"))).isEqualTo(digest);
    }

    @OnEachRegistry
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void copyToAnotherRepositoryOfTheSameRegistryMountsTheLayersInsteadOfUploadingThem(RegistryKind kind) {
        RemoteRepository source = lab.repository(kind, "clients/skopeo/mount-source");
        RemoteRepository target = lab.repository(kind, "clients/skopeo/mount-target");
        TestImage image = lab.newImage("skopeo-mount");
        lab.skopeo("copy", DEST_NO_TLS, image.amd64().ociReference(), "docker://" + source.tag("v1"));

        CommandResult copy = lab.skopeo("--debug", "copy", SRC_NO_TLS, DEST_NO_TLS,
                "docker://" + source.tag("v1"), "docker://" + target.tag("v1"));

        for (String layer : image.amd64().layerDigests()) {
            assertThat(copy.output()).as("skopeo --debug output").contains("Skipping blob " + layer + " (already present)");
            assertThat(copy.output()).as("skopeo --debug output").doesNotContain("Upload of layer " + layer);
            assertThat(target.hasBlob(layer)).as("layer %s in the target repository", layer).isTrue();
        }
        assertThat(copy.output().split("mount OK", -1)).as("mounts reported by skopeo --debug")
                .hasSize(image.amd64().layerDigests().size() + 1);
        target.assertServes("v1", image.amd64().digest());
    }

    @OnEachRegistry
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void listTagsShowsEveryTagOfTheRepository(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/skopeo/tags");
        TestImage image = lab.newImage("skopeo-tags");
        lab.skopeo("copy", DEST_NO_TLS, image.amd64().ociReference(), "docker://" + repo.tag("v1"));
        lab.skopeo("copy", SRC_NO_TLS, DEST_NO_TLS, "docker://" + repo.tag("v1"), "docker://" + repo.tag("v2"));
        lab.skopeo("copy", DEST_NO_TLS, image.arm64().ociReference(), "docker://" + repo.tag("arm"));
        lab.skopeo("copy", DEST_NO_TLS, "--all", image.index().ociReference(), "docker://" + repo.tag("list"));

        JsonNode listed = Json.parse(lab.skopeo("list-tags", NO_TLS, "docker://" + repo.reference()).stdout());

        assertThat(listed.path("Repository").asText()).isEqualTo(repo.reference());
        assertThat(Json.strings(listed.path("Tags"))).containsExactlyInAnyOrder("v1", "v2", "arm", "list");
        assertThat(repo.tags()).containsExactlyInAnyOrder("v1", "v2", "arm", "list");
    }

    @OnEachRegistry
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void inspectReportsDigestPlatformAndLayersAndRawGivesTheStoredBytes(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/skopeo/inspect");
        TestImage image = lab.newImage("skopeo-inspect");
        lab.skopeo("copy", DEST_NO_TLS, image.amd64().ociReference(), "docker://" + repo.tag("v1"));
        lab.skopeo("copy", DEST_NO_TLS, "--all", image.index().ociReference(), "docker://" + repo.tag("list"));

        JsonNode inspected = Json.parse(lab.skopeo("inspect", NO_TLS, "docker://" + repo.tag("v1")).stdout());
        assertThat(inspected.path("Name").asText()).isEqualTo(repo.reference());
        assertThat(inspected.path("Digest").asText()).isEqualTo(image.amd64().digest());
        assertThat(inspected.path("Architecture").asText()).isEqualTo("amd64");
        assertThat(inspected.path("Os").asText()).isEqualTo("linux");
        assertThat(Json.strings(inspected.path("Layers"))).isEqualTo(image.amd64().layerDigests());
        assertThat(Json.strings(inspected.path("RepoTags"))).containsExactlyInAnyOrder("v1", "list");

        assertThat(lab.skopeo("inspect", NO_TLS, "--raw", "docker://" + repo.tag("v1")).stdoutBytes())
                .isEqualTo(image.amd64().bytes());
        assertThat(lab.skopeo("inspect", NO_TLS, "--raw", "docker://" + repo.tag("list")).stdoutBytes())
                .isEqualTo(image.index().bytes());
        byte[] config = lab.skopeo("inspect", NO_TLS, "--config", "--raw", "docker://" + repo.tag("v1")).stdoutBytes();
        assertThat(Digests.sha256(config)).isEqualTo(image.amd64().configDigest());
        JsonNode viaIndex = Json.parse(lab.skopeo("inspect", NO_TLS, "--override-arch", "arm64",
                "docker://" + repo.tag("list")).stdout());
        assertThat(viaIndex.path("Digest").asText()).as("skopeo reports the digest of the index it resolved")
                .isEqualTo(image.index().digest());
        assertThat(viaIndex.path("Architecture").asText()).isEqualTo("arm64");
    }

    @OnEachRegistry
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void deleteRemovesTheManifestAndEveryTagPointingAtItButNoOtherTag(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/skopeo/delete");
        TestImage image = lab.newImage("skopeo-delete");
        lab.skopeo("copy", DEST_NO_TLS, image.amd64().ociReference(), "docker://" + repo.tag("v1"));
        lab.skopeo("copy", SRC_NO_TLS, DEST_NO_TLS, "docker://" + repo.tag("v1"), "docker://" + repo.tag("v2"));
        lab.skopeo("copy", DEST_NO_TLS, image.arm64().ociReference(), "docker://" + repo.tag("other"));

        lab.skopeo("delete", NO_TLS, "docker://" + repo.tag("v1"));

        assertThat(repo.manifestStatus(image.amd64().digest())).as("HEAD of the deleted digest").isEqualTo(404);
        for (String tag : new String[] {"v1", "v2"}) {
            CommandResult inspect = lab.attempt("skopeo", "inspect", NO_TLS, "docker://" + repo.tag(tag));
            assertThat(inspect.exitCode()).as(inspect.describe()).isNotZero();
            assertThat(inspect.stderr()).as(inspect.describe()).contains("manifest unknown");
        }
        assertThat(repo.tags()).containsExactly("other");
        repo.assertServes("other", image.arm64().digest());
    }

    @OnEachRegistry
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void deleteOfAnImageThatAnIndexStillReferencesIsRefusedWhereTheRegistryProtectsIt(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/skopeo/delete-referenced");
        TestImage image = lab.newImage("skopeo-delete-referenced");
        lab.skopeo("copy", DEST_NO_TLS, "--all", image.index().ociReference(), "docker://" + repo.tag("list"));

        CommandResult delete = lab.attempt("skopeo", "delete", NO_TLS, "docker://" + repo.digest(image.arm64().digest()));

        if (lab.registry(kind).supports(Feature.DELETE_PROTECTION)) {
            assertThat(delete.exitCode()).as(delete.describe()).isNotZero();
            assertThat(delete.stderr()).as(delete.describe()).containsIgnoringCase("denied");
            repo.assertServes(image.arm64().digest(), image.arm64().digest());
        } else {
            // The reference registry deletes it and leaves the index pointing at a manifest that is gone.
            assertThat(delete.exitCode()).as(delete.describe()).isZero();
            assertThat(repo.manifestStatus(image.arm64().digest())).isEqualTo(404);
        }
        repo.assertServes("list", image.index().digest());
    }

    @OnEachRegistry
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pushWithZstdCompressedLayersKeepsTheirMediaTypeAndPullsBack(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/skopeo/zstd");
        TestImage image = lab.newImage("skopeo-zstd");
        Path digestFile = lab.newFile("digest");

        lab.skopeo("copy", DEST_NO_TLS, "--format", "oci", "--dest-compress", "--dest-compress-format", "zstd",
                "--digestfile", digestFile.toString(), image.amd64().ociReference(), "docker://" + repo.tag("v1"));

        String digest = ClientLab.readText(digestFile);
        FetchedManifest served = repo.assertServes("v1", digest);
        assertThat(Json.texts(served.json().path("layers"), "mediaType"))
                .containsOnly("application/vnd.oci.image.layer.v1.tar+zstd");
        Path pulled = lab.newDirectory("skopeo-pulled-zstd");
        lab.skopeo("copy", SRC_NO_TLS, "docker://" + repo.tag("v1"), "oci:" + pulled + ":v1");
        assertThat(lab.readLayout(pulled, "v1").digest()).isEqualTo(digest);
        for (String layer : Json.texts(served.json().path("layers"), "digest")) {
            assertThat(Digests.sha256(pulled.resolve("blobs/sha256").resolve(Digests.hex(layer)))).isEqualTo(layer);
        }
    }

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void syncCopiesEveryTagOfARepositoryIncludingAMultiArchIndexUnchanged(RegistryKind kind) {
        RemoteRepository source = lab.repository(kind, "clients/skopeo/sync-source");
        TestImage image = lab.newImage("skopeo-sync");
        lab.skopeo("copy", DEST_NO_TLS, image.amd64().ociReference(), "docker://" + source.tag("v1"));
        lab.skopeo("copy", DEST_NO_TLS, image.arm64().ociReference(), "docker://" + source.tag("v2"));
        lab.skopeo("copy", DEST_NO_TLS, "--all", image.index().ociReference(), "docker://" + source.tag("list"));

        lab.skopeo("sync", "--all", SRC_NO_TLS, DEST_NO_TLS, "--src", "docker", "--dest", "docker",
                source.reference(), lab.registry(kind).hostPort() + "/clients/skopeo/mirror");

        RemoteRepository mirror = lab.repository(kind, "clients/skopeo/mirror/sync-source");
        assertThat(mirror.tags()).containsExactlyInAnyOrder("v1", "v2", "list");
        mirror.assertServes("v1", image.amd64().digest());
        mirror.assertServes("v2", image.arm64().digest());
        assertThat(mirror.assertServes("list", image.index().digest()).bytes()).isEqualTo(image.index().bytes());
    }

    @OnEachRegistry
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void copyAllPushesAMultiArchIndexByteForByteAndPullsOneArchitectureBack(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/skopeo/multiarch");
        TestImage image = lab.newImage("skopeo-multiarch");
        Path digestFile = lab.newFile("digest");

        lab.skopeo("copy", DEST_NO_TLS, "--all", "--digestfile", digestFile.toString(),
                image.index().ociReference(), "docker://" + repo.tag("list"));

        assertThat(ClientLab.readText(digestFile)).isEqualTo(image.index().digest());
        FetchedManifest index = repo.assertServes("list", image.index().digest());
        assertThat(index.bytes()).isEqualTo(image.index().bytes());
        assertThat(index.contentType()).isEqualTo(OCI_INDEX);
        repo.assertServes(image.amd64().digest(), image.amd64().digest());
        repo.assertServes(image.arm64().digest(), image.arm64().digest());

        Path pulled = lab.newDirectory("skopeo-pulled-arm64");
        lab.skopeo("copy", SRC_NO_TLS, "--override-arch", "arm64", "docker://" + repo.tag("list"), "oci:" + pulled + ":arm");
        assertThat(lab.readLayout(pulled, "arm").digest()).isEqualTo(image.arm64().digest());
    }
}
