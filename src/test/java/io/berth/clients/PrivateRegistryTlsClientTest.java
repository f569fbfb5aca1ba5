package io.berth.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.BerthServer;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Real clients against a private Berth serving HTTPS with a self-signed certificate (made by openssl, as in README's
 * "Private registry"), access control on. The port speaks only TLS, so every successful command here went over TLS,
 * token requests included (the realm Berth advertises is https). Berth only: the reference registry has no token
 * service of Berth's kind.
 *
 * <p>How each client comes to trust the certificate: skopeo and podman through --cert-dir (a folder holding
 * ca.crt), containerd through a hosts.toml naming the CA, and dockerd not at all: it treats 127.0.0.0/8 as an insecure
 * registry and skips verification (REAL-CLIENTS.md). This server is deliberately not in registries.conf.
 */
@Tag("clients")
@ExtendWith(ClientLabExtension.class)
class PrivateRegistryTlsClientTest {
    private static final String ADMIN_PASSWORD = "admin-" + UUID.randomUUID();
    private static final String ALICE = "alice";
    private static final String ALICE_PASSWORD = "alice-" + UUID.randomUUID();
    private static final Pattern PUSHED_DIGEST = Pattern.compile("(?m)^\\S+: digest: (sha256:[0-9a-f]{64}) size: \\d+$");
    private static final Pattern PULLED_DIGEST = Pattern.compile("(?m)^Digest: (sha256:[0-9a-f]{64})$");

    private static BerthServer berth;

    private final ClientLab lab;

    PrivateRegistryTlsClientTest(ClientLab lab) {
        this.lab = lab;
    }

    @BeforeAll
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    static void startPrivateBerthWithTls(ClientLab lab) {
        berth = BerthServer.with().dataDir(lab.newDirectory("berth-private-tls").resolve("data")).auth(ADMIN_PASSWORD).tls().start();
        berth.admin().addUser(ALICE, ALICE_PASSWORD);
        berth.admin().createNamespace("team", false);
        berth.admin().grant("team", ALICE, "writer");
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

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void skopeoWithTheCertificateInCertDirLogsInPushesAndInspectsButWithoutItRefusesTheServer() {
        String repo = "team/skopeo-tls";
        TestImage image = lab.newImage("tls-skopeo");
        String authFile = newAuthFile();
        String certDir = berth.certDirectory().toString();

        CommandResult untrusted = lab.attempt("skopeo", "login", "--authfile", authFile, "-u", ALICE, "-p", ALICE_PASSWORD,
                berth.hostPort());
        assertThat(untrusted.exitCode()).as(untrusted.describe()).isNotZero();
        assertThat(untrusted.stderr()).as(untrusted.describe()).contains("x509: certificate signed by unknown authority");

        lab.skopeo("login", "--cert-dir", certDir, "--authfile", authFile, "-u", ALICE, "-p", ALICE_PASSWORD, berth.hostPort());
        Path digestFile = lab.newFile("digest");
        lab.skopeo("copy", "--authfile", authFile, "--dest-cert-dir", certDir, "--digestfile", digestFile.toString(),
                image.amd64().ociReference(), "docker://" + berth.tag(repo, "v1"));

        String pushed = ClientLab.readText(digestFile);
        repository(repo).assertServes("v1", pushed);
        JsonNode inspected = Json.parse(lab.skopeo("inspect", "--cert-dir", certDir, "--authfile", authFile,
                "docker://" + berth.tag(repo, "v1")).stdout());
        assertThat(inspected.path("Digest").asText()).isEqualTo(pushed);
        assertThat(Json.strings(inspected.path("Layers"))).isEqualTo(image.amd64().layerDigests());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void podmanWithTheCertificateInCertDirLogsInPushesAndPulls() {
        String repo = "team/podman-tls";
        TestImage image = lab.newImage("tls-podman");
        String authFile = newAuthFile();
        String certDir = berth.certDirectory().toString();
        String id = lab.podman("pull", image.amd64().ociReference()).lastLine();
        lab.podman("tag", id, berth.tag(repo, "v1"));

        lab.podman("login", "--cert-dir", certDir, "--authfile", authFile, "-u", ALICE, "-p", ALICE_PASSWORD, berth.hostPort());
        Path digestFile = lab.newFile("digest");
        lab.podman("push", "--cert-dir", certDir, "--authfile", authFile, "--digestfile", digestFile.toString(), berth.tag(repo, "v1"));

        String pushed = ClientLab.readText(digestFile);
        repository(repo).assertServes("v1", pushed);
        lab.podman("rmi", "--force", id);
        assertThat(lab.podman("pull", "--cert-dir", certDir, "--authfile", authFile, berth.tag(repo, "v1")).lastLine()).isEqualTo(id);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void dockerLogsInPushesAndPullsOverTlsWithoutTheCertificate() {
        String repo = "team/docker-tls";
        TestImage image = lab.newImage("tls-docker");
        Path config = lab.newDirectory("docker-config");
        String local = "tls/docker:v1";
        lab.docker("load", "-i", lab.dockerArchive(image.amd64(), local).toString());

        assertThat(lab.docker("--config", config.toString(), "login", "-u", ALICE, "-p", ALICE_PASSWORD, berth.hostPort()).stdout())
                .contains("Login Succeeded");
        lab.docker("tag", local, berth.tag(repo, "v1"));
        String pushed = single(PUSHED_DIGEST, lab.docker("--config", config.toString(), "push", berth.tag(repo, "v1")));

        repository(repo).assertServes("v1", pushed);
        lab.docker("rmi", local, berth.tag(repo, "v1"));
        CommandResult pull = lab.docker("--config", config.toString(), "pull", berth.tag(repo, "v1"));
        assertThat(single(PULLED_DIGEST, pull)).isEqualTo(pushed);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void ctrWithAHostsTomlNamingTheCertificatePushesAndPullsWithUserCredentials() {
        String repo = "team/ctr-tls";
        TestImage image = lab.newImage("tls-ctr");
        String reference = berth.tag(repo, "v1");
        String hostsDir = containerdHostsDirectory().toString();
        String alice = ALICE + ":" + ALICE_PASSWORD;
        lab.ctr("images", "import", "--snapshotter", "native", "--base-name", berth.hostPort() + "/" + repo,
                lab.ociArchive(image.amd64(), "v1").toString());

        lab.ctr("images", "push", "--hosts-dir", hostsDir, "--user", alice, reference);

        repository(repo).assertServes("v1", image.amd64().digest());
        lab.ctr("images", "rm", "--sync", reference);
        lab.ctr("images", "pull", "--hosts-dir", hostsDir, "--snapshotter", "native", "--user", alice, reference);
        assertThat(lab.ctr("images", "ls", "name==" + reference).stdout()).contains(image.amd64().digest());
    }

    /**
     * A --hosts-dir for ctr: without one, ctr speaks plain HTTP to 127.0.0.1 even with --tlscacert (REAL-CLIENTS.md).
     */
    private Path containerdHostsDirectory() {
        Path dir = lab.newDirectory("containerd-hosts");
        String server = "https://" + berth.hostPort();
        ClientLab.write(dir.resolve(berth.hostPort()).resolve("hosts.toml"), """
                server = "%1$s"
                [host."%1$s"]
                  capabilities = ["pull", "resolve", "push"]
                  ca = "%2$s"
                """.formatted(server, berth.certificate()));
        return dir;
    }

    private String newAuthFile() {
        Path file = lab.newFile("auth.json");
        ClientLab.write(file, "{\"auths\":{}}\n");
        return file.toString();
    }

    private static String single(Pattern pattern, CommandResult result) {
        Matcher matcher = pattern.matcher(result.stdout());
        if (!matcher.find()) {
            throw new AssertionError("no line matching " + pattern + " in:\n" + result.describe());
        }
        return matcher.group(1);
    }
}
