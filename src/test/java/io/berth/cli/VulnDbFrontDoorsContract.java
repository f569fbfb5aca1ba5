package io.berth.cli;

import static io.berth.testing.OsvData.AKKA;
import static io.berth.testing.OsvData.FLASK;
import static io.berth.testing.OsvData.GLIBC;
import static io.berth.testing.OsvData.OPENSSL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.testing.BerthServer;
import io.berth.testing.OsvData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The vulnerability database's front doors on a real server process with access control on: POST /api/v1/vulndb as
 * the admin (200), as another user (403), anonymous (401); GET for any logged-in caller; errors in the spec's
 * envelope naming the bad entry; the size limit; and berth vulndb import/status through the API and on the stores
 * directly, which the server then reports. Each metadata database's test extends this class.
 */
@Timeout(300)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class VulnDbFrontDoorsContract {
    private static final String ADMIN_PASSWORD = "admin-secret-1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private BerthServer server;
    private String url;
    private Path work;

    /** YAML that puts the server's metadata in the database under test ("" for SQLite in its data directory). */
    protected abstract String metadataYaml();

    /** The options of a command that opens the stores of the server directly (--data or --config). */
    protected abstract List<String> directOptions(BerthServer server, Path work) throws Exception;

    @BeforeAll
    void start() throws Exception {
        server = BerthServer.with().auth(ADMIN_PASSWORD).config("scanning:\n  maxImportSize: 256KiB\n" + metadataYaml())
                .start();
        url = "http://" + server.hostPort();
        work = Files.createTempDirectory("berth-vulndb-");
        ok(Cli.run(work, as("admin", ADMIN_PASSWORD), null, "user", "add", "alice", "--password", "alice-secret-1"));
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String[] direct(String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(2, directOptions(server, work));
        return all.toArray(String[]::new);
    }

    private Map<String, String> as(String user, String password) {
        Map<String, String> env = new HashMap<>(Map.of("BERTH_SERVER", url));
        if (user != null) {
            env.put("BERTH_USER", user);
            env.put("BERTH_PASSWORD", password);
        }
        return env;
    }

    private static String ok(Cli.Run run) {
        assertThat(run.exit()).as("exit of a run with output %s / %s", run.out(), run.err()).isZero();
        return run.out();
    }

    private HttpResponse<String> post(String user, String password, String contentType, byte[] body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/api/v1/vulndb"))
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", contentType);
        return HTTP.send(authorized(request, user, password).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String user, String password) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/api/v1/vulndb")).timeout(Duration.ofSeconds(60));
        return HTTP.send(authorized(request, user, password).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder authorized(HttpRequest.Builder request, String user, String password) {
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return request;
    }

    private static JsonNode firstError(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body()).path("errors").path(0);
    }

    @Test
    void importsOverHttpAreForTheAdminAndStatusForAnyLoggedInCaller() throws Exception {
        byte[] zip = Files.readAllBytes(OsvData.zip(work.resolve("debian-all.zip"), OsvData.realRecords(GLIBC)));

        HttpResponse<String> anonymous = post(null, null, "application/zip", zip);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(firstError(anonymous).path("code").asText()).isEqualTo("UNAUTHORIZED");
        HttpResponse<String> alice = post("alice", "alice-secret-1", "application/zip", zip);
        assertThat(alice.statusCode()).isEqualTo(403);
        assertThat(firstError(alice).path("code").asText()).isEqualTo("DENIED");

        HttpResponse<String> admin = post("admin", ADMIN_PASSWORD, "application/zip", zip);
        assertThat(admin.statusCode()).as(admin.body()).isEqualTo(200);
        JsonNode report = JSON.readTree(admin.body());
        assertThat(report.path("changed").asBoolean()).isTrue();
        assertThat(report.path("sources").path(0).path("source").asText()).isEqualTo("Debian");
        assertThat(report.path("sources").path(0).path("added").asLong()).isEqualTo(1);
        long generation = report.path("generation").asLong();

        JsonNode again = JSON.readTree(post("admin", ADMIN_PASSWORD, "application/zip", zip).body());
        assertThat(again.path("changed").asBoolean()).isFalse();
        assertThat(again.path("sources").path(0).path("unchanged").asBoolean()).isTrue();
        assertThat(again.path("generation").asLong()).isEqualTo(generation);

        HttpResponse<String> json = post("admin", ADMIN_PASSWORD, "application/json; charset=utf-8",
                ("[" + new String(OsvData.real(FLASK), StandardCharsets.UTF_8) + "]").getBytes(StandardCharsets.UTF_8));
        assertThat(json.statusCode()).as(json.body()).isEqualTo(200);

        HttpResponse<String> status = get("alice", "alice-secret-1");
        assertThat(status.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(status.body());
        assertThat(body.path("records").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(body.path("sources").findValuesAsText("name")).contains("Debian", "PyPI");
        assertThat(get(null, null).statusCode()).isEqualTo(401);

        String audit = ok(Cli.run(work, as("admin", ADMIN_PASSWORD), null, "audit", "--limit", "100"));
        assertThat(audit).containsPattern("admin\\s+vulndb.import");
    }

    @Test
    void badImportsAnswerInTheErrorEnvelopeAndChangeNothing() throws Exception {
        long before = JSON.readTree(get("admin", ADMIN_PASSWORD).body()).path("generation").asLong();
        Map<String, byte[]> records = new LinkedHashMap<>(OsvData.realRecords(AKKA));
        records.put("GHSA-bad0-bad0-bad0", "{\"id\": \"GHSA-bad0-bad0-bad0\", \"modified\": 5}".getBytes(StandardCharsets.UTF_8));
        byte[] zip = Files.readAllBytes(OsvData.zip(work.resolve("bad.zip"), records));
        HttpResponse<String> bad = post("admin", ADMIN_PASSWORD, "application/zip", zip);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode error = firstError(bad);
        assertThat(error.path("code").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(error.path("message").asText())
                .isEqualTo("request body: entry GHSA-bad0-bad0-bad0.json: 'modified' must be a non-empty string");
        assertThat(error.path("detail").path("entry").asText()).isEqualTo("request body: entry GHSA-bad0-bad0-bad0.json");

        HttpResponse<String> wrongType = post("admin", ADMIN_PASSWORD, "text/plain", zip);
        assertThat(wrongType.statusCode()).isEqualTo(400);
        assertThat(firstError(wrongType).path("message").asText()).startsWith("Content-Type must be application/zip");

        byte[] huge = new byte[300 * 1024];
        new Random(1).nextBytes(huge);
        HttpResponse<String> tooLarge = post("admin", ADMIN_PASSWORD, "application/zip", huge);
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(firstError(tooLarge).path("message").asText()).contains("scanning.maxImportSize");

        // Without Content-Length (chunked), the limit stops the body as it streams in.
        HttpRequest chunked = authorized(HttpRequest.newBuilder(URI.create(url + "/api/v1/vulndb"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/zip")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge))),
                "admin", ADMIN_PASSWORD).build();
        HttpResponse<String> streamed;
        try {
            streamed = HTTP.send(chunked, HttpResponse.BodyHandlers.ofString());
            assertThat(streamed.statusCode()).isEqualTo(413);
        } catch (java.io.IOException e) {
            // The server answered 413 and closed the connection while the client was still sending: also refused.
            assertThat(server.accessLog()).anyMatch(line -> line.contains("path=\"/api/v1/vulndb\"")
                    && line.contains("status=413"));
        }

        JsonNode after = JSON.readTree(get("admin", ADMIN_PASSWORD).body());
        assertThat(after.path("generation").asLong()).isEqualTo(before);
        assertThat(after.path("sources").findValuesAsText("name")).doesNotContain("Maven");
        assertThat(Files.list(server.dataDir().resolve("vulndb-spool")).toList()).as("spool files left behind").isEmpty();
    }

    @Test
    void theCommandLineImportsThroughTheApiAndOnTheStoresDirectly() throws Exception {
        Path dir = OsvData.directory(work.resolve("osv-dir"), OsvData.realRecords(OPENSSL));
        Path zip = OsvData.zip(work.resolve("maven-all.zip"), OsvData.realRecords(AKKA));
        String remote = ok(Cli.run(work, as("admin", ADMIN_PASSWORD), null, "vulndb", "import", dir.toString(), zip.toString()));
        assertThat(remote).contains(dir + " (Alpine): 1 records, 1 added, 0 updated, 0 withdrawn")
                .contains(zip + " (Maven): 1 records, 1 added").contains("imported as generation");
        assertThat(ok(Cli.run(work, as("admin", ADMIN_PASSWORD), null, "vulndb", "import", zip.toString())))
                .contains(zip + " (Maven): unchanged, 1 records already imported (sha256:").contains("nothing changed");
        Cli.Run denied = Cli.run(work, as("alice", "alice-secret-1"), null, "vulndb", "import", zip.toString());
        assertThat(denied.exit()).isEqualTo(1);
        assertThat(denied.errLines()).containsExactly("berth: DENIED: only an admin may import vulnerability data");
        assertThat(ok(Cli.run(work, as("alice", "alice-secret-1"), null, "vulndb", "status")))
                .containsPattern("(?m)^Alpine\\s+1\\s+\\d+\\s+20").containsPattern("(?m)^Maven\\s+1\\s+");

        // Directly on the running server's stores: the server sees the import at once.
        Path go = OsvData.zip(work.resolve("go-all.zip"), Map.of("GO-2024-0001",
                OsvData.record("GO-2024-0001", "2024-01-01T00:00:00Z", null, "Go", "example.org/a", "1.2.0")));
        String direct = ok(Cli.run(work, Map.of(), null, direct("vulndb", "import", go.toString())));
        assertThat(direct).contains(go + " (Go): 1 records, 1 added");
        assertThat(JSON.readTree(get("alice", "alice-secret-1").body()).path("sources").findValuesAsText("name")).contains("Go");
        assertThat(ok(Cli.run(work, Map.of(), null, direct("vulndb", "status"))))
                .containsPattern("(?m)^Go\\s+1\\s+");

        // A broken record: one line naming the entry, exit 1, nothing imported; on a fresh data directory.
        Path fresh = Files.createDirectories(work.resolve("fresh"));
        Path broken = OsvData.zip(work.resolve("broken.zip"), Map.of("X-1", "not json".getBytes(StandardCharsets.UTF_8)));
        Cli.Run failed = Cli.run(work, Map.of(), null, "vulndb", "import", "--data", fresh.toString(), zip.toString(),
                broken.toString());
        assertThat(failed.exit()).isEqualTo(1);
        assertThat(failed.errLines()).last().asString().startsWith("berth: INVALID_REQUEST: " + broken + ": entry X-1.json: not valid JSON");
        assertThat(ok(Cli.run(work, Map.of(), null, "vulndb", "status", "--data", fresh.toString())))
                .contains("generation 0: 0 records (0 withdrawn), 0 sources").contains("nothing imported yet");
    }
}
