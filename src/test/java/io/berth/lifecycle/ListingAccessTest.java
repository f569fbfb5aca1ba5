package io.berth.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.testing.BerthServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The listing endpoints with access control on, on the real server: pages over more repositories than one page,
 * a private namespace's repositories hidden from a non-member (also between visible ones), usage per membership.
 */
@Timeout(180)
class ListingAccessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_PASSWORD = "admin-password-1";
    private static final int TEAM_REPOSITORIES = 12;

    private static BerthServer server;
    private static RegistryClient anonymous;
    private static RegistryClient admin;
    private static RegistryClient alice;
    private static RegistryClient bob;
    private static List<String> teamRepositories = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = BerthServer.startWithAuth(BerthServer.newDataDir(), ADMIN_PASSWORD, List.of());
        anonymous = new RegistryClient(server.hostPort());
        admin = anonymous.as("admin", ADMIN_PASSWORD);
        for (String user : List.of("alice", "bob")) {
            ok(admin.send("POST", "/api/v1/users", json("{\"name\":\"" + user + "\",\"password\":\"" + user
                    + "-password\"}"), "application/json"));
        }
        alice = anonymous.as("alice", "alice-password");
        bob = anonymous.as("bob", "bob-password");
        ok(admin.send("POST", "/api/v1/namespaces", json("{\"name\":\"team-a\",\"owner\":\"alice\"}"), "application/json"));
        ok(admin.send("POST", "/api/v1/namespaces", json("{\"name\":\"team-b\",\"owner\":\"bob\"}"), "application/json"));
        ok(admin.send("POST", "/api/v1/namespaces", json("{\"name\":\"open\",\"public\":true}"), "application/json"));
        ok(admin.send("PUT", "/api/v1/namespaces/team-a/quota", json("{\"quotaBytes\":100000000}"), "application/json"));
        for (int i = 0; i < TEAM_REPOSITORIES; i++) {
            String repo = String.format("team-a/r%02d", i);
            push(alice, repo, "v1");
            teamRepositories.add(repo);
        }
        push(admin, "open/pub", "v1");
        push(bob, "team-b/mine", "v1");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static RegistryClient.Reply ok(RegistryClient.Reply reply) {
        assertThat(reply.status()).as(reply.body()).isBetween(200, 299);
        return reply;
    }

    private static void push(RegistryClient client, String repo, String tag) {
        byte[] layer = new byte[512];
        new Random(repo.hashCode()).nextBytes(layer);
        RegistryClient.Reply r = client.pushImage(repo, tag, List.of(json("{\"repo\":\"" + repo + "\"}"), layer));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
    }

    private static JsonNode get(RegistryClient client, String path) {
        RegistryClient.Reply r = client.send("GET", path, null, null);
        assertThat(r.status()).as(path + ": " + r.body()).isEqualTo(200);
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    /** Every repository the client sees, following next; checks each page's size and order. */
    private static List<String> allRepositories(RegistryClient client, String query, int n) {
        List<String> names = new ArrayList<>();
        String last = null;
        for (int pages = 0; pages < 50; pages++) {
            JsonNode page = get(client, "/api/v1/repositories?n=" + n + query + (last == null ? "" : "&last=" + last));
            assertThat(page.get("repositories").size()).isLessThanOrEqualTo(n);
            for (JsonNode repo : page.get("repositories")) {
                names.add(repo.get("name").asText());
                assertThat(repo.get("tagCount").asLong()).isEqualTo(1);
                assertThat(repo.get("manifestCount").asLong()).isEqualTo(1);
                assertThat(repo.get("sizeBytes").asLong()).isGreaterThan(512);
            }
            if (page.get("next").isNull()) {
                assertThat(names).isSorted();
                return names;
            }
            last = page.get("next").asText();
            assertThat(last).isEqualTo(names.getLast());
        }
        throw new AssertionError("no last page");
    }

    @Test
    void repositoriesArePagedAndOnlyThoseTheCallerMayPullAreListed() {
        List<String> all = new ArrayList<>(teamRepositories);
        all.add("open/pub");
        all.add("team-b/mine");
        all.sort(null);
        assertThat(allRepositories(admin, "", 5)).containsExactlyElementsOf(all);
        List<String> alicesView = new ArrayList<>(teamRepositories);
        alicesView.add("open/pub");
        alicesView.sort(null);
        assertThat(allRepositories(alice, "", 5)).containsExactlyElementsOf(alicesView);
        assertThat(allRepositories(alice, "&namespace=team-a", 4)).containsExactlyElementsOf(teamRepositories);
        // bob sees open/pub and his own: team-a's twelve (which sort between them) are skipped, not shown.
        assertThat(allRepositories(bob, "", 1)).containsExactly("open/pub", "team-b/mine");
        assertThat(allRepositories(bob, "&namespace=team-a", 5)).isEmpty();
        JsonNode first = get(bob, "/api/v1/repositories?n=1");
        assertThat(first.get("next").asText()).isEqualTo("open/pub");
        assertThat(anonymous.send("GET", "/api/v1/repositories", null, null).status()).isEqualTo(401);
    }

    @Test
    void aPrivateRepositorysTagsAndManifestsAreRefusedToANonMember() {
        String path = "/api/v1/repositories/team-a/r00";
        assertThat(get(alice, path + "/tags").get("tags").get(0).get("tag").asText()).isEqualTo("v1");
        assertThat(get(alice, path + "/manifests/v1").get("layers")).hasSize(1);
        for (String sub : List.of("/tags", "/manifests/v1")) {
            RegistryClient.Reply r = bob.send("GET", path + sub, null, null);
            assertThat(r.status()).as(sub + ": " + r.body()).isEqualTo(403);
            assertThat(r.errorCode()).isEqualTo("DENIED");
            assertThat(r.body()).doesNotContain("sha256:");
            assertThat(anonymous.send("GET", path + sub, null, null).status()).isEqualTo(401);
        }
        // The same refusal for a repository that does not exist: a non-member learns nothing.
        assertThat(bob.send("GET", "/api/v1/repositories/team-a/nothing/tags", null, null).status()).isEqualTo(403);
        assertThat(get(bob, "/api/v1/repositories/open/pub/tags").get("tags")).hasSize(1);
    }

    @Test
    void usageListsEveryNamespaceForTheAdminAndTheirOwnForMembers() {
        JsonNode all = get(admin, "/api/v1/usage").get("namespaces");
        assertThat(all).extracting(n -> n.get("namespace").asText()).containsExactly("open", "team-a", "team-b");
        JsonNode team = all.get(1);
        assertThat(team.get("repositoryCount").asLong()).isEqualTo(TEAM_REPOSITORIES);
        assertThat(team.get("quotaBytes").asLong()).isEqualTo(100000000L);
        assertThat(team.get("usedBytes").asLong()).isGreaterThan(TEAM_REPOSITORIES * 512L)
                .isEqualTo(get(admin, "/api/v1/namespaces/team-a/usage").get("usedBytes").asLong());
        assertThat(all.get(0).get("quotaBytes").isNull()).isTrue();
        assertThat(get(alice, "/api/v1/usage").get("namespaces")).extracting(n -> n.get("namespace").asText())
                .containsExactly("team-a");
        assertThat(get(bob, "/api/v1/usage").get("namespaces")).extracting(n -> n.get("namespace").asText())
                .containsExactly("team-b");
        assertThat(anonymous.send("GET", "/api/v1/usage", null, null).status()).isEqualTo(401);
    }
}
