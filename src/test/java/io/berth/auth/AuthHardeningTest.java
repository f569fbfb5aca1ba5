package io.berth.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import io.berth.testing.Started;
import io.berth.testing.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * Access-control defects found by trying Berth as an attacker would (issue 12, items 6, 7, 20 and 23), each on the
 * real server with access control on. Logins fail at most 3 times a minute per account and address here, so the
 * 10x ceilings are 30; clients take different loopback addresses (127.0.0.x) to act as different sources.
 */
@Timeout(120)
class AuthHardeningTest {
    private static final String ADMIN_PASSWORD = "admin-password-1";
    private static final int MAX_FAILURES = 3;

    @RegisterExtension
    static final Started<BerthServer> server = Started.by(() -> BerthServer.with().auth(ADMIN_PASSWORD)
            .env(Map.of("BERTH_AUTH_MAX_FAILURES_PER_MINUTE", String.valueOf(MAX_FAILURES))).start());

    private static Response send(String source, String method, String path, String authorization, String json) {
        return server.get().api().from(source).send(method, path, json == null ? null : json.getBytes(StandardCharsets.UTF_8),
                "Authorization", authorization, "Content-Type", json == null ? null : "application/json");
    }

    private static Response send(String method, String path, String authorization, String json) {
        return send("127.0.0.1", method, path, authorization, json);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String admin() {
        return basic("admin", ADMIN_PASSWORD);
    }

    private static Response api(String method, String path, String json) {
        Response r = send(method, path, admin(), json);
        assertThat(r.status()).as(method + " " + path + ": " + r.text()).isBetween(200, 299);
        return r;
    }

    private static void addUser(String name, String password) {
        api("POST", "/api/v1/users", "{\"name\":\"" + name + "\",\"password\":\"" + password + "\"}");
    }

    private static int login(String source, String user, String password) {
        return send(source, "GET", "/auth/token?service=berth", basic(user, password), null).status();
    }

    private static String token(String user, String password, String... scopes) {
        StringBuilder query = new StringBuilder("/auth/token?service=berth");
        for (String scope : scopes) {
            query.append("&scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        }
        Response r = send("GET", query.toString(), basic(user, password), null);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return "Bearer " + r.json().get("token").asText();
    }

    // ---- item 6: passwords that look like robot tokens

    @Test
    void aPasswordStartingWithTheRobotPrefixIsRefusedWhenSetWithAClearMessage() {
        Response create = send("POST", "/api/v1/users", admin(),
                "{\"name\":\"pat\",\"password\":\"berth_0123456789abcdef_secret\"}");
        assertThat(create.status()).isEqualTo(400);
        assertThat(create.text()).contains("INVALID_REQUEST").contains("may not start with 'berth_'");

        addUser("pat", "pat-password");
        Response change = send("PUT", "/api/v1/users/pat/password", basic("pat", "pat-password"), "{\"password\":\"berth_whatever-1\"}");
        assertThat(change.status()).isEqualTo(400);
        assertThat(change.text()).contains("may not start with 'berth_'");
        assertThat(login("127.0.0.1", "pat", "pat-password")).isEqualTo(200);

        assertThatThrownBy(() -> BerthServer.runCli(server.get().dataDir(), "user", "add", "pat2", "--password", "berth_cli-password"))
                .hasMessageContaining("may not start with 'berth_'");
    }

    @Test
    void anAdminPasswordFromTheEnvironmentWithTheRobotPrefixStopsTheFirstStartWithOneLine() throws Exception {
        Path fresh = BerthServer.newDataDir();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.berth.cli.Main", "serve",
                "--listen", "127.0.0.1:0", "--data", fresh.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("BERTH_AUTH_ENABLED", "true");
        builder.environment().put("BERTH_ADMIN_PASSWORD", "berth_admin-password");
        Process p = builder.start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isNotZero();
            assertThat(out).contains("BERTH_ADMIN_PASSWORD").contains("may not start with 'berth_'");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void anImportedPasswordWithTheRobotPrefixButNotATokensFormStillLogsIn() throws Exception {
        // htpasswd entries are hashes: Berth cannot see the password to refuse it, so such a password must work.
        Path file = Files.createTempFile("htpasswd", "");
        Files.writeString(file, "legacy:" + org.springframework.security.crypto.bcrypt.BCrypt.hashpw("berth_legacy-pass",
                org.springframework.security.crypto.bcrypt.BCrypt.gensalt(4)).replace("$2a$", "$2y$") + "\n");
        assertThat(BerthServer.runCli(server.get().dataDir(), "user", "import-htpasswd", file.toString())).contains("imported 1 users");
        assertThat(login("127.0.0.1", "legacy", "berth_legacy-pass")).isEqualTo(200);
        assertThat(login("127.0.0.1", "legacy", "berth_legacy-wrong")).isEqualTo(401);
    }

    // ---- item 7: login limits by account and address

    @Test
    void manyFailuresFromOneAddressDoNotLockTheUserOutOfAnother() {
        addUser("victim", "victim-password");
        int last = 0;
        for (int i = 0; i <= MAX_FAILURES; i++) {
            last = login("127.0.0.2", "victim", "guess-" + i);
        }
        assertThat(last).isEqualTo(429);
        assertThat(login("127.0.0.2", "victim", "victim-password")).isEqualTo(429);
        assertThat(login("127.0.0.3", "victim", "victim-password")).isEqualTo(200);
    }

    @Test
    void thePerUserCeilingStillAppliesToGuessesSpreadOverManyAddresses() {
        addUser("spread", "spread-password");
        int ceiling = 10 * MAX_FAILURES;
        for (int i = 0; i < ceiling; i++) {
            String source = "127.0.1." + (1 + i / MAX_FAILURES);
            assertThat(login(source, "spread", "guess-" + i)).as("guess " + i).isEqualTo(401);
        }
        assertThat(login("127.0.1.200", "spread", "spread-password")).isEqualTo(429);
        assertThat(login("127.0.1.201", "victim-of-nothing", "whatever-password")).isEqualTo(401);
    }

    @Test
    void robotTokenLoginsAreLimitedByTokenIdWhateverUserNameComesWithThem() {
        api("POST", "/api/v1/namespaces", "{\"name\":\"robots\"}");
        Response created = api("POST", "/api/v1/tokens", "{\"name\":\"ci\",\"namespace\":\"robots\",\"repositories\":[\"robots/*\"],"
                + "\"actions\":[\"pull\"],\"expiresIn\":\"1d\"}");
        String secret = created.json().get("secret").asText();
        String wrong = secret.substring(0, secret.length() - 4) + "AAAA";
        for (int i = 0; i < MAX_FAILURES; i++) {
            assertThat(login("127.0.0.4", "name-" + i, wrong)).isEqualTo(401);
        }
        assertThat(login("127.0.0.4", "yet-another-name", secret)).isEqualTo(429);
        assertThat(login("127.0.0.5", "ci", secret)).isEqualTo(200);
    }

    // ---- item 20: a cross-repository mount needs pull on the source in the token itself

    @Test
    void aNarrowTokenOfABroadUserCannotMountFromARepositoryTheTokenDoesNotName() {
        api("POST", "/api/v1/namespaces", "{\"name\":\"mnt-own\"}");
        api("POST", "/api/v1/namespaces", "{\"name\":\"mnt-other\"}");
        addUser("broad", "broad-password");
        api("PUT", "/api/v1/namespaces/mnt-own/members/broad", "{\"role\":\"writer\"}");
        api("PUT", "/api/v1/namespaces/mnt-other/members/broad", "{\"role\":\"reader\"}");
        byte[] content = "a blob of another repository".getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.sha256(content);
        String adminToken = token("admin", ADMIN_PASSWORD, "repository:mnt-other/secret:pull,push");
        Response put = server.get().api().withHeader("Authorization", adminToken)
                .post("/v2/mnt-other/secret/blobs/uploads/?digest=" + digest, content);
        assertThat(put.status()).as(put.text()).isEqualTo(201);

        String narrow = token("broad", "broad-password", "repository:mnt-own/app:pull,push");
        Response named = send("POST", "/v2/mnt-own/app/blobs/uploads/?mount=" + digest + "&from=mnt-other/secret", narrow, null);
        assertThat(named.status()).as(named.text()).isEqualTo(202);
        Response automatic = send("POST", "/v2/mnt-own/app/blobs/uploads/?mount=" + digest, narrow, null);
        assertThat(automatic.status()).as(automatic.text()).isEqualTo(202);
        assertThat(send("HEAD", "/v2/mnt-own/app/blobs/" + digest, narrow, null).status()).isEqualTo(404);

        String wide = token("broad", "broad-password", "repository:mnt-own/app:pull,push", "repository:mnt-other/secret:pull");
        Response mounted = send("POST", "/v2/mnt-own/app/blobs/uploads/?mount=" + digest + "&from=mnt-other/secret", wide, null);
        assertThat(mounted.status()).as(mounted.text()).isEqualTo(201);
        assertThat(send("HEAD", "/v2/mnt-own/app/blobs/" + digest, narrow, null).status()).isEqualTo(200);
    }

    // ---- item 23: secrets on disk, and robot tokens of a user who lost access

    @Test
    void theDataDirectoryDatabaseAndSigningKeyAreReadableByTheOwnerOnly() throws Exception {
        assertThat(mode(server.get().dataDir())).isEqualTo("rwx------");
        assertThat(mode(server.get().dataDir().resolve("berth.db"))).isEqualTo("rw-------");
        for (String companion : List.of("berth.db-wal", "berth.db-shm")) {
            if (Files.exists(server.get().dataDir().resolve(companion))) {
                assertThat(mode(server.get().dataDir().resolve(companion))).as(companion).isEqualTo("rw-------");
            }
        }
        assertThat(mode(server.get().dataDir().resolve("auth"))).isEqualTo("rwx------");
        assertThat(mode(server.get().dataDir().resolve("auth").resolve("token-key.json"))).isEqualTo("rw-------");
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void aRobotTokenLosesWhatItsCreatorLoses() {
        api("POST", "/api/v1/namespaces", "{\"name\":\"robo-team\"}");
        addUser("olga", "olga-password");
        api("PUT", "/api/v1/namespaces/robo-team/members/olga", "{\"role\":\"owner\"}");
        Response created = send("POST", "/api/v1/tokens", basic("olga", "olga-password"), "{\"name\":\"deploy\","
                + "\"namespace\":\"robo-team\",\"repositories\":[\"robo-team/*\"],\"actions\":[\"pull\",\"push\"],\"expiresIn\":\"1d\"}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String robot = basic("deploy", created.json().get("secret").asText());
        assertThat(send("POST", "/v2/robo-team/app/blobs/uploads/", robot, null).status()).isEqualTo(202);
        assertThat(send("GET", "/v2/robo-team/app/tags/list", robot, null).status()).isIn(200, 404);

        // A second owner first: the last owner of a namespace cannot be demoted or removed.
        addUser("oscar", "oscar-password");
        api("PUT", "/api/v1/namespaces/robo-team/members/oscar", "{\"role\":\"owner\"}");
        api("PUT", "/api/v1/namespaces/robo-team/members/olga", "{\"role\":\"reader\"}");
        assertThat(send("POST", "/v2/robo-team/app/blobs/uploads/", robot, null).status()).isEqualTo(403);
        assertThat(send("GET", "/v2/robo-team/app/tags/list", robot, null).status()).isIn(200, 404);

        // A reader still reads the namespace's settings, and so does her token.
        assertThat(send("GET", "/api/v1/namespaces/robo-team/usage", robot, null).status()).isEqualTo(200);

        api("PUT", "/api/v1/users/olga/disabled", "{\"disabled\":true}");
        assertThat(send("GET", "/v2/robo-team/app/tags/list", robot, null).status()).isEqualTo(403);
        assertThat(send("GET", "/api/v1/namespaces/robo-team/usage", robot, null).status()).isIn(401, 403, 404);
        api("PUT", "/api/v1/users/olga/disabled", "{\"disabled\":false}");
        api("DELETE", "/api/v1/namespaces/robo-team/members/olga", null);
        assertThat(send("GET", "/v2/robo-team/app/tags/list", robot, null).status()).isEqualTo(403);
        assertThat(send("GET", "/api/v1/namespaces/robo-team/usage", robot, null).status()).isIn(401, 403, 404);
        assertThat(send("GET", "/api/v1/namespaces/robo-team/retention", robot, null).status()).isIn(401, 403, 404);
    }
}
