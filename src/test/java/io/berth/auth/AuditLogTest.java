package io.berth.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Started;
import io.berth.testing.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * The audit log on the real server (issue 12, item 10): every change made through the registry and lifecycle APIs
 * is one entry naming who, what, when and from where; refused logins are recorded; repeated logins of one principal
 * are folded into one row a minute with a count; the access log names the caller and its User-Agent.
 */
@Timeout(120)
class AuditLogTest {
    private static final String ADMIN_PASSWORD = "admin-password-1";
    private static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

    @RegisterExtension
    static final Started<BerthServer> server = Started.by(() -> BerthServer.with().auth(ADMIN_PASSWORD).start());

    @BeforeAll
    static void start() {
        RegistryApiClient admin = server.get().admin();
        admin.createNamespace("aud", false);
        admin.addUser("alice", "alice-password");
        admin.grant("aud", "alice", "maintainer");
    }

    private static Response send(String method, String path, String authorization, byte[] body, String contentType) {
        return server.get().api().send(method, path, body, "Authorization", authorization, "Content-Type", contentType);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static Response call(String auth, String method, String path, String json) {
        Response r = send(method, path, auth, json == null ? null : json.getBytes(StandardCharsets.UTF_8),
                json == null ? null : "application/json");
        assertThat(r.status()).as(method + " " + path + ": " + r.text()).isBetween(200, 299);
        return r;
    }

    private static Response api(String method, String path, String json) {
        return call(basic("admin", ADMIN_PASSWORD), method, path, json);
    }

    private static Response tokenReply(String user, String password, String... scopes) {
        StringBuilder query = new StringBuilder("/auth/token?service=berth");
        for (String scope : scopes) {
            query.append("&scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        }
        return send("GET", query.toString(), basic(user, password), null, null);
    }

    private static String token(String user, String password, String... scopes) {
        Response reply = tokenReply(user, password, scopes);
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return "Bearer " + reply.json().get("token").asText();
    }

    /** Pushes a one-layer image under tag and returns its manifest digest. */
    private static Digest push(String auth, String repo, String tag, String layerText) {
        byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = layerText.getBytes(StandardCharsets.UTF_8);
        for (byte[] blob : List.of(config, layer)) {
            Response r = send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + Digest.sha256(blob), auth, blob,
                    "application/octet-stream");
            assertThat(r.status()).as(r.text()).isEqualTo(201);
        }
        byte[] manifest = """
                {"schemaVersion":2,"mediaType":"%s",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},
                 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]}"""
                .formatted(MANIFEST_TYPE, Digest.sha256(config), config.length, Digest.sha256(layer), layer.length)
                .getBytes(StandardCharsets.UTF_8);
        Response r = send("PUT", "/v2/" + repo + "/manifests/" + tag, auth, manifest, MANIFEST_TYPE);
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return Digest.sha256(manifest);
    }

    private static List<JsonNode> audit() {
        List<JsonNode> entries = new ArrayList<>();
        api("GET", "/api/v1/audit?n=1000", null).json().forEach(entries::add);
        return entries;
    }

    private static JsonNode entry(String action, String target) {
        return audit().stream().filter(e -> e.path("action").asText().equals(action) && e.path("target").asText().equals(target))
                .findFirst().orElseThrow(() -> new AssertionError("no audit entry " + action + " " + target + " in " + audit()));
    }

    @Test
    void pushesDeletesPromotionsRollbacksAndRuleChangesAreAuditedWithWhoAndWhereFrom() {
        String alice = token("alice", "alice-password", "repository:aud/app:pull,push,delete", "repository:aud/other:pull,push,delete");
        Digest first = push(alice, "aud/app", "prod", "first");
        Digest second = push(alice, "aud/app", "prod", "second");
        push(alice, "aud/app", "gone", "third");
        Digest other = push(alice, "aud/other", "x", "other");

        JsonNode pushed = entry("tag.push", "aud/app:prod");
        assertThat(pushed.path("actor").asText()).isEqualTo("alice");
        assertThat(pushed.path("source").asText()).isEqualTo("127.0.0.1");
        assertThat(pushed.path("at").asText()).isNotEmpty();
        assertThat(audit().stream().filter(e -> e.path("action").asText().equals("tag.push")).map(e -> e.path("detail").asText()))
                .contains(first.toString(), second.toString());

        assertThat(send("DELETE", "/v2/aud/app/manifests/gone", alice, null, null).status()).isEqualTo(202);
        assertThat(entry("tag.delete", "aud/app:gone").path("actor").asText()).isEqualTo("alice");

        String aliceBasic = basic("alice", "alice-password");
        Response rolled = call(aliceBasic, "POST", "/api/v1/repositories/aud/app/tags/prod/rollback", "{}");
        assertThat(rolled.json().path("digest").asText()).isEqualTo(first.toString());
        assertThat(entry("tag.rollback", "aud/app:prod").path("detail").asText()).isEqualTo("to " + first);

        call(aliceBasic, "POST", "/api/v1/promote", "{\"repository\":\"aud/app\",\"reference\":\"prod\",\"targetTag\":\"release\"}");
        JsonNode promoted = entry("tag.promote", "aud/app:release");
        assertThat(promoted.path("actor").asText()).isEqualTo("alice");
        assertThat(promoted.path("detail").asText()).contains("aud/app:prod").contains(first.toString());

        api("PUT", "/api/v1/namespaces/aud/quota", "{\"quotaBytes\":123456789}");
        JsonNode quota = entry("quota.set", "aud");
        assertThat(quota.path("actor").asText()).isEqualTo("admin");
        assertThat(quota.path("detail").asText()).contains("123456789");

        api("POST", "/api/v1/namespaces/aud/immutable", "{\"pattern\":\"locked-*\"}");
        assertThat(entry("immutable.add", "aud").path("detail").asText()).contains("locked-*");
        api("DELETE", "/api/v1/namespaces/aud/immutable?pattern=locked-*", null);
        assertThat(entry("immutable.remove", "aud").path("detail").asText()).contains("locked-*");
        api("POST", "/api/v1/namespaces/aud/retention", "{\"pattern\":\"build-*\",\"keepLast\":5}");
        assertThat(entry("retention.add", "aud").path("detail").asText()).contains("build-*");

        assertThat(send("DELETE", "/v2/aud/other/manifests/" + other, alice, null, null).status()).isEqualTo(202);
        entry("manifest.delete", "aud/other@" + other);
        call(aliceBasic, "DELETE", "/api/v1/repositories/aud/other", null);
        assertThat(entry("repository.delete", "aud/other").path("actor").asText()).isEqualTo("alice");

        api("POST", "/api/v1/gc", null);
        JsonNode gc = audit().stream().filter(e -> e.path("action").asText().equals("gc.run")).findFirst()
                .orElseThrow(() -> new AssertionError("no gc.run entry"));
        assertThat(gc.path("actor").asText()).isEqualTo("admin");
        assertThat(gc.path("detail").asText()).contains("bytes freed");
    }

    @Test
    void theCommandLinesChangesAndGcRunsAreAuditedWithSourceCli() {
        BerthServer.runCli(server.get().dataDir(), "namespace", "quota", "aud", "10MiB");
        BerthServer.runCli(server.get().dataDir(), "gc");
        for (String action : List.of("quota.set", "gc.run")) {
            JsonNode entry = audit().stream().filter(e -> e.path("action").asText().equals(action)
                    && e.path("source").asText().equals("cli")).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + action + " entry from the command line in " + audit()));
            assertThat(entry.path("actor").asText()).startsWith("cli:");
        }
    }

    @Test
    void failedLoginsUntilRefusedAreRecordedAndFoldedPerMinute() {
        api("POST", "/api/v1/users", "{\"name\":\"target\",\"password\":\"target-password\"}");
        int last = 0;
        for (int i = 0; i < 12; i++) {
            last = tokenReply("target", "guess-" + i).status();
        }
        assertThat(last).isEqualTo(429);
        List<JsonNode> rows = audit().stream().filter(e -> e.path("actor").asText().equals("target")).toList();
        assertThat(rows).extracting(e -> e.path("action").asText()).contains("login.failed", "login.refused");
        assertThat(rows).allSatisfy(e -> assertThat(e.path("source").asText()).isEqualTo("127.0.0.1"));
        assertThat(count(rows, "login.failed")).isEqualTo(10);
        assertThat(count(rows, "login.refused")).isEqualTo(2);
        // One row a minute: at most two when the run straddles a minute's end.
        assertThat(rows.stream().filter(e -> e.path("action").asText().equals("login.failed")).count()).isBetween(1L, 2L);
    }

    @Test
    void guessesOfMadeUpAccountNamesFoldIntoOneRowAMinuteInsteadOfOneEach() {
        for (int i = 0; i < 30; i++) {
            tokenReply("spray-" + i, "guess");
        }
        List<JsonNode> rows = audit();
        assertThat(rows).noneMatch(e -> e.path("actor").asText().startsWith("spray-"));
        List<JsonNode> unknown = rows.stream().filter(e -> e.path("actor").asText().equals("(unknown account)")).toList();
        // One row per action a minute: failed, then refused once the address reached its ceiling; two minutes at most.
        assertThat(unknown.size()).isBetween(1, 4);
        assertThat(count(unknown, "login.failed") + count(unknown, "login.refused")).isEqualTo(30);
    }

    @Test
    void tokenLoginsOfOnePrincipalAreFoldedIntoOneRowAMinuteWithACount() {
        api("POST", "/api/v1/users", "{\"name\":\"busy\",\"password\":\"busy-password\"}");
        for (int i = 0; i < 6; i++) {
            token("busy", "busy-password", "repository:aud/app:pull");
        }
        List<JsonNode> rows = audit().stream().filter(e -> e.path("actor").asText().equals("busy")
                && e.path("action").asText().equals("login")).toList();
        assertThat(rows.size()).isBetween(1, 2);
        assertThat(count(rows, "login")).isEqualTo(6);
    }

    private static long count(List<JsonNode> rows, String action) {
        return rows.stream().filter(e -> e.path("action").asText().equals(action)).mapToLong(e -> e.path("count").asLong()).sum();
    }

    @Test
    void theAccessLogNamesTheAuthenticatedCallerAndItsUserAgent() throws Exception {
        String alice = token("alice", "alice-password", "repository:aud/app:pull");
        Response r = server.get().api().get("/v2/aud/app/tags/list", "Authorization", alice,
                "User-Agent", "audit-test/1.0 (\"quoted\")");
        assertThat(r.status()).isIn(200, 404);
        Path log = server.get().dataDir().resolveSibling(server.get().dataDir().getFileName() + ".log");
        String line = "";
        for (int i = 0; i < 50 && line.isEmpty(); i++) {
            line = Files.readAllLines(log).stream().filter(l -> l.contains("audit-test/1.0")).findFirst().orElse("");
            if (line.isEmpty()) {
                Thread.sleep(100);
            }
        }
        assertThat(line).contains("user=\"alice\"").contains("user_agent=\"audit-test/1.0 (\\\"quoted\\\")\"");
    }
}
