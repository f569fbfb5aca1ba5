package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import io.berth.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin commands as clients of a running server's management API (--server, BERTH_SERVER), with access control
 * on: run in a directory without any data, they act on the server's stores with the caller's rights; errors are one
 * line; berth login keeps credentials in a 0600 file that logout empties.
 */
class RemoteCliTest {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final String ADMIN_PASSWORD = "admin-secret-1";
    private static BerthServer server;
    private static String url;
    private static Path work;

    @BeforeAll
    static void start() throws IOException {
        server = BerthServer.startWithAuth(BerthServer.newDataDir(), ADMIN_PASSWORD, List.of());
        url = "http://" + server.hostPort();
        work = Files.createTempDirectory("berth-remote-cli-");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Map<String, String> as(String user, String password) {
        Map<String, String> env = new HashMap<>(Map.of("BERTH_SERVER", url));
        if (user != null) {
            env.put("BERTH_USER", user);
            env.put("BERTH_PASSWORD", password);
        }
        return env;
    }

    private static Cli.Run admin(String... args) {
        return Cli.run(work, as("admin", ADMIN_PASSWORD), null, args);
    }

    private static String ok(Cli.Run run) {
        assertThat(run.exit()).as("exit of a run with output %s / %s", run.out(), run.err()).isZero();
        return run.out();
    }

    /** Exit 1 and exactly one line on standard error, which is returned. */
    private static String oneLineFailure(Cli.Run run) {
        assertThat(run.exit()).as("exit; output %s / %s", run.out(), run.err()).isEqualTo(1);
        assertThat(run.errLines()).hasSize(1);
        return run.errLines().get(0);
    }

    @Test
    void accessCommandsActThroughTheApi() {
        assertThat(ok(admin("namespace", "create", "team-a"))).contains("created namespace team-a");
        assertThat(ok(admin("user", "add", "alice", "--password", "alice-secret-1"))).contains("added user alice");
        assertThat(ok(admin("namespace", "grant", "team-a", "alice", "owner"))).contains("alice is now owner of team-a");
        assertThat(ok(admin("namespace", "members", "team-a"))).containsPattern("alice\\s+owner");
        assertThat(ok(admin("user", "list"))).containsPattern("(?m)^alice\\s+false\\s+false");
        assertThat(ok(Cli.run(work, as("admin", ADMIN_PASSWORD), "alice-secret-2\n", "user", "passwd", "alice",
                "--password-stdin"))).contains("password of alice changed");
        assertThat(ok(Cli.run(work, as("alice", "alice-secret-2"), null, "namespace", "list"))).contains("team-a");

        assertThat(ok(admin("user", "disable", "alice"))).contains("disabled alice");
        assertThat(oneLineFailure(Cli.run(work, as("alice", "alice-secret-2"), null, "namespace", "list")))
                .isEqualTo("berth: wrong user name or password for alice at " + url);
        assertThat(ok(admin("user", "enable", "alice"))).contains("enabled alice");

        String created = ok(Cli.run(work, as("alice", "alice-secret-2"), null, "token", "create", "--name", "ci",
                "--namespace", "team-a", "--repo", "team-a/*", "--actions", "pull,push", "--expires", "30d"));
        assertThat(created).contains("secret (shown once): berth_");
        String id = created.replaceAll("(?s).*created token (\\S+) .*", "$1");
        assertThat(ok(admin("token", "list"))).contains(id).contains("team-a/*").contains("pull,push");
        assertThat(ok(admin("token", "revoke", id))).contains("revoked token " + id);
        assertThat(ok(admin("token", "list"))).containsPattern(id + ".*revoked");

        assertThat(ok(admin("namespace", "publish", "team-a"))).contains("team-a is now public");
        assertThat(ok(admin("namespace", "list"))).containsPattern("team-a\\s+true");
        assertThat(oneLineFailure(admin("namespace", "revoke", "team-a", "alice"))).startsWith("berth: INVALID_REQUEST: ");

        // The server wrote the audit entries, with the client's address as their source: they went through the API.
        String audit = ok(admin("audit", "--limit", "100"));
        assertThat(audit).containsPattern("admin\\s+namespace.create\\s+team-a\\s+127\\.0\\.0\\.1");
        assertThat(audit).containsPattern("alice\\s+token.create");
        assertThat(audit).doesNotContain(" cli ");
        assertThat(work.resolve("data")).doesNotExist();
    }

    @Test
    void lifecycleCommandsActThroughTheApi() throws Exception {
        ok(admin("namespace", "create", "team-b"));
        Digest first = push("team-b/app", "1.0", "one");
        Digest second = push("team-b/app", "2.0", "two");
        assertThat(ok(admin("promote", "team-b/app:1.0", "--tag", "stable")))
                .contains("promoted team-b/app@" + first + " to team-b/app:stable");
        ok(admin("promote", "team-b/app:2.0", "--to", "team-b/app:stable"));
        assertThat(ok(admin("tag", "history", "team-b/app:stable"))).contains(first.toString()).contains(second.toString());
        assertThat(ok(admin("tag", "rollback", "team-b/app:stable"))).contains("team-b/app:stable now points at " + first);

        assertThat(ok(admin("namespace", "quota", "team-b", "1GiB"))).contains("quota of team-b: 1073741824 bytes");
        assertThat(ok(admin("namespace", "usage", "team-b"))).containsPattern("team-b: [1-9][0-9]* bytes used, quota 1073741824 bytes");
        ok(admin("namespace", "immutable", "add", "team-b", "v*"));
        assertThat(ok(admin("namespace", "immutable", "list", "team-b"))).contains("v*");
        assertThat(ok(admin("namespace", "immutable", "remove", "team-b", "v*"))).contains("lifted rule 'v*' of team-b");

        String added = ok(admin("retention", "add", "team-b", "--keep-last", "1", "--pattern", "[0-9]*"));
        String rule = added.replaceAll("(?s).*added retention rule (\\S+) to team-b.*", "$1");
        String rules = ok(admin("retention", "list"));
        assertThat(rules).startsWith("ID ").contains("NAMESPACE", "PATTERN", "KEEP LAST")
                .containsPattern(java.util.regex.Pattern.quote(rule) + "\\s+team-b\\s+\\[0-9]\\*\\s+1\\s+-\\s+-\\n");
        // The same table when the command reads the stores directly.
        assertThat(ok(Cli.run(work, Map.of(), null, "retention", "list", "--data", server.dataDir().toString())))
                .isEqualTo(rules);
        assertThat(ok(admin("retention", "run", "team-b", "--dry-run"))).containsPattern("would remove team-b/app:[12]\\.0")
                .contains("dry run: 1 tags");
        assertThat(ok(admin("retention", "remove", rule))).contains("removed retention rule " + rule + " of team-b");

        assertThat(ok(admin("gc", "--dry-run"))).contains("dry run: ");
        assertThat(oneLineFailure(admin("gc", "--grace", "0s"))).contains("--grace");
        assertThat(ok(admin("repo", "delete", "team-b/app"))).contains("deleted repository team-b/app");
        assertThat(oneLineFailure(admin("repo", "delete", "team-b/app"))).startsWith("berth: NAME_UNKNOWN: ");
        assertThat(ok(admin("audit"))).containsPattern("admin\\s+repository.delete\\s+team-b/app\\s+127\\.0\\.0\\.1");
    }

    @Test
    void loginKeepsCredentialsInAPrivateFileAndLogoutForgetsThem() throws IOException {
        ok(admin("user", "add", "carol", "--password", "carol-secret-1"));
        Path home = Files.createTempDirectory("berth-login-");
        Path file = home.resolve(".config/berth/login.json");
        Map<String, String> noCredentials = Map.of("BERTH_SERVER", url);

        assertThat(ok(Cli.run(home, Map.of(), "carol-secret-1\n", "login", url, "--username", "carol", "--password-stdin")))
                .contains("logged in to " + url + " as carol");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        // carol is known to the server (not anonymous: that would be UNAUTHORIZED) but is no admin.
        assertThat(oneLineFailure(Cli.run(home, noCredentials, null, "user", "list"))).startsWith("berth: DENIED: ");

        ok(Cli.run(home, Map.of(), ADMIN_PASSWORD + "\n", "login", url + "/", "--username", "admin", "--password-stdin"));
        assertThat(ok(Cli.run(home, noCredentials, null, "user", "list"))).contains("carol");
        assertThat(ok(Cli.run(home, Map.of(), null, "user", "list", "--server", url))).contains("carol");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        assertThat(ok(Cli.run(home, Map.of(), null, "logout", url))).contains("logged out of " + url);
        assertThat(Files.readString(file)).doesNotContain("admin");
        assertThat(oneLineFailure(Cli.run(home, noCredentials, null, "user", "list"))).isEqualTo("berth: " + url
                + " requires a login: run 'berth login " + url + "' or set BERTH_USER and BERTH_PASSWORD");
        assertThat(oneLineFailure(Cli.run(home, Map.of(), null, "logout", url))).isEqualTo("berth: not logged in to " + url);

        // BERTH_LOGIN_FILE names another file.
        Path other = home.resolve("elsewhere/login.json");
        ok(Cli.run(home, Map.of("BERTH_LOGIN_FILE", other.toString()), "carol-secret-1\n", "login", url, "-u", "carol",
                "--password-stdin"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(other))).isEqualTo("rw-------");
    }

    @Test
    void aWrongPasswordIsOneLineAndWritesNothing() throws IOException {
        Path home = Files.createTempDirectory("berth-login-");
        String line = oneLineFailure(Cli.run(home, Map.of(), "not-the-password\n", "login", url, "--username", "admin",
                "--password-stdin"));
        assertThat(line).isEqualTo("berth: wrong user name or password for admin at " + url);
        assertThat(home.resolve(".config")).doesNotExist();
        assertThat(oneLineFailure(Cli.run(work, as("admin", "not-the-password"), null, "audit")))
                .isEqualTo("berth: wrong user name or password for admin at " + url);
        assertThat(oneLineFailure(Cli.run(home, Map.of("BERTH_SERVER", url), null, "audit")))
                .isEqualTo("berth: " + url + " requires a login: run 'berth login " + url
                        + "' or set BERTH_USER and BERTH_PASSWORD");
        // A saved login the server refuses (the password changed since).
        Path loginFile = home.resolve("stale-login.json");
        Files.writeString(loginFile, "{\"servers\": {\"" + url + "\": {\"username\": \"admin\", \"password\": \"old\"}}}");
        assertThat(oneLineFailure(Cli.run(home, Map.of("BERTH_LOGIN_FILE", loginFile.toString()), null, "user", "list",
                "--server", url))).isEqualTo("berth: the saved login for " + url + " was refused; run 'berth login "
                + url + "' again");
        // A corrupt login file: commands say so, berth login rewrites it.
        Files.writeString(loginFile, "{bad");
        assertThat(oneLineFailure(Cli.run(home, Map.of("BERTH_LOGIN_FILE", loginFile.toString()), null, "audit",
                "--server", url))).isEqualTo("berth: the login file " + loginFile + " is not valid JSON; run berth login again");
        ok(Cli.run(home, Map.of("BERTH_LOGIN_FILE", loginFile.toString()), ADMIN_PASSWORD + "\n", "login", url,
                "--username", "admin", "--password-stdin"));
        ok(Cli.run(home, Map.of("BERTH_LOGIN_FILE", loginFile.toString()), null, "audit", "--server", url));
    }

    @Test
    void httpsServersAreTrustedThroughBerthCacertAndOnlyThen() {
        try (BerthServer tls = BerthServer.with().auth(ADMIN_PASSWORD).tls().start()) {
            String https = "https://" + tls.hostPort();
            Map<String, String> env = new HashMap<>(Map.of("BERTH_SERVER", https, "BERTH_USER", "admin",
                    "BERTH_PASSWORD", ADMIN_PASSWORD, "BERTH_CACERT", tls.certificate().toString()));
            ok(Cli.run(work, env, null, "namespace", "create", "team-tls"));
            assertThat(ok(Cli.run(work, env, null, "namespace", "list"))).contains("team-tls");
            env.put("BERTH_PASSWORD", "wrong-password-1");
            assertThat(oneLineFailure(Cli.run(work, env, null, "namespace", "list")))
                    .isEqualTo("berth: wrong user name or password for admin at " + https);
            env.remove("BERTH_CACERT");
            assertThat(oneLineFailure(Cli.run(work, env, null, "namespace", "list")))
                    .startsWith("berth: cannot reach " + https + ": ");
        }
    }

    @Test
    void refusalsAndAnUnreachableServerAreOneLine() {
        ok(admin("user", "add", "dave", "--password", "dave-secret-1"));
        assertThat(oneLineFailure(Cli.run(work, as("dave", "dave-secret-1"), null, "user", "add", "eve", "--password",
                "eve-secret-1"))).startsWith("berth: DENIED: ");
        assertThat(oneLineFailure(Cli.run(work, as("dave", "dave-secret-1"), null, "gc"))).startsWith("berth: DENIED: ");
        String closed = "http://127.0.0.1:" + Ports.freePort();
        assertThat(oneLineFailure(Cli.run(work, Map.of(), null, "namespace", "list", "--server", closed)))
                .isEqualTo("berth: cannot reach " + closed + ": connection refused");
        assertThat(oneLineFailure(admin("user", "import-htpasswd", "/dev/null"))).contains("no --server form");
    }

    @Test
    void listingCommandsPrintTablesAndJson() throws Exception {
        ok(admin("namespace", "create", "team-l"));
        byte[] one = pushImage("team-l/web", "1.0", "web one");
        byte[] two = pushImage("team-l/web", "2.0", "web two");
        byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + Digest.sha256(one)
                + "\",\"size\":" + one.length + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + Digest.sha256(two)
                + "\",\"size\":" + two.length + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\","
                + "\"variant\":\"v8\"}}]}").getBytes(StandardCharsets.UTF_8);
        putManifest("team-l/web", "multi", index, "application/vnd.oci.image.index.v1+json");
        pushImage("team-l/api", "1.0", "api one");

        String repos = ok(admin("repo", "list", "--namespace", "team-l", "--page-size", "1"));
        assertThat(repos.lines().toList()).hasSize(3);
        assertThat(repos).containsPattern("(?m)^NAME\\s+TAGS\\s+MANIFESTS\\s+SIZE\\s+LAST PUSH$")
                .containsPattern("(?m)^team-l/api\\s+1\\s+1\\s+[0-9.]+ (B|KiB)\\s+(just now|[0-9]+ minutes? ago)$")
                .containsPattern("(?m)^team-l/web\\s+3\\s+3\\s+[0-9.]+ (B|KiB)\\s+");
        com.fasterxml.jackson.databind.JsonNode json = JSON.readTree(ok(admin("repo", "list", "--namespace",
                "team-l", "--json", "--page-size", "1")));
        assertThat(json.path("repositories")).hasSize(2);
        assertThat(json.path("repositories").path(1).path("name").asText()).isEqualTo("team-l/web");
        assertThat(json.path("next").isNull()).isTrue();

        String tags = ok(admin("tag", "list", "team-l/web", "--page-size", "2"));
        assertThat(tags).containsPattern("(?m)^TAG\\s+DIGEST\\s+SIZE\\s+PUSHED\\s+IMMUTABLE$")
                .containsPattern("(?m)^1\\.0\\s+" + Digest.sha256(one).toString().substring(0, 19) + "\\s+[0-9.]+ B\\s+")
                .containsPattern("(?m)^multi\\s+" + Digest.sha256(index).toString().substring(0, 19));
        assertThat(JSON.readTree(ok(admin("tag", "list", "team-l/web", "--json"))).path("tags")).hasSize(3);

        String multi = ok(admin("manifest", "show", "team-l/web:multi"));
        assertThat(multi).contains("platforms (2").containsPattern("linux/amd64\\s+" + Digest.sha256(one))
                .containsPattern("linux/arm64/v8\\s+" + Digest.sha256(two)).containsPattern("tags\\s+multi");
        String image = ok(admin("manifest", "show", "team-l/web@" + Digest.sha256(one)));
        assertThat(image).contains("layers (1, ").containsPattern("config\\s+sha256:").containsPattern("tags\\s+1\\.0")
                .containsPattern("(?m)^platform\\s+linux/amd64$").doesNotContain("platforms (");
        com.fasterxml.jackson.databind.JsonNode own = JSON.readTree(ok(admin("manifest", "show",
                "team-l/web@" + Digest.sha256(one), "--json"))).path("platforms");
        assertThat(own).hasSize(1);
        assertThat(own.path(0).path("os").asText() + "/" + own.path(0).path("architecture").asText()
                + " " + own.path(0).path("digest").asText()).isEqualTo("linux/amd64 " + Digest.sha256(one));
        assertThat(JSON.readTree(ok(admin("manifest", "show", "team-l/web:2.0", "--json"))).path("digest").asText())
                .isEqualTo(Digest.sha256(two).toString());
        assertThat(oneLineFailure(admin("manifest", "show", "team-l/web:nope"))).startsWith("berth: MANIFEST_UNKNOWN: ");

        ok(admin("namespace", "quota", "team-l", "1MiB"));
        assertThat(ok(admin("usage"))).containsPattern("(?m)^NAMESPACE\\s+REPOSITORIES\\s+USED\\s+QUOTA\\s+USE$")
                .containsPattern("(?m)^team-l\\s+2\\s+[0-9.]+ (B|KiB)\\s+1\\.0 MiB\\s+[0-9]+%$");
        assertThat(JSON.readTree(ok(admin("usage", "--json"))).path("namespaces").toString()).contains("\"team-l\"");

        // Without --server, the server's configuration file: the commands read its stores themselves (no
        // credentials, no TLS trust needed) and print exactly what the server's API gives.
        Path config = work.resolve("listing.yaml");
        Files.writeString(config, "data: " + server.dataDir().toAbsolutePath() + "\nauth:\n  enabled: true\n"
                + "http:\n  listen: " + server.hostPort() + "\n");
        Map<String, String> direct = Map.of("BERTH_CONFIG", config.toString());
        for (String[] command : List.of(new String[] {"repo", "list", "--namespace", "team-l"},
                new String[] {"repo", "list", "--page-size", "1"}, new String[] {"tag", "list", "team-l/web"},
                new String[] {"manifest", "show", "team-l/web:multi"}, new String[] {"manifest", "show", "team-l/web:1.0"},
                new String[] {"usage"})) {
            String[] asJson = java.util.stream.Stream.concat(java.util.Arrays.stream(command), java.util.stream.Stream.of("--json"))
                    .toArray(String[]::new);
            assertThat(ok(Cli.run(work, direct, null, asJson))).as(String.join(" ", asJson))
                    .isEqualTo(ok(admin(asJson)));
            assertThat(withoutAge(ok(Cli.run(work, direct, null, command)))).as(String.join(" ", command))
                    .isEqualTo(withoutAge(ok(admin(command))));
        }
        assertThat(ok(Cli.run(work, Map.of(), null, "usage", "--config", config.toString()))).contains("team-l");
        assertThat(oneLineFailure(Cli.run(work, direct, null, "manifest", "show", "team-l/web:nope")))
                .isEqualTo(oneLineFailure(admin("manifest", "show", "team-l/web:nope")));
    }

    @Test
    void quotasAndRetentionRulesNeedAnExistingNamespace() throws Exception {
        Path config = work.resolve("namespaces.yaml");
        Files.writeString(config, "data: " + server.dataDir().toAbsolutePath() + "\nauth:\n  enabled: true\n");
        Map<String, String> direct = Map.of("BERTH_CONFIG", config.toString());
        String notFound = "berth: NAME_UNKNOWN: namespace nosuchns not found";
        assertThat(oneLineFailure(admin("namespace", "quota", "nosuchns", "10MiB"))).isEqualTo(notFound);
        // Directly on the stores, the lifecycle commands print the same line, the API's code included.
        assertThat(oneLineFailure(Cli.run(work, direct, null, "namespace", "quota", "nosuchns", "10MiB")))
                .isEqualTo(notFound);
        assertThat(oneLineFailure(admin("retention", "add", "nosuchns", "--keep-last", "1"))).isEqualTo(notFound);
        assertThat(oneLineFailure(Cli.run(work, direct, null, "retention", "add", "nosuchns", "--keep-last", "1")))
                .isEqualTo(notFound);
        assertThat(ok(admin("retention", "list", "nosuchns"))).doesNotContain("nosuchns");
    }

    /** A table with its relative times ("just now", "2 minutes ago") blanked, which two runs may tell apart. */
    private static String withoutAge(String table) {
        return table.replaceAll("just now|[0-9]+ minutes? ago", "<age>");
    }

    /** Pushes a one-layer image as the admin and returns its manifest's digest. */
    static Digest push(String repo, String tag, String label) throws Exception {
        return Digest.sha256(pushImage(repo, tag, label));
    }

    /** Pushes a one-layer image as the admin and returns its manifest. */
    static byte[] pushImage(String repo, String tag, String label) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String auth = "Basic " + Base64.getEncoder().encodeToString(("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"label\":\"" + label + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] layer = ("layer " + label).getBytes(StandardCharsets.UTF_8);
        for (byte[] blob : List.of(config, layer)) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/v2/" + repo + "/blobs/uploads/?digest="
                    + Digest.sha256(blob))).header("Authorization", auth).POST(HttpRequest.BodyPublishers.ofByteArray(blob))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        }
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
                + "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digest.sha256(config)
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\"" + Digest.sha256(layer) + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        putManifest(repo, tag, manifest, "application/vnd.oci.image.manifest.v1+json");
        return manifest;
    }

    static void putManifest(String repo, String tag, byte[] manifest, String mediaType) throws Exception {
        String auth = "Basic " + Base64.getEncoder().encodeToString(("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/v2/" + repo
                        + "/manifests/" + tag)).header("Authorization", auth).header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }
}
