package io.berth.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.BerthServer;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real clients against a private Berth (access control on, plain HTTP; see README "Private registry"): logins with
 * passwords and robot tokens, roles, public namespaces, immutable tags and cross-repository mounts as users see them.
 * Berth only: the reference registry has no token service, roles or namespaces to compare with.
 *
 * <p>Every test keeps its logins to itself: docker gets its own --config folder, podman, buildah and skopeo their own
 * --authfile, ctr and Jib take credentials per call. The server's namespaces:
 * <ul>
 *   <li>team (private): alice writer, rita reader, robot token "ci" for team/* pull,push;</li>
 *   <li>shared (private): alice reader; secret (private): only admin; open (public);</li>
 *   <li>frozen (private): alice writer, tags matching 'v*' immutable.</li>
 * </ul>
 */
class PrivateRegistryClientTest extends RealClientTest {
    private static final String ADMIN_PASSWORD = "admin-" + UUID.randomUUID();
    private static final String ALICE = "alice";
    private static final String ALICE_PASSWORD = "alice-" + UUID.randomUUID();
    private static final String RITA = "rita";
    private static final String RITA_PASSWORD = "rita-" + UUID.randomUUID();
    private static final String NO_TLS = "--tls-verify=false";
    /** "v1: digest: sha256:... size: 730", the last line of a docker push. */
    private static final Pattern PUSHED_DIGEST = Pattern.compile("(?m)^\\S+: digest: (sha256:[0-9a-f]{64}) size: \\d+$");
    /** "Digest: sha256:...", printed by a docker pull. */
    private static final Pattern PULLED_DIGEST = Pattern.compile("(?m)^Digest: (sha256:[0-9a-f]{64})$");
    /** "7567db368168: Pushed", the final progress line of each layer of a docker push. */
    private static final Pattern LAYER_LINE = Pattern.compile("(?m)^[0-9a-f]{12}: (Pushed|Layer already exists|Mounted from .*)$");

    private static BerthServer berth;
    private static String robotToken;

    @BeforeAll
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    static void startPrivateBerth(ClientLab lab) {
        berth = BerthServer.with().dataDir(lab.newDirectory("berth-private").resolve("data")).auth(ADMIN_PASSWORD).start();
        lab.addInsecureRegistry(berth.hostPort());
        berth.admin().addUser(ALICE, ALICE_PASSWORD);
        berth.admin().addUser(RITA, RITA_PASSWORD);
        for (String namespace : List.of("team", "shared", "secret", "frozen")) {
            berth.admin().createNamespace(namespace, false);
        }
        berth.admin().createNamespace("open", true);
        berth.admin().grant("team", ALICE, "writer");
        berth.admin().grant("team", RITA, "reader");
        berth.admin().grant("shared", ALICE, "reader");
        berth.admin().grant("frozen", ALICE, "writer");
        robotToken = berth.admin().createToken("ci", "team", "team/*", "pull", "push");
        berth.cli("namespace", "immutable", "add", "frozen", "v*");
    }

    /** The repository as the admin reads it, independently of what a client printed. */
    private static RemoteRepository repository(String name) {
        return new RemoteRepository(berth, name, berth.admin());
    }

    @AfterAll
    static void stopPrivateBerth() {
        if (berth != null) {
            berth.close();
        }
    }

    // ---- docker ----

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void dockerLoginWithAUsersPasswordPushesAndPullsAPrivateImage() {
        String repo = "team/docker-password";
        TestImage image = lab.newImage("private-docker-password");
        Path config = lab.newDirectory("docker-config");
        String local = loadIntoDocker(image.amd64(), "private/docker-password:v1");

        CommandResult login = docker(config, "login", "-u", ALICE, "-p", ALICE_PASSWORD, berth.hostPort());

        assertThat(login.stdout()).contains("Login Succeeded");
        JsonNode stored = Json.parse(ClientLab.read(config.resolve("config.json"))).path("auths").path(berth.hostPort());
        assertThat(stored.path("identitytoken").asText())
                .as("docker keeps Berth's refresh token instead of the password: %s", stored).isNotBlank();
        docker(config, "tag", local, berth.tag(repo, "v1"));
        int before = berth.accessLog().size();
        String pushed = single(PUSHED_DIGEST, docker(config, "push", berth.tag(repo, "v1")));
        List<String> log = berth.accessLog();
        assertThat(log.subList(before, log.size()))
                .as("dockerd trading the refresh token for access tokens (POST grant_type=refresh_token)")
                .anyMatch(line -> line.contains("method=POST path=\"/auth/token\" status=200"));
        repository(repo).assertServes("v1", pushed);
        assertThat(repository(repo).manifest("v1").json().path("config").path("digest").asText()).isEqualTo(image.amd64().configDigest());

        lab.docker("rmi", local, berth.tag(repo, "v1"));
        CommandResult pull = docker(config, "pull", berth.tag(repo, "v1"));
        assertThat(single(PULLED_DIGEST, pull)).isEqualTo(pushed);
        assertThat(imageId(berth.tag(repo, "v1"))).isEqualTo(image.amd64().configDigest());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void dockerLoginWithARobotTokenPushesAndPullsInsideItsRepositoriesOnly() {
        String repo = "team/docker-robot";
        TestImage image = lab.newImage("private-docker-robot");
        Path config = lab.newDirectory("docker-config");
        String local = loadIntoDocker(image.amd64(), "private/docker-robot:v1");

        assertThat(docker(config, "login", "-u", "ci", "-p", robotToken, berth.hostPort()).stdout()).contains("Login Succeeded");
        docker(config, "tag", local, berth.tag(repo, "v1"));
        String pushed = single(PUSHED_DIGEST, docker(config, "push", berth.tag(repo, "v1")));

        repository(repo).assertServes("v1", pushed);
        lab.docker("rmi", berth.tag(repo, "v1"));
        assertThat(single(PULLED_DIGEST, docker(config, "pull", berth.tag(repo, "v1")))).isEqualTo(pushed);

        docker(config, "tag", local, berth.tag("shared/docker-robot", "v1"));
        CommandResult outside = attemptDocker(config, "push", berth.tag("shared/docker-robot", "v1"));
        assertThat(outside.exitCode()).as(outside.describe()).isNotZero();
        assertThat(outside.output()).as(outside.describe()).contains("denied");
        assertThat(repository("shared/docker-robot").manifestStatus("v1")).isEqualTo(404);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void dockerLoginWithAWrongPasswordFailsAndStoresNoCredentials() {
        Path config = lab.newDirectory("docker-config");

        CommandResult login = attemptDocker(config, "login", "-u", ALICE, "-p", "not-" + ALICE_PASSWORD, berth.hostPort());

        assertThat(login.exitCode()).as(login.describe()).isNotZero();
        assertThat(login.output()).as(login.describe()).containsIgnoringCase("unauthorized");
        Path stored = config.resolve("config.json");
        assertThat(!Files.exists(stored) || !Json.parse(ClientLab.read(stored)).path("auths").has(berth.hostPort()))
                .as("no credentials stored for a failed login").isTrue();
        assertThat(docker(config, "login", "-u", ALICE, "-p", ALICE_PASSWORD, berth.hostPort()).stdout())
                .as("the right password still works").contains("Login Succeeded");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void readerPullsWithDockerButItsPushIsDenied() {
        String repo = "team/docker-reader";
        TestImage image = lab.newImage("private-docker-reader");
        pushAsAdmin(image.amd64(), repo, "v1");
        Path config = lab.newDirectory("docker-config");
        docker(config, "login", "-u", RITA, "-p", RITA_PASSWORD, berth.hostPort());

        CommandResult pull = docker(config, "pull", berth.tag(repo, "v1"));

        assertThat(single(PULLED_DIGEST, pull)).isEqualTo(image.amd64().digest());
        docker(config, "tag", berth.tag(repo, "v1"), berth.tag(repo, "v2"));
        CommandResult push = attemptDocker(config, "push", berth.tag(repo, "v2"));
        assertThat(push.exitCode()).as(push.describe()).isNotZero();
        assertThat(push.output()).as(push.describe()).contains("denied");
        assertThat(repository(repo).manifestStatus("v2")).as("HEAD of the tag the reader tried to push").isEqualTo(404);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void anonymousDockerPullWorksFromAPublicNamespaceButNotFromAPrivateOne() {
        TestImage image = lab.newImage("private-docker-anonymous");
        pushAsAdmin(image.amd64(), "open/docker-anonymous", "v1");
        pushAsAdmin(image.amd64(), "team/docker-anonymous", "v1");
        Path config = lab.newDirectory("docker-config");

        CommandResult open = docker(config, "pull", berth.tag("open/docker-anonymous", "v1"));
        CommandResult closed = attemptDocker(config, "pull", berth.tag("team/docker-anonymous", "v1"));

        assertThat(single(PULLED_DIGEST, open)).isEqualTo(image.amd64().digest());
        assertThat(closed.exitCode()).as(closed.describe()).isNotZero();
        // docker's usual answer for a private repository: an anonymous token lacks the scope (insufficient_scope).
        assertThat(closed.output()).as(closed.describe()).containsAnyOf("pull access denied", "unauthorized");
        assertThat(closed.output()).doesNotContain("docker-anonymous:v1 pulled");
    }

    // ---- podman, buildah, skopeo ----

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void podmanLoginPushesAndPullsAndAfterLogoutAPrivatePullIsRefused() {
        String repo = "team/podman";
        TestImage image = lab.newImage("private-podman");
        String authFile = newAuthFile();
        String id = lab.podman("pull", image.amd64().ociReference()).lastLine();
        lab.podman("tag", id, berth.tag(repo, "v1"));

        lab.podman("login", "--authfile", authFile, "-u", ALICE, "-p", ALICE_PASSWORD, berth.hostPort());
        Path digestFile = lab.newFile("digest");
        lab.podman("push", "--authfile", authFile, "--digestfile", digestFile.toString(), berth.tag(repo, "v1"));

        String pushed = ClientLab.readText(digestFile);
        repository(repo).assertServes("v1", pushed);
        lab.podman("rmi", "--force", id);
        assertThat(lab.podman("pull", "--authfile", authFile, berth.tag(repo, "v1")).lastLine()).isEqualTo(id);

        lab.podman("logout", "--authfile", authFile, berth.hostPort());
        lab.podman("rmi", "--force", id);
        CommandResult refused = lab.attempt("podman", "pull", "--authfile", authFile, berth.tag(repo, "v1"));
        assertThat(refused.exitCode()).as(refused.describe()).isNotZero();
        assertThat(refused.stderr()).as(refused.describe()).contains("unauthorized");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void buildahLoginWithTlsVerifyFalsePushesAndPullsAPrivateImage() {
        String repo = "team/buildah";
        String authFile = newAuthFile();
        String local = "localhost/private/buildah:v1";
        Path file = lab.newFile("hello.txt");
        ClientLab.write(file, "buildah " + UUID.randomUUID() + "\n");
        String container = lab.buildah("from", "scratch").lastLine();
        lab.buildah("copy", container, file.toString(), "/hello.txt");
        lab.buildah("config", "--cmd", "/hello.txt", container);
        String id = lab.buildah("commit", container, local).lastLine();
        lab.buildah("rm", container);

        // buildah login ignores registries.conf's insecure flag (see REAL-CLIENTS.md); push and pull honour it.
        lab.buildah("login", NO_TLS, "--authfile", authFile, "-u", ALICE, "-p", ALICE_PASSWORD, berth.hostPort());
        Path digestFile = lab.newFile("digest");
        lab.buildah("push", "--authfile", authFile, "--digestfile", digestFile.toString(), local, "docker://" + berth.tag(repo, "v1"));

        String pushed = ClientLab.readText(digestFile);
        assertThat(repository(repo).assertServes("v1", pushed).json().path("config").path("digest").asText()).isEqualTo("sha256:" + id);
        lab.buildah("rmi", "--force", id);
        assertThat(lab.buildah("pull", "--authfile", authFile, berth.tag(repo, "v1")).lastLine()).isEqualTo(id);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void skopeoLoginAndCredsPushAndPullAPrivateImageThatAnonymousInspectCannotRead() {
        String repo = "team/skopeo";
        TestImage image = lab.newImage("private-skopeo");
        String authFile = newAuthFile();
        String anonymous = newAuthFile();

        lab.skopeo("login", NO_TLS, "--authfile", authFile, "-u", ALICE, "-p", ALICE_PASSWORD, berth.hostPort());
        Path digestFile = lab.newFile("digest");
        lab.skopeo("copy", "--authfile", authFile, "--dest-tls-verify=false", "--digestfile", digestFile.toString(),
                image.amd64().ociReference(), "docker://" + berth.tag(repo, "v1"));

        repository(repo).assertServes("v1", ClientLab.readText(digestFile));
        JsonNode inspected = Json.parse(lab.skopeo("inspect", NO_TLS, "--authfile", anonymous,
                "--creds", RITA + ":" + RITA_PASSWORD, "docker://" + berth.tag(repo, "v1")).stdout());
        assertThat(inspected.path("Digest").asText()).isEqualTo(image.amd64().digest());
        Path pulled = lab.newDirectory("skopeo-private-pulled");
        lab.skopeo("copy", "--authfile", anonymous, "--src-tls-verify=false", "--src-creds", RITA + ":" + RITA_PASSWORD,
                "docker://" + berth.tag(repo, "v1"), "oci:" + pulled + ":v1");
        assertThat(lab.readLayout(pulled, "v1").digest()).isEqualTo(image.amd64().digest());

        CommandResult refused = lab.attempt("skopeo", "inspect", NO_TLS, "--authfile", anonymous, "docker://" + berth.tag(repo, "v1"));
        assertThat(refused.exitCode()).as(refused.describe()).isNotZero();
        assertThat(refused.stderr()).as(refused.describe()).contains("unauthorized");
        lab.skopeo("logout", "--authfile", authFile, berth.hostPort());
        CommandResult afterLogout = lab.attempt("skopeo", "copy", "--authfile", authFile, "--dest-tls-verify=false",
                image.arm64().ociReference(), "docker://" + berth.tag(repo, "v2"));
        assertThat(afterLogout.exitCode()).as(afterLogout.describe()).isNotZero();
        assertThat(repository(repo).manifestStatus("v2")).isEqualTo(404);
    }

    // ---- containerd ----

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void ctrPushesAndPullsWithUserCredentialsWhichItTradesForATokenWithThePasswordGrant() {
        String repo = "team/ctr";
        TestImage image = lab.newImage("private-ctr");
        String reference = berth.tag(repo, "v1");
        lab.ctr("images", "import", "--snapshotter", "native", "--base-name", berth.hostPort() + "/" + repo,
                lab.ociArchive(image.amd64(), "v1").toString());

        CommandResult anonymous = lab.attempt("ctr", "images", "push", "--plain-http", reference);
        assertThat(anonymous.exitCode()).as(anonymous.describe()).isNotZero();
        // Anonymous ctr gets an anonymous token lacking the scope: Berth answers 401 with insufficient_scope.
        assertThat(anonymous.output()).as(anonymous.describe()).containsAnyOf("401 Unauthorized", "insufficient_scope");
        CommandResult reader = lab.attempt("ctr", "images", "push", "--plain-http", "--user", RITA + ":" + RITA_PASSWORD, reference);
        assertThat(reader.exitCode()).as(reader.describe()).isNotZero();
        assertThat(reader.output()).as(reader.describe()).contains("403 Forbidden");
        assertThat(repository(repo).manifestStatus("v1")).isEqualTo(404);

        int before = berth.accessLog().size();
        lab.ctr("images", "push", "--plain-http", "--user", ALICE + ":" + ALICE_PASSWORD, reference);

        repository(repo).assertServes("v1", image.amd64().digest());
        List<String> log = berth.accessLog();
        assertThat(log.subList(before, log.size()))
                .as("containerd's token requests").anyMatch(line -> line.contains("method=POST path=\"/auth/token\" status=200"));
        lab.ctr("images", "rm", "--sync", reference);
        lab.ctr("images", "pull", "--plain-http", "--snapshotter", "native", "--user", ALICE + ":" + ALICE_PASSWORD, reference);
        assertThat(lab.ctr("images", "ls", "name==" + reference).stdout()).contains(image.amd64().digest());
    }

    // ---- Jib ----

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void jibPushesWithCredentialsToAPrivateNamespaceButNotWithAReadersCredentials() throws Exception {
        String repo = "team/jib";
        Path app = lab.newFile("app.txt");
        ClientLab.write(app, "jib " + UUID.randomUUID() + "\n");
        JibContainerBuilder build = Jib.fromScratch().addLayer(List.of(app), AbsoluteUnixPath.get("/app"));

        // Jib sends credentials over plain HTTP only with this system property, which it reads on every request.
        String previous = System.setProperty("sendCredentialsOverHttp", "true");
        try {
            JibContainer pushed = containerize(build, jibTo(berth.tag(repo, "v1"), ALICE, ALICE_PASSWORD));
            repository(repo).assertServes("v1", pushed.getDigest().toString());

            // Jib reports Berth's 403 as "Unauthorized for <image>"; the status it got is the proof.
            assertThatThrownBy(() -> build.containerize(jibTo(berth.tag(repo, "v2"), RITA, RITA_PASSWORD)))
                    .isInstanceOfSatisfying(RegistryUnauthorizedException.class,
                            refused -> assertThat(refused.getHttpResponseException().getStatusCode()).isEqualTo(403));
            assertThat(repository(repo).manifestStatus("v2")).isEqualTo(404);
        } finally {
            if (previous == null) {
                System.clearProperty("sendCredentialsOverHttp");
            } else {
                System.setProperty("sendCredentialsOverHttp", previous);
            }
        }
    }

    // ---- immutable tags ----

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void dockerPushOfAnotherImageToAnImmutableTagFailsWithBerthsMessageButTheSameImageRepushes() {
        String repo = "frozen/docker";
        TestImage first = lab.newImage("private-docker-frozen-1");
        TestImage second = lab.newImage("private-docker-frozen-2");
        Path config = lab.newDirectory("docker-config");
        docker(config, "login", "-u", ALICE, "-p", ALICE_PASSWORD, berth.hostPort());
        String firstLocal = loadIntoDocker(first.amd64(), "private/docker-frozen-1:v1");
        String secondLocal = loadIntoDocker(second.amd64(), "private/docker-frozen-2:v1");
        docker(config, "tag", firstLocal, berth.tag(repo, "v1"));
        docker(config, "tag", firstLocal, berth.tag(repo, "latest"));
        String v1 = single(PUSHED_DIGEST, docker(config, "push", berth.tag(repo, "v1")));
        docker(config, "push", berth.tag(repo, "latest"));

        docker(config, "tag", secondLocal, berth.tag(repo, "v1"));
        CommandResult moved = attemptDocker(config, "push", berth.tag(repo, "v1"));

        assertThat(moved.exitCode()).as(moved.describe()).isNotZero();
        assertThat(moved.output()).as(moved.describe()).contains("immutable");
        repository(repo).assertServes("v1", v1);
        docker(config, "tag", firstLocal, berth.tag(repo, "v1"));
        assertThat(single(PUSHED_DIGEST, docker(config, "push", berth.tag(repo, "v1"))))
                .as("the same image pushed again").isEqualTo(v1);
        docker(config, "tag", secondLocal, berth.tag(repo, "latest"));
        String latest = single(PUSHED_DIGEST, docker(config, "push", berth.tag(repo, "latest")));
        repository(repo).assertServes("latest", latest);
        assertThat(latest).as("'latest' does not match 'v*' and moves").isNotEqualTo(v1);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void podmanPushOfAnotherImageToAnImmutableTagFailsWithBerthsMessageButTheSameImageRepushes() {
        String repo = "frozen/podman";
        TestImage first = lab.newImage("private-podman-frozen-1");
        TestImage second = lab.newImage("private-podman-frozen-2");
        String authFile = newAuthFile();
        lab.podman("login", "--authfile", authFile, "-u", ALICE, "-p", ALICE_PASSWORD, berth.hostPort());
        String firstId = lab.podman("pull", first.amd64().ociReference()).lastLine();
        String secondId = lab.podman("pull", second.amd64().ociReference()).lastLine();
        Path digestFile = lab.newFile("digest");
        lab.podman("push", "--authfile", authFile, "--digestfile", digestFile.toString(), firstId, "docker://" + berth.tag(repo, "v1"));
        String v1 = ClientLab.readText(digestFile);

        CommandResult moved = lab.attempt("podman", "push", "--authfile", authFile, secondId, "docker://" + berth.tag(repo, "v1"));

        assertThat(moved.exitCode()).as(moved.describe()).isNotZero();
        assertThat(moved.stderr()).as(moved.describe()).contains("immutable");
        repository(repo).assertServes("v1", v1);
        Path again = lab.newFile("digest");
        lab.podman("push", "--authfile", authFile, "--digestfile", again.toString(), firstId, "docker://" + berth.tag(repo, "v1"));
        assertThat(ClientLab.readText(again)).as("the same image pushed again").isEqualTo(v1);
    }

    // ---- cross-repository mounts ----

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void skopeoCopyFromARepositoryTheUserCanReadMountsTheLayersIntoOneItCanPushTo() {
        TestImage image = lab.newImage("private-mount-readable");
        pushAsAdmin(image.amd64(), "shared/skopeo-mount", "v1");
        String alice = ALICE + ":" + ALICE_PASSWORD;

        CommandResult copy = lab.skopeo("--debug", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                "--src-creds", alice, "--dest-creds", alice,
                "docker://" + berth.tag("shared/skopeo-mount", "v1"), "docker://" + berth.tag("team/skopeo-mount", "v1"));

        for (String layer : image.amd64().layerDigests()) {
            assertThat(copy.output()).as("skopeo --debug output").doesNotContain("Upload of layer " + layer);
            assertThat(repository("team/skopeo-mount").hasBlob(layer)).as("layer %s in the target", layer).isTrue();
        }
        assertThat(copy.output().split("mount OK", -1)).as("mounts reported by skopeo --debug")
                .hasSize(image.amd64().layerDigests().size() + 1);
        repository("team/skopeo-mount").assertServes("v1", image.amd64().digest());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void skopeoCopyFromARepositoryTheUserCannotReadFailsAndLeavesNothingInTheTarget() {
        TestImage image = lab.newImage("private-mount-unreadable");
        pushAsAdmin(image.amd64(), "secret/skopeo-copy", "v1");
        String alice = ALICE + ":" + ALICE_PASSWORD;

        CommandResult copy = lab.attempt("skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                "--src-creds", alice, "--dest-creds", alice,
                "docker://" + berth.tag("secret/skopeo-copy", "v1"), "docker://" + berth.tag("team/skopeo-copy", "v1"));

        assertThat(copy.exitCode()).as(copy.describe()).isNotZero();
        assertThat(copy.stderr()).as(copy.describe()).contains("denied");
        assertThat(repository("team/skopeo-copy").manifestStatus("v1")).isEqualTo(404);
        for (String layer : image.amd64().layerDigests()) {
            assertThat(repository("team/skopeo-copy").hasBlob(layer)).as("layer %s in the target", layer).isFalse();
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void skopeoPushOfLayersThatOnlyAnUnreadableRepositoryHoldsUploadsThemInsteadOfMounting() {
        TestImage image = lab.newImage("private-mount-skopeo-upload");
        // skopeo's blob cache now knows where the admin put the layers, and offers that repository as a mount source.
        pushAsAdmin(image.amd64(), "secret/skopeo-mount", "v1");

        CommandResult push = lab.skopeo("--debug", "copy", "--dest-tls-verify=false", "--dest-creds", ALICE + ":" + ALICE_PASSWORD,
                image.amd64().ociReference(), "docker://" + berth.tag("team/skopeo-upload", "v1"));

        assertThat(push.output()).as("skopeo --debug output").contains("/v2/secret/skopeo-mount/blobs/")
                .doesNotContain("mount OK");
        for (String layer : image.amd64().layerDigests()) {
            assertThat(push.output()).as("skopeo --debug output").contains("Upload of layer " + layer + " complete");
        }
        repository("team/skopeo-upload").assertServes("v1", image.amd64().digest());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void dockerPushMountsLayersFromARepositoryTheUserCanReadAndUploadsThoseOnlyAnUnreadableOneHolds() {
        TestImage readable = lab.newImage("private-mount-docker-readable");
        TestImage unreadable = lab.newImage("private-mount-docker-unreadable");
        String readableLocal = loadIntoDocker(readable.amd64(), "private/docker-mount-readable:v1");
        String unreadableLocal = loadIntoDocker(unreadable.amd64(), "private/docker-mount-unreadable:v1");
        Path admin = lab.newDirectory("docker-config");
        docker(admin, "login", "-u", BerthServer.ADMIN, "-p", ADMIN_PASSWORD, berth.hostPort());
        // dockerd remembers which repositories received each layer and offers them as mount sources later.
        docker(admin, "tag", readableLocal, berth.tag("shared/docker-mount", "v1"));
        docker(admin, "push", berth.tag("shared/docker-mount", "v1"));
        docker(admin, "tag", unreadableLocal, berth.tag("secret/docker-mount", "v1"));
        docker(admin, "push", berth.tag("secret/docker-mount", "v1"));
        Path config = lab.newDirectory("docker-config");
        docker(config, "login", "-u", ALICE, "-p", ALICE_PASSWORD, berth.hostPort());
        docker(config, "tag", readableLocal, berth.tag("team/docker-mount-readable", "v1"));
        docker(config, "tag", unreadableLocal, berth.tag("team/docker-mount-unreadable", "v1"));

        CommandResult mounted = docker(config, "push", berth.tag("team/docker-mount-readable", "v1"));
        CommandResult uploaded = docker(config, "push", berth.tag("team/docker-mount-unreadable", "v1"));

        assertThat(layerLines(mounted)).as(mounted.describe()).hasSize(2)
                .allMatch(line -> line.equals("Mounted from shared/docker-mount"));
        assertThat(uploadAnswers("team/docker-mount-readable")).as("Berth's answers to the mount requests").contains("201");
        assertThat(layerLines(uploaded)).as(uploaded.describe()).hasSize(2).allMatch(line -> line.equals("Pushed"));
        // dockerd's first POST for each layer names secret/docker-mount as from=; 202 means Berth opened an upload instead.
        assertThat(uploadAnswers("team/docker-mount-unreadable")).as("Berth's answers to the mount requests")
                .isNotEmpty().containsOnly("202");
        repository("team/docker-mount-unreadable").assertServes("v1", single(PUSHED_DIGEST, uploaded));
    }

    // ---- helpers ----

    /** The status of each POST /v2/repository/blobs/uploads/ so far: 201 for a mount, 202 for an upload session. */
    private static List<String> uploadAnswers(String repository) {
        Pattern post = Pattern.compile("method=POST path=\"/v2/" + Pattern.quote(repository) + "/blobs/uploads/\" status=(\\d+)");
        List<String> statuses = new ArrayList<>();
        for (String line : berth.accessLog()) {
            Matcher matcher = post.matcher(line);
            if (matcher.find()) {
                statuses.add(matcher.group(1));
            }
        }
        return statuses;
    }

    /** Loads one variant of a test image into the lab's dockerd under a local name; returns that name. */
    private String loadIntoDocker(LocalManifest image, String local) {
        lab.docker("load", "-i", lab.dockerArchive(image, local).toString());
        return local;
    }

    /** The admin pushes an image with skopeo (whose blob cache then knows the repository holds its layers). */
    private void pushAsAdmin(LocalManifest image, String repository, String tag) {
        lab.skopeo("copy", "--dest-tls-verify=false", "--dest-creds", BerthServer.ADMIN + ":" + ADMIN_PASSWORD,
                image.ociReference(), "docker://" + berth.tag(repository, tag));
    }

    /** docker with its own client config folder (logins), talking to the lab's dockerd. */
    private CommandResult docker(Path config, String... args) {
        return lab.docker(withConfig(config, args));
    }

    private CommandResult attemptDocker(Path config, String... args) {
        return lab.attempt("docker", withConfig(config, args));
    }

    private static String[] withConfig(Path config, String... args) {
        List<String> command = new ArrayList<>(List.of("--config", config.toString()));
        command.addAll(List.of(args));
        return command.toArray(String[]::new);
    }

    /** An empty auth file of its own for podman, buildah or skopeo (--authfile); the file must exist. */
    private String newAuthFile() {
        Path file = lab.newFile("auth.json");
        ClientLab.write(file, "{\"auths\":{}}\n");
        return file.toString();
    }

    private String imageId(String reference) {
        return lab.docker("image", "inspect", "--format", "{{.Id}}", reference).lastLine();
    }

    /** A containerizer pushing to reference with those credentials, with fresh caches in the lab. */
    private Containerizer jibTo(String reference, String user, String password) throws Exception {
        return Containerizer.to(RegistryImage.named(reference).addCredential(user, password))
                .setAllowInsecureRegistries(true)
                .setBaseImageLayersCache(lab.newDirectory("jib-base-cache"))
                .setApplicationLayersCache(lab.newDirectory("jib-app-cache"))
                .setToolName("berth-client-tests");
    }

    /** What each layer's final progress line of a docker push says: "Pushed", "Layer already exists", "Mounted from x". */
    private static List<String> layerLines(CommandResult push) {
        List<String> outcomes = new ArrayList<>();
        Matcher matcher = LAYER_LINE.matcher(push.stdout());
        while (matcher.find()) {
            outcomes.add(matcher.group(1));
        }
        return outcomes;
    }
}
