package io.berth.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import io.berth.testing.Started;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * The lifecycle and access parts of the management API with access control on, on the real server: every namespace
 * setting is reached only through its own namespace, every request body is typed and range-checked, a namespace keeps
 * an owner, and immutable tags survive a repository delete unless an admin forces it.
 */
@Timeout(120)
class ManagementApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_PASSWORD = "admin-password-1";

    @RegisterExtension
    static final Started<BerthServer> server = Started.by(() -> BerthServer.with().auth(ADMIN_PASSWORD).start());
    private static RegistryApiClient anonymous;
    private static RegistryApiClient admin;
    private static RegistryApiClient alice;
    private static RegistryApiClient carol;
    private static RegistryApiClient bob;
    private static RegistryApiClient rita;

    @BeforeAll
    static void start() {
        anonymous = server.get().api();
        admin = anonymous.as("admin", ADMIN_PASSWORD);
        for (String user : List.of("alice", "carol", "bob", "rita")) {
            ok(admin.send("POST", "/api/v1/users", json("{\"name\":\"" + user + "\",\"password\":\"" + user + "-password\"}"), "Content-Type", "application/json"));
        }
        alice = anonymous.as("alice", "alice-password");
        carol = anonymous.as("carol", "carol-password");
        bob = anonymous.as("bob", "bob-password");
        rita = anonymous.as("rita", "rita-password");
        ok(admin.send("POST", "/api/v1/namespaces", json("{\"name\":\"team-a\",\"owner\":\"alice\"}"), "Content-Type", "application/json"));
        ok(admin.send("POST", "/api/v1/namespaces", json("{\"name\":\"carol\",\"owner\":\"carol\"}"), "Content-Type", "application/json"));
        ok(admin.send("POST", "/api/v1/namespaces", json("{\"name\":\"open\",\"public\":true}"), "Content-Type", "application/json"));
        ok(admin.send("PUT", "/api/v1/namespaces/team-a/members/rita", json("{\"role\":\"reader\"}"), "Content-Type", "application/json"));
        ok(admin.send("POST", "/api/v1/namespaces/team-a/immutable", json("{\"pattern\":\"release-*\"}"), "Content-Type", "application/json"));
        ok(admin.send("PUT", "/api/v1/namespaces/team-a/quota", json("{\"quotaBytes\":123456789}"), "Content-Type", "application/json"));
        ok(admin.send("POST", "/api/v1/namespaces/open/immutable", json("{\"pattern\":\"stable\"}"), "Content-Type", "application/json"));
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Response ok(Response reply) {
        assertThat(reply.status()).as(reply.text()).isBetween(200, 299);
        return reply;
    }

    private static JsonNode tree(Response reply) {
        try {
            return JSON.readTree(reply.text());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + reply.text(), e);
        }
    }

    private static String cli(String... args) {
        return BerthServer.runCli(server.get().dataDir(), args);
    }

    private static Digest push(RegistryApiClient client, String repo, String tag, String label) {
        byte[] layer = new byte[1024];
        new Random(label.hashCode()).nextBytes(layer);
        Response r = client.pushImage(repo, tag,
                List.of(("{\"label\":\"" + label + "\"}").getBytes(StandardCharsets.UTF_8), layer));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return Digest.parse(r.header("Docker-Content-Digest"));
    }

    private static String addRetentionRule(String namespace, String body) {
        Response r = ok(admin.send("POST", "/api/v1/namespaces/" + namespace + "/retention", json(body), "Content-Type", "application/json"));
        return tree(r).get("id").asText();
    }

    // ---- #1: a namespace's settings only through that namespace, reads only for those with a role

    @Test
    void anOwnerCannotDeleteAnotherNamespacesRetentionRuleThroughTheirOwn() {
        String teamRule = addRetentionRule("team-a", "{\"pattern\":\"build-*\",\"keepLast\":5}");
        Response crossed = carol.send("DELETE", "/api/v1/namespaces/carol/retention/" + teamRule, null);
        assertThat(crossed.status()).as(crossed.text()).isEqualTo(404);
        assertThat(crossed.errorCode()).isEqualTo("NOT_FOUND");
        assertThat(admin.send("GET", "/api/v1/namespaces/team-a/retention", null).text()).contains(teamRule);
        Response direct = carol.send("DELETE", "/api/v1/namespaces/team-a/retention/" + teamRule, null);
        assertThat(direct.status()).isEqualTo(403);
        assertThat(ok(alice.send("DELETE", "/api/v1/namespaces/team-a/retention/" + teamRule, null)).status())
                .isEqualTo(204);
        assertThat(admin.send("GET", "/api/v1/namespaces/team-a/retention", null).text()).doesNotContain(teamRule);
    }

    @Test
    void aPrivateNamespacesRulesQuotaAndUsageAreReadOnlyByItsMembers() {
        String rule = addRetentionRule("team-a", "{\"pattern\":\"nightly-*\",\"keepLast\":7}");
        for (String setting : List.of("immutable", "retention", "usage")) {
            String path = "/api/v1/namespaces/team-a/" + setting;
            for (RegistryApiClient outsider : List.of(bob, carol)) {
                Response r = outsider.send("GET", path, null);
                assertThat(r.status()).as(path + ": " + r.text()).isEqualTo(404);
                assertThat(r.text()).doesNotContain("release-*").doesNotContain(rule).doesNotContain("123456789");
            }
            assertThat(anonymous.send("GET", path, null).status()).as(path).isEqualTo(401);
            assertThat(rita.send("GET", path, null).status()).as(path).isEqualTo(200);
            assertThat(alice.send("GET", path, null).status()).as(path).isEqualTo(200);
            assertThat(bob.send("GET", "/api/v1/namespaces/open/" + setting, null).status()).as(setting).isEqualTo(200);
            assertThat(bob.send("GET", "/api/v1/namespaces/nowhere/" + setting, null).status()).isEqualTo(404);
        }
        assertThat(rita.send("GET", "/api/v1/namespaces/team-a/immutable", null).text()).contains("release-*");
        assertThat(rita.send("GET", "/api/v1/namespaces/team-a/usage", null).text()).contains("123456789");
        assertThat(bob.send("GET", "/api/v1/namespaces/open/immutable", null).text()).contains("stable");
        String secret = tree(ok(alice.send("POST", "/api/v1/tokens", json("{\"name\":\"reader-bot\",\"namespace\":\"team-a\","
                + "\"repositories\":[\"team-a/*\"],\"actions\":[\"pull\"],\"expiresIn\":\"1h\"}"), "Content-Type", "application/json")))
                .get("secret").asText();
        RegistryApiClient robot = anonymous.as("reader-bot", secret);
        assertThat(robot.send("GET", "/api/v1/namespaces/team-a/retention", null).text()).contains(rule);
        assertThat(robot.send("GET", "/api/v1/namespaces/carol/retention", null).status()).isEqualTo(404);
    }

    @Test
    void everyLifecycleChangeChecksTheCallersRightsInTheNamespaceItChanges() {
        String rule = addRetentionRule("team-a", "{\"keepLast\":9}");
        push(admin, "team-a/app", "v1", "team-a app");
        String[][] writes = {
                {"POST", "/api/v1/namespaces/team-a/immutable", "{\"pattern\":\"x*\"}"},
                {"DELETE", "/api/v1/namespaces/team-a/immutable?pattern=release-*", null},
                {"PUT", "/api/v1/namespaces/team-a/quota", "{\"quotaBytes\":1}"},
                {"POST", "/api/v1/namespaces/team-a/retention", "{\"keepLast\":1}"},
                {"DELETE", "/api/v1/namespaces/team-a/retention/" + rule, null},
                {"POST", "/api/v1/namespaces/team-a/retention/run", null},
                {"POST", "/api/v1/repositories/team-a/app/tags/v1/rollback", "{\"steps\":1}"},
                {"DELETE", "/api/v1/repositories/team-a/app", null},
                {"POST", "/api/v1/promote", "{\"repository\":\"team-a/app\",\"reference\":\"v1\",\"targetRepository\":\"carol/app\",\"targetTag\":\"v1\"}"},
                {"POST", "/api/v1/gc?dryRun=true", null},
                {"PUT", "/api/v1/namespaces/team-a/members/carol", "{\"role\":\"owner\"}"},
                {"PUT", "/api/v1/namespaces/team-a/public", "{\"public\":true}"},
        };
        for (RegistryApiClient caller : List.of(carol, rita)) {
            for (String[] w : writes) {
                Response r = caller.send(w[0], w[1], w[2] == null ? null : json(w[2]), "Content-Type", w[2] == null ? null : "application/json");
                assertThat(r.status()).as(w[0] + " " + w[1] + ": " + r.text()).isEqualTo(403);
            }
        }
        Response token = ok(alice.send("POST", "/api/v1/tokens", json("{\"name\":\"ci\",\"namespace\":\"team-a\","
                + "\"repositories\":[\"team-a/*\"],\"actions\":[\"pull\"],\"expiresIn\":\"1h\"}"), "Content-Type", "application/json"));
        String tokenId = tree(token).get("id").asText();
        assertThat(carol.send("GET", "/api/v1/tokens", null).text()).doesNotContain(tokenId);
        assertThat(carol.send("DELETE", "/api/v1/tokens/" + tokenId, null).status()).isEqualTo(403);
        assertThat(rita.send("DELETE", "/api/v1/tokens/" + tokenId, null).status()).isEqualTo(403);
        assertThat(carol.send("GET", "/api/v1/repositories/team-a/app/tags/v1/history", null).status()).isEqualTo(403);
        assertThat(carol.send("GET", "/api/v1/namespaces/team-a/members", null).status()).isEqualTo(403);
        assertThat(admin.send("GET", "/api/v1/namespaces/team-a/retention", null).text()).contains(rule);
        assertThat(admin.send("GET", "/api/v1/namespaces/team-a/usage", null).text()).contains("123456789");
        assertThat(admin.send("GET", "/v2/team-a/app/manifests/v1", null).status()).isEqualTo(200);
    }

    // ---- #8: every field typed and range-checked

    @Test
    void badRetentionRulesAreRefusedNamingTheFieldAndNothingIsStored() {
        String[][] cases = {
                {"{\"keepLast\":\"abc\"}", "keepLast"},
                {"{\"keepLast\":\"5\"}", "keepLast"},
                {"{\"keepLast\":-5}", "keepLast"},
                {"{\"keepLast\":0}", "keepLast"},
                {"{\"keepLast\":1e20}", "keepLast"},
                {"{\"keepLast\":5.5}", "keepLast"},
                {"{\"keepLast\":99999999999}", "keepLast"},
                {"{\"keepLast\":true}", "keepLast"},
                {"{}", "keepLast"},
                {"{\"maxAgeDays\":-1}", "maxAgeDays"},
                {"{\"maxAgeDays\":1000000}", "maxAgeDays"},
                {"{\"keepLast\":3,\"keep\":[[\"prod\"]]}", "keep[0]"},
                {"{\"keepLast\":3,\"keep\":[\"prod\",{\"a\":1}]}", "keep[1]"},
                {"{\"keepLast\":3,\"keep\":\"prod\"}", "keep"},
                {"{\"keepLast\":3,\"keep\":[\"[unclosed\"]}", "keep[0]"},
                {"{\"keepLast\":3,\"pattern\":5}", "pattern"},
                {"{\"keepLast\":3,\"pattern\":\"\"}", "pattern"},
                {"{\"keepLast\":3,\"pattern\":\"a/b\"}", "pattern"},
                {"{\"keepLast\":3,\"keeplast\":4}", "keeplast"},
        };
        for (String[] c : cases) {
            Response r = admin.send("POST", "/api/v1/namespaces/carol/retention", json(c[0]), "Content-Type", "application/json");
            assertThat(r.status()).as(c[0] + ": " + r.text()).isEqualTo(400);
            assertThat(r.errorCode()).as(c[0]).isEqualTo("INVALID_REQUEST");
            assertThat(r.message()).as(c[0]).contains("'" + c[1] + "'");
        }
        assertThatThrownBy(() -> cli("retention", "add", "carol", "--keep-last", "0")).hasMessageContaining("--keep-last");
        assertThatThrownBy(() -> cli("retention", "add", "carol", "--keep-last", "2", "--keep", "[oops"))
                .hasMessageContaining("--keep");
        assertThat(tree(admin.send("GET", "/api/v1/namespaces/carol/retention", null))).isEmpty();
        String id = addRetentionRule("carol", "{\"pattern\":\"pr-*\",\"keepLast\":3,\"maxAgeDays\":30,\"keep\":[\"prod\",\"v[0-9]*\"]}");
        JsonNode stored = tree(admin.send("GET", "/api/v1/namespaces/carol/retention", null)).get(0);
        assertThat(stored.get("keepLast").asInt()).isEqualTo(3);
        assertThat(stored.get("maxAgeDays").asInt()).isEqualTo(30);
        assertThat(stored.get("keep").toString()).isEqualTo("[\"prod\",\"v[0-9]*\"]");
        assertThat(cli("retention", "remove", id)).contains("removed retention rule " + id + " of carol");
        assertThat(tree(admin.send("GET", "/api/v1/namespaces/carol/retention", null))).isEmpty();
    }

    @Test
    void badQuotasAreRefusedAndAGoodOneIsStored() {
        String path = "/api/v1/namespaces/open/quota";
        for (String bad : List.of("{\"quotaBytes\":-1}", "{\"quotaBytes\":0}", "{\"quotaBytes\":\"100\"}",
                "{\"quotaBytes\":1.5}", "{\"quotaBytes\":1e20}", "{\"quotaBytes\":100000000000000000000}",
                "{\"quotaBytes\":[100]}", "{}", "{\"quotaBytes\":100,\"quota\":5}")) {
            Response r = admin.send("PUT", path, json(bad), "Content-Type", "application/json");
            assertThat(r.status()).as(bad + ": " + r.text()).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("INVALID_REQUEST");
            assertThat(r.message()).as(bad).contains("'quota");
        }
        assertThat(tree(admin.send("GET", "/api/v1/namespaces/open/usage", null)).get("quotaBytes").isNull()).isTrue();
        ok(admin.send("PUT", path, json("{\"quotaBytes\":5000000}"), "Content-Type", "application/json"));
        assertThat(tree(admin.send("GET", "/api/v1/namespaces/open/usage", null)).get("quotaBytes").asLong())
                .isEqualTo(5_000_000L);
        ok(admin.send("PUT", path, json("{\"quotaBytes\":null}"), "Content-Type", "application/json"));
        assertThat(tree(admin.send("GET", "/api/v1/namespaces/open/usage", null)).get("quotaBytes").isNull()).isTrue();
    }

    @Test
    void everyManagementBodyIsTypedAndRefusedWith400NamingTheField() {
        String[][] cases = {
                {"POST", "/api/v1/namespaces/carol/immutable", "{\"pattern\":[\"v*\"]}", "pattern"},
                {"POST", "/api/v1/namespaces/carol/immutable", "{\"pattern\":\"[\"}", "pattern"},
                {"POST", "/api/v1/namespaces/carol/immutable", "{}", "pattern"},
                {"POST", "/api/v1/users", "{\"name\":\"zed\",\"password\":\"zed-password\",\"admin\":\"yes\"}", "admin"},
                {"POST", "/api/v1/users", "{\"name\":\"zed\"}", "password"},
                {"POST", "/api/v1/users", "{\"name\":[\"zed\"],\"password\":\"p\"}", "name"},
                {"PUT", "/api/v1/users/bob/password", "{\"password\":12345678}", "password"},
                {"PUT", "/api/v1/users/bob/disabled", "{}", "disabled"},
                {"PUT", "/api/v1/users/bob/disabled", "{\"disabled\":1}", "disabled"},
                {"POST", "/api/v1/namespaces", "{\"name\":\"zed\",\"public\":\"true\"}", "public"},
                {"PUT", "/api/v1/namespaces/carol/public", "{\"public\":null}", "public"},
                {"PUT", "/api/v1/namespaces/carol/members/bob", "{\"role\":\"boss\"}", "role"},
                {"PUT", "/api/v1/namespaces/carol/members/bob", "{\"role\":2}", "role"},
                {"PUT", "/api/v1/namespaces/carol/members/bob", "{\"role\":\"OWNER\"}", "role"},
                {"PUT", "/api/v1/namespaces/carol/members/bob", "{\"role\":\"owner \"}", "role"},
                {"POST", "/api/v1/tokens", "{\"name\":\"t\",\"namespace\":\"carol\",\"repositories\":\"carol/*\",\"actions\":[\"pull\"]}", "repositories"},
                {"POST", "/api/v1/tokens", "{\"name\":\"t\",\"namespace\":\"carol\",\"repositories\":[[\"carol/*\"]],\"actions\":[\"pull\"]}", "repositories[0]"},
                {"POST", "/api/v1/tokens", "{\"name\":\"t\",\"namespace\":\"carol\",\"repositories\":[\"carol/*\"],\"actions\":[\"pull\",\"fly\"]}", "actions[1]"},
                {"POST", "/api/v1/tokens", "{\"name\":\"t\",\"namespace\":\"carol\",\"repositories\":[\"carol/*\"],\"actions\":[\"pull\"],\"expiresIn\":\"forever\"}", "expiresIn"},
                {"POST", "/api/v1/tokens", "{\"name\":\"t\",\"namespace\":\"carol\",\"repositories\":[\"carol/*\"],\"actions\":[\"pull\"],\"expiresIn\":\"99999d\"}", "expiresIn"},
                {"POST", "/api/v1/repositories/carol/app/tags/v1/rollback", "{\"steps\":0}", "steps"},
                {"POST", "/api/v1/repositories/carol/app/tags/v1/rollback", "{\"steps\":\"2\"}", "steps"},
                {"POST", "/api/v1/repositories/carol/app/tags/v1/rollback", "{\"to\":\"nope\"}", "to"},
                {"POST", "/api/v1/promote", "{\"repository\":\"Bad Name\",\"reference\":\"v1\",\"targetTag\":\"v2\"}", "repository"},
                {"POST", "/api/v1/promote", "{\"repository\":\"carol/app\",\"reference\":\"v1\"}", "targetTag"},
        };
        for (String[] c : cases) {
            Response r = admin.send(c[0], c[1], json(c[2]), "Content-Type", "application/json");
            assertThat(r.status()).as(c[0] + " " + c[1] + " " + c[2] + ": " + r.text()).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("INVALID_REQUEST");
            assertThat(r.message()).as(c[2]).contains("'" + c[3] + "'");
        }
        for (String notAnObject : List.of("{", "[]", "\"text\"", "{\"keepLast\":3} {}", "{\"keepLast\":3,\"keepLast\":4}")) {
            Response r = admin.send("POST", "/api/v1/namespaces/carol/retention", json(notAnObject), "Content-Type", "application/json");
            assertThat(r.status()).as(notAnObject + ": " + r.text()).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("INVALID_REQUEST");
        }
        // The JSON literal null is valid JSON but no body: 400 on every endpoint that reads one, never a 500.
        String[][] writes = {
                {"POST", "/api/v1/namespaces/carol/retention"}, {"POST", "/api/v1/namespaces/carol/immutable"},
                {"PUT", "/api/v1/namespaces/carol/quota"}, {"POST", "/api/v1/users"},
                {"PUT", "/api/v1/users/bob/password"}, {"PUT", "/api/v1/users/bob/disabled"},
                {"POST", "/api/v1/namespaces"}, {"PUT", "/api/v1/namespaces/carol/public"},
                {"PUT", "/api/v1/namespaces/carol/members/bob"}, {"POST", "/api/v1/tokens"},
                {"POST", "/api/v1/promote"}, {"POST", "/api/v1/repositories/carol/app/tags/v1/rollback"},
        };
        for (String[] w : writes) {
            Response r = admin.send(w[0], w[1], json("null"), "Content-Type", "application/json");
            assertThat(r.status()).as(w[0] + " " + w[1] + " null: " + r.text()).isEqualTo(400);
            assertThat(r.errorCode()).isEqualTo("INVALID_REQUEST");
        }
        Response flag = admin.send("POST", "/api/v1/gc?dryRun=yes", null);
        assertThat(flag.status()).isEqualTo(400);
        assertThat(flag.message()).contains("'dryRun'");
        assertThat(admin.send("GET", "/api/v1/users", null).text()).doesNotContain("zed");
        assertThat(tree(admin.send("GET", "/api/v1/namespaces/carol/immutable", null))).isEmpty();
    }

    // ---- #21: a namespace keeps an owner

    @Test
    void theLastOwnerCanNeitherBeRemovedNorDemotedByAnyone() {
        ok(admin.send("POST", "/api/v1/namespaces", json("{\"name\":\"solo\",\"owner\":\"bob\"}"), "Content-Type", "application/json"));
        for (RegistryApiClient caller : List.of(bob, admin)) {
            Response removed = caller.send("DELETE", "/api/v1/namespaces/solo/members/bob", null);
            assertThat(removed.status()).as(removed.text()).isEqualTo(409);
            assertThat(removed.message()).contains("last owner");
            Response demoted = caller.send("PUT", "/api/v1/namespaces/solo/members/bob",
                    json("{\"role\":\"maintainer\"}"), "Content-Type", "application/json");
            assertThat(demoted.status()).as(demoted.text()).isEqualTo(409);
        }
        assertThatThrownBy(() -> cli("namespace", "revoke", "solo", "bob")).hasMessageContaining("last owner");
        assertThat(bob.send("GET", "/api/v1/namespaces/solo/members", null).text()).contains("\"role\":\"owner\"");
        ok(bob.send("PUT", "/api/v1/namespaces/solo/members/carol", json("{\"role\":\"owner\"}"), "Content-Type", "application/json"));
        ok(bob.send("DELETE", "/api/v1/namespaces/solo/members/bob", null));
        assertThat(carol.send("DELETE", "/api/v1/namespaces/solo/members/carol", null).status()).isEqualTo(409);
    }

    // ---- #2: immutable tags survive a repository delete unless an admin forces it

    @Test
    void aRepositoryHoldingAnImmutableTagIsDeletedOnlyByAnAdminsAuditedForce() {
        Digest release = push(admin, "team-a/locked", "release-1", "locked release");
        Response denied = alice.send("DELETE", "/api/v1/repositories/team-a/locked", null);
        assertThat(denied.status()).as(denied.text()).isEqualTo(403);
        assertThat(denied.errorCode()).isEqualTo("DENIED");
        assertThat(denied.message()).contains("release-1").contains("release-*");
        assertThat(alice.send("DELETE", "/api/v1/repositories/team-a/locked?force=true", null).status()).isEqualTo(403);
        assertThatThrownBy(() -> cli("repo", "delete", "team-a/locked")).hasMessageContaining("immutable")
                .hasMessageContaining("release-*");
        assertThat(admin.send("DELETE", "/api/v1/repositories/team-a/locked", null).status()).isEqualTo(403);
        assertThat(admin.send("GET", "/v2/team-a/locked/manifests/release-1", null).status()).isEqualTo(200);

        assertThat(admin.send("DELETE", "/api/v1/repositories/team-a/locked?force=true", null).status()).isEqualTo(202);
        assertThat(admin.send("GET", "/v2/team-a/locked/manifests/release-1", null).status()).isEqualTo(404);
        String audit = admin.send("GET", "/api/v1/audit?n=1000", null).text();
        assertThat(audit).contains("repository.delete.force").contains("team-a/locked").contains("release-1");
        JsonNode moves = tree(admin.send("GET", "/api/v1/repositories/team-a/locked/tags/release-1/history", null));
        assertThat(moves.get(0).toString()).contains("\"operation\":\"repo-delete\"").contains("\"previous\":\"" + release + "\"")
                .contains("\"digest\":null").contains("\"actor\":\"admin\"");

        push(admin, "team-a/cli-locked", "release-2", "cli locked release");
        assertThat(cli("repo", "delete", "team-a/cli-locked", "--force")).contains("deleted repository team-a/cli-locked");
        assertThat(cli("tag", "history", "team-a/cli-locked:release-2")).contains("repo-delete");
        assertThat(cli("audit", "--limit", "1000")).contains("repository.delete.force").contains("team-a/cli-locked");
    }

    @Test
    void aRepositoryDeleteIsRecordedAsADeleteOfEachTag() {
        Digest latest = push(admin, "team-a/plain", "latest", "plain latest");
        push(admin, "team-a/plain", "edge", "plain edge");
        assertThat(alice.send("DELETE", "/api/v1/repositories/team-a/plain", null).status()).isEqualTo(202);
        assertThat(cli("tag", "history", "team-a/plain:latest")).contains("repo-delete").contains(latest.toString());
        assertThat(cli("tag", "history", "team-a/plain:edge")).contains("repo-delete");
        // Audited as the plain delete it was (the audit filter's entry), not as a forced one.
        assertThat(admin.send("GET", "/api/v1/audit?n=1000", null).text())
                .contains("\"action\":\"repository.delete\",\"target\":\"team-a/plain\"")
                .doesNotContain("repository.delete.force");
    }

    // ---- #12: rollback to a digest the tag never held

    @Test
    void rollbackToADigestTheTagNeverHeldSaysSoAndToACollectedOneSaysItWasCollected() {
        Digest first = push(admin, "carol/roll", "prod", "roll one");
        push(admin, "carol/roll", "prod", "roll two");
        Digest other = push(admin, "carol/roll", "other", "roll other");
        Digest unknown = Digest.sha256("never pushed".getBytes(StandardCharsets.UTF_8));
        for (Digest never : List.of(other, unknown)) {
            assertThatThrownBy(() -> cli("tag", "rollback", "carol/roll:prod", "--to", never.toString()))
                    .hasMessageContaining("never in the history of carol/roll:prod").hasMessageNotContaining("collected");
            Response r = carol.send("POST", "/api/v1/repositories/carol/roll/tags/prod/rollback",
                    json("{\"to\":\"" + never + "\"}"), "Content-Type", "application/json");
            assertThat(r.status()).as(r.text()).isEqualTo(400);
            assertThat(r.message()).contains("never in the history");
        }
        cli("gc", "--grace", "0s", "--history-window", "0s");
        assertThatThrownBy(() -> cli("tag", "rollback", "carol/roll:prod", "--to", first.toString()))
                .hasMessageContaining("collected").hasMessageNotContaining("never");
    }
}
