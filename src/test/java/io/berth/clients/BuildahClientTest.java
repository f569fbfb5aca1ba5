package io.berth.clients;

import static io.berth.clients.RemoteRepository.DOCKER_MANIFEST;
import static io.berth.clients.RemoteRepository.OCI_INDEX;
import static io.berth.clients.RemoteRepository.OCI_MANIFEST;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.clients.RemoteRepository.FetchedManifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** buildah 1.28 (chroot isolation, vfs) building images from scratch and pushing them to each registry. */
class BuildahClientTest extends RealClientTest {

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void imageCommittedFromScratchPushesInOciFormatAndPullsBackWithTheSameDigest(RegistryKind kind) {
        buildPushAndPullBack(kind, "oci", "oci", OCI_MANIFEST);
    }

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void imageCommittedFromScratchPushesInDockerV2Schema2FormatAndPullsBackWithTheSameDigest(RegistryKind kind) {
        buildPushAndPullBack(kind, "docker", "v2s2", DOCKER_MANIFEST);
    }

    private void buildPushAndPullBack(RegistryKind kind, String commitFormat, String pushFormat, String mediaType) {
        RemoteRepository repo = lab.repository(kind, "clients/buildah/" + pushFormat);
        String local = "localhost/clients/buildah-" + pushFormat + "-" + kind + ":v1";
        String id = build(local, commitFormat, "amd64");
        Path digestFile = lab.newFile("digest");

        lab.buildah("push", "--format", pushFormat, "--digestfile", digestFile.toString(), local, "docker://" + repo.tag("v1"));

        String pushed = ClientLab.readText(digestFile);
        FetchedManifest served = repo.assertServes("v1", pushed);
        assertThat(served.contentType()).isEqualTo(mediaType);
        assertThat(served.json().path("config").path("digest").asText()).isEqualTo("sha256:" + id);
        assertThat(served.json().path("layers")).hasSize(1);

        lab.buildah("rmi", "--force", id);
        assertThat(lab.buildah("pull", repo.tag("v1")).lastLine()).as("image id printed by buildah pull").isEqualTo(id);
        assertThat(lab.buildah("inspect", "--type", "image", "--format", "{{.FromImageDigest}}", repo.tag("v1")).lastLine())
                .isEqualTo(pushed);

        lab.buildah("rmi", "--force", id);
        String container = lab.buildah("from", "--pull-always", repo.digest(pushed)).lastLine();
        assertThat(lab.buildah("inspect", "--format", "{{.FromImageDigest}} {{.FromImageID}}", container).lastLine())
                .isEqualTo(pushed + " " + id);
        lab.buildah("rm", container);
    }

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void manifestListPushedWithAllPullsBackEachArchitecture(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/buildah/list");
        String local = "localhost/clients/buildah-list-" + kind;
        String amd64 = build(local + ":amd64", "oci", "amd64");
        String arm64 = build(local + ":arm64", "oci", "arm64");
        String list = local + ":list";
        lab.buildah("manifest", "create", list);
        lab.buildah("manifest", "add", list, local + ":amd64");
        lab.buildah("manifest", "add", list, local + ":arm64");
        Path digestFile = lab.newFile("digest");

        // buildah's manifest commands ignore registries.conf's insecure flag (see REAL-CLIENTS.md).
        lab.buildah("manifest", "push", "--tls-verify=false", "--all", "--format", "oci", "--digestfile", digestFile.toString(),
                list, "docker://" + repo.tag("list"));

        String pushed = ClientLab.readText(digestFile);
        FetchedManifest served = repo.assertServes("list", pushed);
        assertThat(served.contentType()).isEqualTo(OCI_INDEX);
        List<String> platforms = new ArrayList<>();
        for (JsonNode entry : served.json().path("manifests")) {
            FetchedManifest child = repo.assertServes(entry.path("digest").asText(), entry.path("digest").asText());
            assertThat(child.contentType()).isEqualTo(OCI_MANIFEST);
            platforms.add(entry.path("platform").path("architecture").asText() + "=" + child.json().path("config").path("digest").asText());
        }
        assertThat(platforms).containsExactlyInAnyOrder("amd64=sha256:" + amd64, "arm64=sha256:" + arm64);

        lab.buildah("manifest", "rm", list);
        lab.buildah("rmi", "--force", amd64, arm64);
        assertThat(lab.buildah("pull", "--arch", "arm64", repo.tag("list")).lastLine()).isEqualTo(arm64);
        assertThat(lab.buildah("pull", "--arch", "amd64", repo.tag("list")).lastLine()).isEqualTo(amd64);
    }

    /** Builds a one-layer image from scratch holding a random file; returns its image id (its config's sha256 hex). */
    private String build(String name, String format, String architecture) {
        Path file = lab.newFile("hello.txt");
        ClientLab.write(file, name + " " + UUID.randomUUID() + "\n");
        String container = lab.buildah("from", "scratch").lastLine();
        lab.buildah("copy", container, file.toString(), "/hello.txt");
        lab.buildah("config", "--cmd", "/hello.txt", "--os", "linux", "--arch", architecture, container);
        String id = lab.buildah("commit", "--format", format, container, name).lastLine();
        lab.buildah("rm", container);
        return id;
    }
}
