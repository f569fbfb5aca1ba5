package io.berth.clients;

import static io.berth.clients.RemoteRepository.DOCKER_LIST;
import static io.berth.clients.RemoteRepository.DOCKER_MANIFEST;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.clients.RemoteRepository.FetchedManifest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;

/** The docker CLI and the lab's dockerd (20.10) against each registry: load, tag, push, pull, manifest lists. */
class DockerClientTest extends RealClientTest {
    /** "v1: digest: sha256:... size: 730", the last line of a push. */
    private static final Pattern PUSHED_DIGEST = Pattern.compile("(?m)^\\S+: digest: (sha256:[0-9a-f]{64}) size: \\d+$");
    /** "Digest: sha256:...", printed by a pull. */
    private static final Pattern PULLED_DIGEST = Pattern.compile("(?m)^Digest: (sha256:[0-9a-f]{64})$");
    /** "7567db368168: Pushed", one progress line per layer. */
    private static final Pattern LAYER_LINE = Pattern.compile("(?m)^([0-9a-f]{12}): (Pushed|Layer already exists|Mounted from .*)$");

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void pushedImagePullsBackByTagAndByDigestWithTheSameDigestAndImageId(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/docker/pull");
        TestImage image = lab.newImage("docker-pull");
        String local = "clients/docker-pull-" + kind + ":v1";
        lab.docker("load", "-i", lab.dockerArchive(image.amd64(), local).toString());
        lab.docker("tag", local, repo.tag("v1"));

        String pushed = pushedDigest(lab.docker("push", repo.tag("v1")));

        FetchedManifest served = repo.assertServes("v1", pushed);
        assertThat(served.contentType()).isEqualTo(DOCKER_MANIFEST);
        assertThat(served.json().path("config").path("digest").asText()).isEqualTo(image.amd64().configDigest());
        assertThat(Digests.sha256(lab.skopeo("inspect", "--tls-verify=false", "--raw", "docker://" + repo.tag("v1")).stdoutBytes()))
                .as("sha256 of skopeo inspect --raw").isEqualTo(pushed);

        lab.docker("rmi", local, repo.tag("v1"));
        assertThat(lab.attempt("docker", "image", "inspect", image.amd64().configDigest()).exitCode())
                .as("the image is gone from dockerd before the pull").isNotZero();

        CommandResult byTag = lab.docker("pull", repo.tag("v1"));
        assertThat(byTag.stdout()).contains("Pull complete");
        assertThat(pulledDigest(byTag)).isEqualTo(pushed);
        assertThat(imageId(repo.tag("v1"))).isEqualTo(image.amd64().configDigest());

        lab.docker("rmi", repo.tag("v1"));
        CommandResult byDigest = lab.docker("pull", repo.digest(pushed));
        assertThat(byDigest.stdout()).contains("Pull complete");
        assertThat(pulledDigest(byDigest)).isEqualTo(pushed);
        assertThat(imageId(repo.digest(pushed))).isEqualTo(image.amd64().configDigest());
        assertThat(lab.docker("image", "inspect", "--format", "{{json .RepoDigests}}", repo.digest(pushed)).stdout())
                .contains(repo.digest(pushed));
    }

    @OnEachRegistry
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void layerOfSixteenMebibytesPushesAndPullsBackIntact(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/docker/large");
        TestImage image = lab.newImage("docker-large", 16 * 1024 * 1024);
        String local = "clients/docker-large-" + kind + ":v1";
        lab.docker("load", "-i", lab.dockerArchive(image.amd64(), local).toString());
        lab.docker("tag", local, repo.tag("v1"));

        String pushed = pushedDigest(lab.docker("push", repo.tag("v1")));

        JsonNode layers = repo.assertServes("v1", pushed).json().path("layers");
        assertThat(layers.path(0).path("size").asLong()).as("compressed size of the large layer").isGreaterThan(16_000_000L);
        lab.docker("rmi", local, repo.tag("v1"));
        CommandResult pull = lab.docker("pull", repo.tag("v1"));
        assertThat(pulledDigest(pull)).isEqualTo(pushed);
        assertThat(imageId(repo.tag("v1"))).as("config digest, which holds the layers' diff ids, verified by dockerd")
                .isEqualTo(image.amd64().configDigest());
    }

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void secondPushOfTheSameImageUploadsNoLayer(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/docker/repush");
        TestImage image = lab.newImage("docker-repush");
        String local = "clients/docker-repush-" + kind + ":v1";
        lab.docker("load", "-i", lab.dockerArchive(image.amd64(), local).toString());
        lab.docker("tag", local, repo.tag("v1"));

        CommandResult first = lab.docker("push", repo.tag("v1"));
        CommandResult second = lab.docker("push", repo.tag("v1"));

        assertThat(layerLines(first)).as(first.describe()).hasSize(2).allMatch(line -> line.endsWith(": Pushed"));
        assertThat(layerLines(second)).as(second.describe()).hasSize(2).allMatch(line -> line.endsWith(": Layer already exists"));
        assertThat(pushedDigest(second)).isEqualTo(pushedDigest(first));
        repo.assertServes("v1", pushedDigest(second));
    }

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void pushToASecondRepositoryMountsEveryLayerFromTheFirst(RegistryKind kind) {
        RemoteRepository source = lab.repository(kind, "clients/docker/mount-source");
        RemoteRepository target = lab.repository(kind, "clients/docker/mount-target");
        TestImage image = lab.newImage("docker-mount");
        String local = "clients/docker-mount-" + kind + ":v1";
        lab.docker("load", "-i", lab.dockerArchive(image.amd64(), local).toString());
        lab.docker("tag", local, source.tag("v1"));
        lab.docker("tag", local, target.tag("v1"));
        String digest = pushedDigest(lab.docker("push", source.tag("v1")));

        CommandResult push = lab.docker("push", target.tag("v1"));

        assertThat(layerLines(push)).as(push.describe()).hasSize(2)
                .allMatch(line -> line.endsWith(": Mounted from " + source.name()));
        assertThat(pushedDigest(push)).isEqualTo(digest);
        target.assertServes("v1", digest);
    }

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void manifestCreateAndPushPublishesAMultiArchListThatPullsPerPlatform(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/docker/list");
        TestImage image = lab.newImage("docker-list");
        String local = "clients/docker-list-" + kind;
        lab.docker("load", "-i", lab.dockerArchive(image.amd64(), local + ":amd64").toString());
        lab.docker("load", "-i", lab.dockerArchive(image.arm64(), local + ":arm64").toString());
        lab.docker("tag", local + ":amd64", repo.tag("amd64"));
        lab.docker("tag", local + ":arm64", repo.tag("arm64"));
        String amd64 = pushedDigest(lab.docker("push", repo.tag("amd64")));
        String arm64 = pushedDigest(lab.docker("push", repo.tag("arm64")));

        lab.docker("manifest", "create", "--insecure", repo.tag("list"), repo.tag("amd64"), repo.tag("arm64"));
        String list = lab.docker("manifest", "push", "--insecure", "--purge", repo.tag("list")).lastLine();

        assertThat(list).matches("sha256:[0-9a-f]{64}");
        FetchedManifest served = repo.assertServes("list", list);
        assertThat(served.contentType()).isEqualTo(DOCKER_LIST);
        List<String> platforms = new ArrayList<>();
        for (JsonNode entry : served.json().path("manifests")) {
            platforms.add(entry.path("platform").path("architecture").asText() + "=" + entry.path("digest").asText());
        }
        assertThat(platforms).containsExactlyInAnyOrder("amd64=" + amd64, "arm64=" + arm64);
        JsonNode inspected = Json.parse(lab.docker("manifest", "inspect", "--insecure", repo.tag("list")).stdout());
        assertThat(inspected.path("manifests")).hasSize(2);

        lab.docker("rmi", local + ":arm64", repo.tag("arm64"));
        CommandResult pull = lab.docker("pull", "--platform", "linux/arm64", repo.tag("list"));
        assertThat(pulledDigest(pull)).isEqualTo(list);
        assertThat(imageId(repo.tag("list"))).isEqualTo(image.arm64().configDigest());
    }

    @OnEachRegistry
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void pullsAnOciImageAndAnOciIndexPushedByAnotherClient(RegistryKind kind) {
        RemoteRepository repo = lab.repository(kind, "clients/docker/oci");
        TestImage image = lab.newImage("docker-oci");
        lab.skopeo("copy", "--dest-tls-verify=false", image.amd64().ociReference(), "docker://" + repo.tag("v1"));
        lab.skopeo("copy", "--dest-tls-verify=false", "--all", image.index().ociReference(), "docker://" + repo.tag("list"));

        CommandResult single = lab.docker("pull", repo.tag("v1"));
        assertThat(pulledDigest(single)).isEqualTo(image.amd64().digest());
        assertThat(imageId(repo.tag("v1"))).isEqualTo(image.amd64().configDigest());

        CommandResult index = lab.docker("pull", "--platform", "linux/arm64", repo.tag("list"));
        assertThat(pulledDigest(index)).isEqualTo(image.index().digest());
        assertThat(imageId(repo.tag("list"))).isEqualTo(image.arm64().configDigest());
    }

    private String imageId(String reference) {
        return lab.docker("image", "inspect", "--format", "{{.Id}}", reference).lastLine();
    }

    private static String pushedDigest(CommandResult push) {
        return single(PUSHED_DIGEST, push);
    }

    private static String pulledDigest(CommandResult pull) {
        return single(PULLED_DIGEST, pull);
    }

    /** The final progress line of each layer ("<id>: Pushed" or "<id>: Layer already exists"). */
    private static List<String> layerLines(CommandResult push) {
        List<String> lines = new ArrayList<>();
        Matcher matcher = LAYER_LINE.matcher(push.stdout());
        while (matcher.find()) {
            lines.add(matcher.group());
        }
        return lines;
    }
}
