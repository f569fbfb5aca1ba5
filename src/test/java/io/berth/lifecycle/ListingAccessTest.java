package io.berth.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
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
    private static final String ADMIN_PASSWORD = "admin-password-1";
    private static final int TEAM_REPOSITORIES = 12;

    private static BerthServer server;
    private static RegistryApiClient anonymous;
    private static RegistryApiClient admin;
    private static RegistryApiClient alice;
    private static RegistryApiClient bob;
    private static List<String> teamRepositories = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = BerthServer.startWithAuth(BerthServer.newDataDir(), ADMIN_PASSWORD, List.of());
        anonymous = server.api();
        admin = anonymous.as("admin", ADMIN_PASSWORD);
        for (String user : List.of("alice", "bob")) {
            admin.json("POST", "/api/v1/users", "{\"name\":\"" + user + "\",\"password\":\"" + user
                    + "-password\"}");
        }
        alice = anonymous.as("alice", "alice-password");
        bob = anonymous.as("bob", "bob-password");
        admin.json("POST", "/api/v1/namespaces", "{\"name\":\"team-a\",\"owner\":\"alice\"}");
        admin.json("POST", "/api/v1/namespaces", "{\"name\":\"team-b\",\"owner\":\"bob\"}");
        admin.json("POST", "/api/v1/namespaces", "{\"name\":\"open\",\"public\":true}");
        admin.json("PUT", "/api/v1/namespaces/team-a/quota", "{\"quotaBytes\":100000000}");
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

    private static void push(RegistryApiClient client, String repo, String tag) {
        byte[] layer = new byte[512];
        new Random(repo.hashCode()).nextBytes(layer);
        Response r = client.pushImage(repo, tag, List.of(("{\"repo\":\"" + repo + "\"}").getBytes(StandardCharsets.UTF_8), layer));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
    }

    private static JsonNode get(RegistryApiClient client, String path) {
        return client.get(path).expect(200).json();
    }

    /** Every repository the client sees, following next; checks each page's size and order. */
    private static List<String> allRepositories(RegistryApiClient client, String query, int n) {
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
        assertThat(anonymous.get("/api/v1/repositories").status()).isEqualTo(401);
    }

    @Test
    void aRobotTokenListsOnlyTheRepositoriesItsPatternsName() {
        String secret = alice.json("POST", "/api/v1/tokens", "{\"name\":\"lister\",\"namespace\":\"team-a\","
                + "\"repositories\":[\"team-a/r0*\"],\"actions\":[\"pull\"],\"expiresIn\":\"1h\"}").json().get("secret").asText();
        RegistryApiClient robot = anonymous.as("lister", secret);
        List<String> expected = new ArrayList<>(List.of("open/pub"));
        expected.addAll(teamRepositories.subList(0, 10));
        assertThat(allRepositories(robot, "", 3)).containsExactlyElementsOf(expected);
        assertThat(get(robot, "/api/v1/usage").get("namespaces")).extracting(n -> n.get("namespace").asText())
                .containsExactly("team-a");
        assertThat(robot.get("/api/v1/repositories/team-a/r10/tags").status()).isEqualTo(403);
    }

    @Test
    void aPrivateRepositorysTagsAndManifestsAreRefusedToANonMember() {
        String path = "/api/v1/repositories/team-a/r00";
        assertThat(get(alice, path + "/tags").get("tags").get(0).get("tag").asText()).isEqualTo("v1");
        assertThat(get(alice, path + "/manifests/v1").get("layers")).hasSize(1);
        for (String sub : List.of("/tags", "/manifests/v1")) {
            Response r = bob.get(path + sub);
            assertThat(r.status()).as(sub + ": " + r.text()).isEqualTo(403);
            assertThat(r.errorCode()).isEqualTo("DENIED");
            assertThat(r.text()).doesNotContain("sha256:");
            assertThat(anonymous.get(path + sub).status()).isEqualTo(401);
        }
        // The same refusal for a repository that does not exist: a non-member learns nothing.
        assertThat(bob.get("/api/v1/repositories/team-a/nothing/tags").status()).isEqualTo(403);
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
        assertThat(anonymous.get("/api/v1/usage").status()).isEqualTo(401);
    }
}
