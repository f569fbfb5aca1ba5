package io.berth.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.BerthServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real clients log in, push and pull against a private Berth (access control on, README's "Private registry") over
 * each transport: plain HTTP, and HTTPS with a self-signed certificate made by openssl. On TLS the port speaks only
 * TLS, so every successful command went over TLS, token requests included (the realm Berth advertises is https).
 * Berth only: the reference registry has no token service of Berth's kind.
 *
 * <p>How each client comes to trust the certificate: skopeo and podman through --cert-dir (a folder holding
 * ca.crt), containerd through a hosts.toml naming the CA, and dockerd not at all: it treats 127.0.0.0/8 as an insecure
 * registry and skips verification (REAL-CLIENTS.md). The TLS server is deliberately not in registries.conf; over plain
 * HTTP the clients are told --tls-verify=false (ctr: --plain-http).
 */
@ParameterizedClass(name = "over {0}")
@EnumSource(PrivateRegistryTransportClientTest.Transport.class)
class PrivateRegistryTransportClientTest extends RealClientTest {
    private static final String ADMIN_PASSWORD = "admin-" + UUID.randomUUID();
    private static final String ALICE = "alice";
    private static final String ALICE_PASSWORD = "alice-" + UUID.randomUUID();
    private static final Pattern PUSHED_DIGEST = Pattern.compile("(?m)^\\S+: digest: (sha256:[0-9a-f]{64}) size: \\d+$");
    private static final Pattern PULLED_DIGEST = Pattern.compile("(?m)^Digest: (sha256:[0-9a-f]{64})$");
    private static final Map<Transport, BerthServer> SERVERS = new EnumMap<>(Transport.class);

    enum Transport { PLAIN, TLS }

    @Parameter
    Transport transport;

    private BerthServer berth;

    @BeforeEach
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void privateBerth() {
        berth = SERVERS.computeIfAbsent(transport, this::start);
    }

    private BerthServer start(Transport over) {
        BerthServer.Options options = BerthServer.with().auth(ADMIN_PASSWORD)
                .dataDir(lab.newDirectory("berth-private-" + over.name().toLowerCase()).resolve("data"));
        BerthServer server = (over == Transport.TLS ? options.tls() : options).start();
        if (over == Transport.PLAIN) {
            lab.addInsecureRegistry(server.hostPort());
        }
        server.admin().addUser(ALICE, ALICE_PASSWORD);
        server.admin().createNamespace("team", false);
        server.admin().grant("team", ALICE, "writer");
        return server;
    }

    @AfterAll
    static void stopPrivateBerths() {
        SERVERS.values().forEach(BerthServer::close);
        SERVERS.clear();
    }

    /** What a containers/image client (skopeo, podman) is told to trust the server: its --cert-dir, or no verification. */
    private List<String> trust(String certDirOption, String tlsVerifyOption) {
        return transport == Transport.TLS
                ? List.of(certDirOption, berth.certDirectory().toString())
                : List.of(tlsVerifyOption + "=false");
    }

    private static String[] args(Object... parts) {
        List<String> out = new ArrayList<>();
        for (Object part : parts) {
            if (part instanceof List<?> list) {
                list.forEach(p -> out.add(p.toString()));
            } else {
                out.add(part.toString());
            }
        }
        return out.toArray(String[]::new);
    }

    /** "team/CLIENT-TRANSPORT": each client's repository on each transport. */
    private String repoFor(String client) {
        return "team/" + client + "-" + transport.name().toLowerCase();
    }

    private RemoteRepository repository(String name) {
        return new RemoteRepository(berth, name, berth.admin());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void skopeoLogsInPushesAndInspects() {
        String repo = repoFor("skopeo");
        TestImage image = lab.newImage("transport-" + repo.substring("team/".length()));
        String authFile = newAuthFile();
        if (transport == Transport.TLS) {
            CommandResult untrusted = lab.attempt("skopeo", "login", "--authfile", authFile, "-u", ALICE, "-p",
                    ALICE_PASSWORD, berth.hostPort());
            assertThat(untrusted.exitCode()).as(untrusted.describe()).isNotZero();
            assertThat(untrusted.stderr()).as(untrusted.describe()).contains("x509: certificate signed by unknown authority");
        }

        lab.skopeo(args("login", trust("--cert-dir", "--tls-verify"), "--authfile", authFile, "-u", ALICE, "-p",
                ALICE_PASSWORD, berth.hostPort()));
        Path digestFile = lab.newFile("digest");
        lab.skopeo(args("copy", "--authfile", authFile, trust("--dest-cert-dir", "--dest-tls-verify"), "--digestfile",
                digestFile.toString(), image.amd64().ociReference(), "docker://" + berth.tag(repo, "v1")));

        String pushed = ClientLab.readText(digestFile);
        repository(repo).assertServes("v1", pushed);
        JsonNode inspected = Json.parse(lab.skopeo(args("inspect", trust("--cert-dir", "--tls-verify"), "--authfile",
                authFile, "docker://" + berth.tag(repo, "v1"))).stdout());
        assertThat(inspected.path("Digest").asText()).isEqualTo(pushed);
        assertThat(Json.strings(inspected.path("Layers"))).isEqualTo(image.amd64().layerDigests());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void podmanLogsInPushesAndPulls() {
        List<String> trust = trust("--cert-dir", "--tls-verify");
        String repo = repoFor("podman");
        TestImage image = lab.newImage("transport-" + repo.substring("team/".length()));
        String authFile = newAuthFile();
        String id = lab.podman("pull", image.amd64().ociReference()).lastLine();
        lab.podman("tag", id, berth.tag(repo, "v1"));

        lab.podman(args("login", trust, "--authfile", authFile, "-u", ALICE, "-p", ALICE_PASSWORD, berth.hostPort()));
        Path digestFile = lab.newFile("digest");
        lab.podman(args("push", trust, "--authfile", authFile, "--digestfile", digestFile.toString(), berth.tag(repo, "v1")));

        String pushed = ClientLab.readText(digestFile);
        repository(repo).assertServes("v1", pushed);
        lab.podman("rmi", "--force", id);
        assertThat(lab.podman(args("pull", trust, "--authfile", authFile, berth.tag(repo, "v1"))).lastLine()).isEqualTo(id);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void dockerLogsInPushesAndPullsWithoutBeingToldHowToTrustTheServer() {
        String repo = "team/docker-" + transport.name().toLowerCase();
        TestImage image = lab.newImage("transport-docker-" + transport.name().toLowerCase());
        Path config = lab.newDirectory("docker-config");
        String local = "transport/docker-" + transport.name().toLowerCase() + ":v1";
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
    void ctrPushesAndPullsWithUserCredentials() {
        String repo = "team/ctr-" + transport.name().toLowerCase();
        TestImage image = lab.newImage("transport-ctr-" + transport.name().toLowerCase());
        String reference = berth.tag(repo, "v1");
        List<String> trust = transport == Transport.TLS
                ? List.of("--hosts-dir", containerdHostsDirectory().toString()) : List.of("--plain-http");
        String alice = ALICE + ":" + ALICE_PASSWORD;
        lab.ctr("images", "import", "--snapshotter", "native", "--base-name", berth.hostPort() + "/" + repo,
                lab.ociArchive(image.amd64(), "v1").toString());

        lab.ctr(args("images", "push", trust, "--user", alice, reference));

        repository(repo).assertServes("v1", image.amd64().digest());
        lab.ctr("images", "rm", "--sync", reference);
        lab.ctr(args("images", "pull", trust, "--snapshotter", "native", "--user", alice, reference));
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
}
