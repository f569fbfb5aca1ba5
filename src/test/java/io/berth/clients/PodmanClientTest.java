package io.berth.clients;

import static io.berth.clients.RemoteRepository.DOCKER_LIST;
import static io.berth.clients.RemoteRepository.DOCKER_MANIFEST;
import static io.berth.clients.RemoteRepository.OCI_MANIFEST;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.clients.RemoteRepository.FetchedManifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** podman 4.3 (vfs storage, registries.conf marks the registries insecure) against each registry. */
class PodmanClientTest extends RealClientTest {

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void pushInOciFormatPullsBackWithTheSameDigestAndImageId(RegistryKind kind) {
        pushAndPullBack(kind, "oci", OCI_MANIFEST);
    }

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void pushInDockerV2Schema2FormatPullsBackWithTheSameDigestAndImageId(RegistryKind kind) {
        pushAndPullBack(kind, "v2s2", DOCKER_MANIFEST);
    }

    private void pushAndPullBack(RegistryKind kind, String format, String mediaType) {
        TestImage image = lab.newImage("podman-" + format);
        RemoteRepository repo = lab.repository(kind, "clients/podman/" + format);
        String id = lab.podman("pull", image.amd64().ociReference()).lastLine();
        assertThat("sha256:" + id).isEqualTo(image.amd64().configDigest());
        lab.podman("tag", id, repo.tag("v1"));
        Path digestFile = lab.newFile("digest");

        lab.podman("push", "--format", format, "--digestfile", digestFile.toString(), repo.tag("v1"));

        String pushed = ClientLab.readText(digestFile);
        FetchedManifest served = repo.assertServes("v1", pushed);
        assertThat(served.contentType()).isEqualTo(mediaType);
        assertThat(served.json().path("config").path("digest").asText()).isEqualTo(image.amd64().configDigest());

        lab.podman("rmi", "--force", id);
        assertThat(lab.attempt("podman", "image", "exists", id).exitCode()).as("image removed before the pull").isNotZero();
        CommandResult pull = lab.podman("pull", repo.tag("v1"));
        assertThat(pull.lastLine()).as("image id printed by podman pull").isEqualTo(id);
        assertThat(repoDigests(repo.tag("v1"))).contains(repo.digest(pushed));

        lab.podman("rmi", "--force", id);
        assertThat(lab.podman("pull", repo.digest(pushed)).lastLine()).isEqualTo(id);
    }

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void manifestListPushedWithAllPullsBackEachArchitecture(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/podman/list");
        TestImage image = lab.newImage("podman-list");
        String amd64 = lab.podman("pull", image.amd64().ociReference()).lastLine();
        String arm64 = lab.podman("pull", image.arm64().ociReference()).lastLine();
        String list = "localhost/clients/podman-list-" + kind;
        lab.podman("manifest", "create", list);
        lab.podman("manifest", "add", list, "containers-storage:" + amd64);
        lab.podman("manifest", "add", list, "containers-storage:" + arm64);
        Path digestFile = lab.newFile("digest");

        lab.podman("manifest", "push", "--all", "--format", "v2s2", "--digestfile", digestFile.toString(),
                list, "docker://" + repo.tag("list"));

        String pushed = ClientLab.readText(digestFile);
        FetchedManifest served = repo.assertServes("list", pushed);
        assertThat(served.contentType()).isEqualTo(DOCKER_LIST);
        List<String> architectures = new ArrayList<>();
        for (JsonNode entry : served.json().path("manifests")) {
            architectures.add(entry.path("platform").path("architecture").asText());
            FetchedManifest child = repo.assertServes(entry.path("digest").asText(), entry.path("digest").asText());
            assertThat(child.contentType()).isEqualTo(DOCKER_MANIFEST);
        }
        assertThat(architectures).containsExactlyInAnyOrder("amd64", "arm64");

        lab.podman("manifest", "rm", list);
        lab.podman("rmi", "--force", amd64, arm64);
        assertThat(lab.podman("pull", "--arch", "arm64", repo.tag("list")).lastLine()).isEqualTo(arm64);
        assertThat(lab.podman("pull", "--arch", "amd64", repo.tag("list")).lastLine()).isEqualTo(amd64);
        assertThat(repoDigests(repo.tag("list"))).contains(repo.digest(pushed));
    }

    @OnEachRegistry
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void searchListsTheTagsOfARepository(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/podman/search");
        TestImage image = lab.newImage("podman-search");
        String id = lab.podman("pull", image.amd64().ociReference()).lastLine();
        lab.podman("tag", id, repo.tag("v1"), repo.tag("v2"));
        lab.podman("push", repo.tag("v1"));
        lab.podman("push", repo.tag("v2"));

        CommandResult search = lab.podman("search", "--list-tags", repo.reference());

        List<String> rows = search.stdout().lines().skip(1)
                .map(line -> String.join(" ", line.strip().split("\\s+"))).toList();
        assertThat(rows).as(search.describe()).containsExactlyInAnyOrder(
                repo.reference() + " v1", repo.reference() + " v2");
    }

    private List<String> repoDigests(String reference) {
        JsonNode digests = Json.parse(lab.podman("image", "inspect", "--format", "{{json .RepoDigests}}", reference).stdout());
        return Json.strings(digests);
    }
}
