package io.berth.clients;

import static io.berth.clients.RemoteRepository.DOCKER_MANIFEST;
import static io.berth.clients.RemoteRepository.OCI_INDEX;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.clients.RemoteRepository.FetchedManifest;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** containerd 1.6's ctr, on the lab's private containerd (namespace "lab", native snapshotter), against each registry. */
class CtrClientTest extends RealClientTest {

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void importedOciArchivePushesUnchangedAndPullsBackByTagAndByDigest(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/ctr/oci");
        TestImage image = lab.newImage("ctr-oci");
        String digest = image.amd64().digest();
        lab.ctr("images", "import", "--snapshotter", "native", "--base-name", repo.reference(),
                lab.ociArchive(image.amd64(), "v1").toString());
        assertThat(localDigest(repo.tag("v1"))).as("digest of the imported image").isEqualTo(digest);

        lab.ctr("images", "push", "--plain-http", repo.tag("v1"));

        assertThat(repo.assertServes("v1", digest).bytes()).isEqualTo(image.amd64().bytes());

        lab.ctr("images", "rm", "--sync", repo.tag("v1"));
        assertThat(contentDigests()).as("content removed before the pull").doesNotContainAnyElementsOf(image.amd64().layerDigests());
        lab.ctr("images", "pull", "--plain-http", "--snapshotter", "native", repo.tag("v1"));
        assertThat(localDigest(repo.tag("v1"))).isEqualTo(digest);
        assertThat(contentDigests()).containsAll(image.amd64().layerDigests()).contains(image.amd64().configDigest());

        lab.ctr("images", "rm", "--sync", repo.tag("v1"));
        lab.ctr("images", "pull", "--plain-http", "--snapshotter", "native", repo.digest(digest));
        assertThat(localDigest(repo.digest(digest))).isEqualTo(digest);
        assertThat(contentDigests()).containsAll(image.amd64().layerDigests());
    }

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void importedDockerArchivePushesAsDockerV2Schema2AndPullsBackWithTheSameDigest(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/ctr/docker");
        TestImage image = lab.newImage("ctr-docker");
        String imported = "docker.io/clients/ctr-docker-" + kind + ":v1";
        lab.ctr("images", "import", "--snapshotter", "native",
                lab.dockerArchive(image.amd64(), "clients/ctr-docker-" + kind + ":v1").toString());
        lab.ctr("images", "tag", imported, repo.tag("v1"));
        String digest = localDigest(repo.tag("v1"));

        lab.ctr("images", "push", "--plain-http", repo.tag("v1"));

        FetchedManifest served = repo.assertServes("v1", digest);
        assertThat(served.contentType()).isEqualTo(DOCKER_MANIFEST);
        assertThat(served.json().path("config").path("digest").asText()).isEqualTo(image.amd64().configDigest());

        lab.ctr("images", "rm", "--sync", imported, repo.tag("v1"));
        lab.ctr("images", "pull", "--plain-http", "--snapshotter", "native", repo.tag("v1"));
        assertThat(localDigest(repo.tag("v1"))).isEqualTo(digest);
    }

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void contentFetchOfAllPlatformsGetsEveryBlobOfAMultiArchIndexWhichPushesBackUnchanged(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/ctr/index");
        RemoteRepository copy = lab.repository(kind, "clients/ctr/index-copy");
        TestImage image = lab.newImage("ctr-index");
        lab.skopeo("copy", "--dest-tls-verify=false", "--all", image.index().ociReference(), "docker://" + repo.tag("list"));

        lab.ctr("content", "fetch", "--plain-http", "--all-platforms", repo.tag("list"));

        assertThat(contentDigests()).containsAll(image.allDigests());
        assertThat(localDigest(repo.tag("list"))).isEqualTo(image.index().digest());

        lab.ctr("images", "tag", repo.tag("list"), copy.tag("list"));
        lab.ctr("images", "push", "--plain-http", copy.tag("list"));
        FetchedManifest index = copy.assertServes("list", image.index().digest());
        assertThat(index.contentType()).isEqualTo(OCI_INDEX);
        copy.assertServes(image.amd64().digest(), image.amd64().digest());
        copy.assertServes(image.arm64().digest(), image.arm64().digest());
    }

    /** The manifest digest containerd holds for an image name (DIGEST column of `ctr images ls`). */
    private String localDigest(String name) {
        CommandResult list = lab.ctr("images", "ls", "name==" + name);
        List<String[]> rows = list.stdout().lines().skip(1).map(line -> line.strip().split("\\s+")).toList();
        assertThat(rows).as(list.describe()).hasSize(1);
        return rows.getFirst()[2];
    }

    private List<String> contentDigests() {
        return lab.ctr("content", "ls", "--quiet").stdout().lines().map(String::strip).toList();
    }
}
