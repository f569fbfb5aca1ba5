package io.berth.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.auth.Permissions;
import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Walks every route of the web UI (its pages and its form actions, both halves) as anonymous, a user who is no
 * member, a reader, a writer and an owner of a private namespace, and the admin, against the real server with access
 * control on, and checks each answer's status exactly: allowed (200, 201, or 303 after a change), forbidden (403) or
 * not found (404: a private namespace to those who may not read it, as the API answers). The table of cases is
 * checked against the routes WebUi installs, so a new route without cases here fails this test.
 */
@Timeout(300)
class UiRoleWalkTest {
    private static final String ADMIN_PASSWORD = "admin-password-1";
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

    /** In this order: each role's changes are made before the next role walks (owner, then admin, succeed). */
    enum Role { ANONYMOUS, OUTSIDER, READER, WRITER, OWNER, ADMIN }

    private static final Map<Role, String> USERS = Map.of(Role.OUTSIDER, "mallory", Role.READER, "bob",
            Role.WRITER, "carol", Role.OWNER, "alice", Role.ADMIN, "admin");

    private static BerthServer server;
    private static RegistryApiClient admin;
    private static RegistryApiClient anonymous;
    private static String first;
    private static String second;

    /** One request of the walk: its path and form (null for a GET) as the role sends them, and the status wanted. */
    record Case(String method, Function<Role, String> path, Function<Role, Map<String, String>> form,
                Function<Role, Integer> expected) {}

    @BeforeAll
    static void start() {
        server = BerthServer.with().auth(ADMIN_PASSWORD).start();
        admin = server.admin();
        anonymous = new RegistryApiClient(server.hostPort());
        for (String user : List.of("alice", "bob", "carol", "mallory", "dave", "erin", "frank")) {
            admin.json("POST", "/api/v1/users", "{\"name\":\"" + user + "\",\"password\":\"" + user + "-password\"}");
        }
        admin.json("POST", "/api/v1/namespaces", "{\"name\":\"team\",\"owner\":\"alice\"}");
        admin.json("POST", "/api/v1/namespaces", "{\"name\":\"open\",\"public\":true}");
        for (String[] member : new String[][] {{"bob", "reader"}, {"carol", "writer"}, {"dave", "reader"},
                {"erin", "reader"}}) {
            admin.json("PUT", "/api/v1/namespaces/team/members/" + member[0], "{\"role\":\"" + member[1] + "\"}");
        }
        first = push("team/app", "v1", 1);
        second = push("team/app", "v1", 2);
        push("team/app", "del-owner", 3);
        push("team/app", "del-admin", 4);
        push("open/pub", "v1", 5);
        push("team/gone-owner", "v1", 11);
        push("team/gone-admin", "v1", 12);
        push("team/app", "mdel-owner", 21);
        push("team/app", "mdel-admin", 22);
        RegistryApiClient alice = anonymous.as("alice", "alice-password");
        for (String rule : List.of("rm-owner", "rm-admin")) {
            alice.json("POST", "/api/v1/namespaces/team/retention", "{\"pattern\":\"" + rule + "\",\"keepLast\":3}");
        }
        for (String token : List.of("ci-owner", "ci-admin")) {
            alice.json("POST", "/api/v1/tokens", "{\"name\":\"" + token + "\",\"namespace\":\"team\","
                    + "\"repositories\":[\"team/*\"],\"actions\":[\"pull\"]}");
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String push(String repository, String tag, int seed) {
        return UiImages.push(admin, repository, tag, seed);
    }

    private static String digestOf(String repository, String tag) {
        return admin.get("/v2/" + repository + "/manifests/" + tag, "Accept", RegistryApiClient.ACCEPT_ANY_MANIFEST)
                .header("Docker-Content-Digest");
    }

    private static String retentionRule(String pattern) {
        for (var rule : admin.get("/api/v1/namespaces/team/retention").json()) {
            if (rule.get("pattern").asText().equals(pattern)) {
                return rule.get("id").asText();
            }
        }
        return "missing";
    }

    private static String token(String name) {
        for (var token : admin.get("/api/v1/tokens").json()) {
            if (token.get("name").asText().equals(name)) {
                return token.get("id").asText();
            }
        }
        return "missing";
    }

    // ---- expectations

    private static Function<Role, Integer> all(int status) {
        return role -> status;
    }

    /** allowed for the roles from minimum up (the admin always), 403 below; 404 for who may not read "team". */
    private static Function<Role, Integer> inTeam(Role minimum, int allowed) {
        return role -> role.ordinal() >= minimum.ordinal() ? allowed
                : role == Role.ANONYMOUS || role == Role.OUTSIDER ? 404 : 403;
    }

    /** A form action on "team": anonymous visitors hold no session's CSRF token and are refused before anything. */
    private static Function<Role, Integer> changeInTeam(Role minimum, int allowed) {
        return role -> role == Role.ANONYMOUS ? 403 : inTeam(minimum, allowed).apply(role);
    }

    /** A repository of "team": pull from reader up, 403 below (as the API answers a repository one may not pull). */
    private static Function<Role, Integer> repository(Role minimum, int allowed) {
        return role -> role.ordinal() >= minimum.ordinal() ? allowed : 403;
    }

    private static Function<Role, Integer> adminOnly(int allowed) {
        return role -> role == Role.ADMIN ? allowed : 403;
    }

    private static Function<Role, Integer> loggedIn(int allowed) {
        return role -> role == Role.ANONYMOUS ? 403 : allowed;
    }

    private static Function<Role, String> at(String path) {
        return role -> path;
    }

    private static Function<Role, Map<String, String>> form(String... pairs) {
        return role -> {
            Map<String, String> form = new LinkedHashMap<>();
            for (int i = 0; i < pairs.length; i += 2) {
                form.put(pairs[i], pairs[i + 1]);
            }
            return form;
        };
    }

    private static String name(Role role) {
        return role.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Every route, by name and method, with its cases; the logout comes last (it ends the session). */
    private static Map<String, List<Case>> cases() {
        Map<String, List<Case>> cases = new LinkedHashMap<>();
        String tag = "/r/team/app/-/tags/v1";
        cases.put("ui-static GET", List.of(new Case("GET", at("/static/style.css"), null, all(200)),
                new Case("GET", at("/static/ui.js"), null, all(200)),
                new Case("GET", at("/static/htmx.min.js"), null, all(200))));
        cases.put("ui-login GET", List.of(new Case("GET", at("/login"), null, all(200))));
        cases.put("ui-login POST", List.of(new Case("POST", at("/login"), form("username", "bob", "password", "wrong"),
                all(401))));
        cases.put("ui-home GET", List.of(new Case("GET", at("/"), null, all(200)),
                new Case("GET", at("/?q=app"), null, all(200))));
        cases.put("ui-tag GET", List.of(new Case("GET", at(tag), null, repository(Role.READER, 200)),
                new Case("GET", at("/r/open/pub/-/tags/v1"), null, all(200))));
        cases.put("ui-tag-rollback GET", List.of(new Case("GET", role -> tag + "/rollback?to=" + first, null,
                repository(Role.OWNER, 200))));
        // Owner and admin each move v1 back to where it pointed before: the form names where it points now.
        cases.put("ui-tag-rollback POST", List.of(new Case("POST", at(tag + "/rollback"), role -> {
            String now = digestOf("team/app", "v1");
            return form("from", now, "to", now.equals(second) ? first : second).apply(role);
        }, repository(Role.OWNER, 303))));
        cases.put("ui-tag-delete GET", List.of(new Case("GET", at(tag + "/delete"), null, repository(Role.OWNER, 200))));
        cases.put("ui-tag-delete POST", List.of(new Case("POST",
                role -> "/r/team/app/-/tags/del-" + (role == Role.ADMIN ? "admin" : "owner") + "/delete",
                role -> form("from", digestOf("team/app", "del-" + (role == Role.ADMIN ? "admin" : "owner")))
                        .apply(role), repository(Role.OWNER, 303))));
        cases.put("ui-artifact GET", List.of(new Case("GET", role -> "/r/team/app/-/" + first, null,
                repository(Role.READER, 200))));
        cases.put("ui-repository GET", List.of(new Case("GET", at("/r/team/app"), null, repository(Role.READER, 200)),
                new Case("GET", at("/r/open/pub"), null, all(200))));
        cases.put("ui-not-found GET", List.of(new Case("GET", at("/no/such/page"), null, all(404))));
        cases.put("ui-namespaces GET", List.of(new Case("GET", at("/ns"), null, all(200))));
        cases.put("ui-namespaces POST", List.of(new Case("POST", at("/ns"), role -> form("name", "made-by-" + name(role))
                .apply(role), adminOnly(303))));
        cases.put("ui-namespace GET", List.of(new Case("GET", at("/ns/team"), null, inTeam(Role.READER, 200)),
                new Case("GET", at("/ns/open"), null, all(200)),
                new Case("GET", at("/ns/nothing-here"), null, all(404))));
        cases.put("ui-ns-public POST", List.of(new Case("POST", at("/ns/team/public"), form("public", "false"),
                changeInTeam(Role.OWNER, 303))));
        cases.put("ui-ns-member POST", List.of(new Case("POST", at("/ns/team/members"), form("user", "dave", "role",
                "writer"), changeInTeam(Role.OWNER, 303))));
        cases.put("ui-ns-member-remove POST", List.of(new Case("POST", at("/ns/team/members/remove"),
                role -> form("user", role == Role.ADMIN ? "erin" : "dave").apply(role), changeInTeam(Role.OWNER, 303))));
        cases.put("ui-ns-immutable POST", List.of(new Case("POST", at("/ns/team/immutable"), form("pattern", "frozen-*"),
                changeInTeam(Role.OWNER, 303))));
        cases.put("ui-ns-immutable-remove POST", List.of(new Case("POST", at("/ns/team/immutable/remove"),
                form("pattern", "frozen-*"), changeInTeam(Role.ADMIN, 303))));
        cases.put("ui-ns-quota POST", List.of(new Case("POST", at("/ns/team/quota"), form("quota", "1GiB"),
                changeInTeam(Role.ADMIN, 303))));
        cases.put("ui-ns-retention POST", List.of(
                new Case("POST", at("/ns/team/retention"), form("op", "preview", "pattern", "build-*", "keepLast", "2"),
                        changeInTeam(Role.OWNER, 200)),
                new Case("POST", at("/ns/team/retention"), form("op", "save", "pattern", "build-*", "keepLast", "2"),
                        changeInTeam(Role.OWNER, 303))));
        cases.put("ui-ns-retention-remove POST", List.of(new Case("POST", at("/ns/team/retention/remove"),
                role -> form("id", retentionRule(role == Role.ADMIN ? "rm-admin" : "rm-owner")).apply(role),
                changeInTeam(Role.OWNER, 303))));
        cases.put("ui-ns-retention-run POST", List.of(
                new Case("POST", at("/ns/team/retention/run"), form("dryRun", "true"), changeInTeam(Role.OWNER, 200)),
                new Case("POST", at("/ns/team/retention/run"), form(), changeInTeam(Role.OWNER, 200))));
        // Pull on the source and push on the target: a reader may not, a writer may.
        cases.put("ui-tag-promote POST", List.of(new Case("POST", at(tag + "/promote"),
                role -> form("targetRepository", "team/app", "targetTag", "promoted-" + name(role)).apply(role),
                repository(Role.WRITER, 303))));
        cases.put("ui-admin GET", List.of(new Case("GET", at("/admin"), null, adminOnly(200))));
        cases.put("ui-admin-users GET", List.of(new Case("GET", at("/admin/users"), null, adminOnly(200))));
        cases.put("ui-admin-users POST", List.of(new Case("POST", at("/admin/users"),
                role -> form("name", "made-by-" + name(role), "password", "a-long-password").apply(role),
                adminOnly(200))));
        cases.put("ui-admin-user-password POST", List.of(new Case("POST", at("/admin/users/frank/password"),
                form("password", "frank-password"), adminOnly(200))));
        cases.put("ui-admin-user-disabled POST", List.of(new Case("POST", at("/admin/users/frank/disabled"),
                form("disabled", "true"), adminOnly(200))));
        cases.put("ui-admin-tokens GET", List.of(new Case("GET", at("/admin/tokens"), null, loggedIn(200))));
        cases.put("ui-admin-tokens POST", List.of(new Case("POST", at("/admin/tokens"),
                role -> form("name", "t-" + name(role), "namespace", "team", "repositories", "team/*", "pull", "on")
                        .apply(role), role -> role.ordinal() >= Role.OWNER.ordinal() ? 303 : 403)));
        // Without the cookie the creating POST sets (a reload after it was shown), the list of tokens again.
        cases.put("ui-admin-token-created GET", List.of(new Case("GET", at("/admin/tokens/created"), null,
                loggedIn(303))));
        cases.put("ui-admin-token-revoke POST", List.of(new Case("POST",
                role -> "/admin/tokens/" + token(role == Role.ADMIN ? "ci-admin" : "ci-owner") + "/revoke", null,
                role -> role.ordinal() >= Role.OWNER.ordinal() ? 303 : 403)));
        cases.put("ui-admin-audit GET", List.of(new Case("GET", at("/admin/audit"), null, adminOnly(200)),
                new Case("GET", at("/admin/audit?actor=alice&action=namespace.grant"), null, adminOnly(200))));
        cases.put("ui-admin-gc GET", List.of(new Case("GET", at("/admin/gc"), null, adminOnly(200))));
        cases.put("ui-admin-gc POST", List.of(new Case("POST", at("/admin/gc"), form("dryRun", "true"), adminOnly(200)),
                new Case("POST", at("/admin/gc"), form(), adminOnly(200))));
        cases.putAll(browsingDeletes());
        cases.put("ui-logout POST", List.of(new Case("POST", at("/logout"), form(), all(303))));
        return cases;
    }

    /** The manifest and repository deletes of the browsing pages. */
    private static Map<String, List<Case>> browsingDeletes() {
        Map<String, List<Case>> cases = new LinkedHashMap<>();
        Function<Role, String> who = role -> role == Role.ADMIN ? "admin" : "owner";
        cases.put("ui-repository-delete GET", List.of(new Case("GET", at("/r/team/app/-/delete"), null,
                repository(Role.OWNER, 200))));
        cases.put("ui-repository-delete POST", List.of(new Case("POST", role -> "/r/team/gone-" + who.apply(role)
                + "/-/delete", role -> form("name", "team/gone-" + who.apply(role)).apply(role),
                repository(Role.OWNER, 303))));
        cases.put("ui-manifest-delete GET", List.of(new Case("GET", role -> "/r/team/app/-/" + first + "/delete", null,
                repository(Role.OWNER, 200))));
        cases.put("ui-manifest-delete POST", List.of(new Case("POST",
                role -> "/r/team/app/-/" + digestOf("team/app", "mdel-" + who.apply(role)) + "/delete", null,
                repository(Role.OWNER, 303))));
        return cases;
    }

    /** The routes WebUi installs, by name and method. */
    private static Set<String> installedRoutes() {
        WebUi ui = new WebUi(null, null, Permissions.OPEN, Optional.empty(), null, Duration.ofHours(1),
                Clock.systemUTC()).manage(null, null);
        return ui.routes().stream().map(route -> route.name() + " " + route.method().name())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void everyRouteOfTheUiHasCasesInTheWalk() {
        assertThat(new TreeSet<>(cases().keySet())).isEqualTo(installedRoutes());
    }

    @Test
    void everyRouteAnswersEachRoleAsTheApiWould() {
        List<String> wrong = new ArrayList<>();
        for (Role role : Role.values()) {
            RegistryApiClient client = session(role);
            String csrf = csrf(client);
            for (var entry : cases().entrySet()) {
                for (Case c : entry.getValue()) {
                    String path = c.path().apply(role);
                    Response response;
                    if (c.method().equals("GET")) {
                        response = client.get(path);
                    } else {
                        Map<String, String> form = c.form() == null ? new LinkedHashMap<>() : c.form().apply(role);
                        form.putIfAbsent("csrf", csrf);
                        response = client.post(path, encode(form).getBytes(StandardCharsets.UTF_8),
                                "Content-Type", "application/x-www-form-urlencoded");
                    }
                    int expected = c.expected().apply(role);
                    if (response.status() != expected) {
                        wrong.add(role + " " + c.method() + " " + path + ": " + response.status() + ", expected "
                                + expected + " (" + entry.getKey() + ")");
                    }
                    if (response.status() >= 200 && response.status() < 300) {
                        assertThat(response.header("Content-Type")).as(path).startsWith("text/");
                    }
                }
            }
        }
        assertThat(wrong).isEmpty();
        // The changes the owner and the admin made are the API's: same state, same audit entries.
        // dave: granted and removed by the owner, granted again by the admin; erin: removed by the admin.
        assertThat(admin.get("/api/v1/namespaces/team/members").json().findValuesAsText("user"))
                .contains("dave").doesNotContain("erin");
        assertThat(admin.get("/api/v1/namespaces/team/immutable").text()).doesNotContain("frozen-*");
        assertThat(admin.get("/api/v1/audit?n=1000").text()).contains("tag.promote", "quota.set", "immutable.add",
                "immutable.remove", "retention.add", "retention.remove", "retention.run", "gc.run", "tag.rollback",
                "user.disable", "token.revoke");
    }

    @Test
    void aFormWithoutTheSessionsCsrfTokenOrFromAnotherSiteChangesNothing() {
        RegistryApiClient owner = session(Role.OWNER);
        String csrf = csrf(owner);
        byte[] wrongToken = encode(Map.of("pattern", "csrf-*", "csrf", "not-the-token")).getBytes(StandardCharsets.UTF_8);
        assertThat(owner.post("/ns/team/immutable", wrongToken, "Content-Type", "application/x-www-form-urlencoded")
                .status()).isEqualTo(403);
        byte[] rightToken = encode(Map.of("pattern", "csrf-*", "csrf", csrf)).getBytes(StandardCharsets.UTF_8);
        assertThat(owner.post("/ns/team/immutable", rightToken, "Content-Type", "application/x-www-form-urlencoded",
                "Origin", "http://elsewhere.example").status()).isEqualTo(403);
        assertThat(admin.get("/api/v1/namespaces/team/immutable").text()).doesNotContain("csrf-*");
        // The same form, from this site with the token, is taken.
        assertThat(owner.post("/ns/team/immutable", rightToken, "Content-Type", "application/x-www-form-urlencoded")
                .status()).isEqualTo(303);
        assertThat(admin.get("/api/v1/namespaces/team/immutable").text()).contains("csrf-*");
        assertThat(admin.delete("/api/v1/namespaces/team/immutable?pattern=csrf-*").status()).isEqualTo(204);
    }

    /**
     * With access control off the management API lets everyone do everything and has no accounts: the UI's
     * namespace settings and garbage collection are open to anonymous visitors, and users, tokens, the audit log and
     * members are not found, as their API routes are not installed then.
     */
    @Test
    void withAccessControlOffEveryoneManagesAndThereAreNoAccounts() {
        try (BerthServer open = BerthServer.start()) {
            RegistryApiClient client = new RegistryApiClient(open.hostPort());
            assertThat(client.pushImage("free/app", "v1", List.of("{}".getBytes(StandardCharsets.UTF_8),
                    new byte[] {1, 2, 3})).status()).isEqualTo(201);
            Matcher matcher = CSRF.matcher(client.get("/ns/free").text());
            assertThat(matcher.find()).isTrue();
            String csrf = matcher.group(1);
            Map<String, Integer> gets = new LinkedHashMap<>();
            gets.put("/ns", 200);
            gets.put("/ns/free", 200);
            gets.put("/ns/not-pushed-yet", 200);
            gets.put("/ns/Not_A_Name", 404);
            gets.put("/admin", 200);
            gets.put("/admin/gc", 200);
            gets.put("/admin/users", 404);
            gets.put("/admin/tokens", 404);
            gets.put("/admin/audit", 404);
            List<String> wrong = new ArrayList<>();
            gets.forEach((path, status) -> {
                int got = client.get(path).status();
                if (got != status) {
                    wrong.add("GET " + path + ": " + got + ", expected " + status);
                }
            });
            Map<String, Integer> posts = new LinkedHashMap<>();
            posts.put("/ns/free/immutable?pattern=v*", 303);
            posts.put("/ns/free/quota?quota=1GiB", 303);
            posts.put("/ns/free/retention/run?dryRun=true", 200);
            posts.put("/ns/free/members?user=x&role=reader", 404);
            posts.put("/ns/free/public?public=true", 404);
            posts.put("/ns?name=made", 404);
            posts.put("/r/free/app/-/tags/v1/promote?targetTag=prod", 303);
            posts.put("/admin/gc?dryRun=true", 200);
            posts.put("/admin/users?name=x&password=a-long-password", 404);
            posts.put("/admin/tokens?name=x", 404);
            posts.forEach((target, status) -> {
                String path = target.substring(0, target.indexOf('?'));
                String form = target.substring(target.indexOf('?') + 1) + "&csrf=" + URLEncoder.encode(csrf,
                        StandardCharsets.UTF_8);
                int got = client.post(path, form.getBytes(StandardCharsets.UTF_8), "Content-Type",
                        "application/x-www-form-urlencoded").status();
                if (got != status) {
                    wrong.add("POST " + target + ": " + got + ", expected " + status);
                }
            });
            assertThat(wrong).isEmpty();
            assertThat(client.get("/api/v1/namespaces/free/immutable").text()).contains("v*");
            assertThat(client.get("/v2/free/app/tags/list").text()).contains("prod");
        }
    }

    /** A client holding the role's session cookie (none for anonymous), logged in through the login form. */
    private static RegistryApiClient session(Role role) {
        if (role == Role.ANONYMOUS) {
            return anonymous;
        }
        String user = USERS.get(role);
        String password = role == Role.ADMIN ? ADMIN_PASSWORD : user + "-password";
        Response login = anonymous.post("/login", encode(Map.of("username", user, "password", password))
                .getBytes(StandardCharsets.UTF_8), "Content-Type", "application/x-www-form-urlencoded");
        assertThat(login.status()).as(login.text()).isEqualTo(303);
        String cookie = login.header("Set-Cookie").split(";", 2)[0];
        return anonymous.withHeader("Cookie", cookie);
    }

    /** The CSRF token of the visitor's forms (the logout form of every page); anonymous visitors have none to read. */
    private static String csrf(RegistryApiClient client) {
        Matcher matcher = CSRF.matcher(client.get("/ns").text());
        return matcher.find() ? matcher.group(1) : "none";
    }

    private static String encode(Map<String, String> form) {
        return form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }
}
