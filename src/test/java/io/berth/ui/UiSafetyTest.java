package io.berth.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The UI's changes that must not surprise: a retention run removes only what its dry run showed, the last admin
 * cannot lock everyone out, and every change is audited as the UI's. Plain HTTP with the login form's session cookie
 * against the real server with access control on.
 */
@Timeout(180)
class UiSafetyTest {
    private static final String ADMIN_PASSWORD = "admin-password-1";
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
    private static final Pattern SHOWN = Pattern.compile("name=\"shown\" value=\"([^\"]*)\"");

    private static BerthServer server;
    private static RegistryApiClient admin;
    private static RegistryApiClient anonymous;

    @BeforeAll
    static void start() {
        server = BerthServer.with().auth(ADMIN_PASSWORD).start();
        admin = server.admin();
        anonymous = new RegistryApiClient(server.hostPort());
        admin.json("POST", "/api/v1/users", "{\"name\":\"alice\",\"password\":\"alice-password\"}");
        admin.json("POST", "/api/v1/namespaces", "{\"name\":\"team\",\"owner\":\"alice\"}");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void retentionRunRemovesOnlyWhatTheDryRunShowed() {
        RegistryApiClient alice = session("alice", "alice-password");
        String csrf = csrf(alice);
        admin.json("POST", "/api/v1/namespaces", "{\"name\":\"ret\",\"owner\":\"alice\"}");
        admin.json("POST", "/api/v1/namespaces/ret/retention", "{\"pattern\":\"*\",\"keepLast\":1}");
        UiImages.push(admin, "ret/app", "v1", 101);
        UiImages.push(admin, "ret/app", "v2", 102);
        Response dry = post(alice, "/ns/ret/retention/run", "csrf", csrf, "dryRun", "true");
        assertThat(dry.status()).isEqualTo(200);
        assertThat(dry.text()).contains("Dry run: 1 tags would be removed");
        Matcher shown = SHOWN.matcher(dry.text());
        assertThat(shown.find()).as(dry.text()).isTrue();
        String list = shown.group(1).replace("&#10;", "\n").replace("&#xa;", "\n");
        assertThat(list).contains("ret/app:v1@sha256:").doesNotContain("v2");
        // A push after the dry run: the rules would now remove v2 as well, but the run was shown only v1.
        UiImages.push(admin, "ret/app", "v3", 103);
        Response run = post(alice, "/ns/ret/retention/run", "csrf", csrf, "shown", list);
        assertThat(run.status()).isEqualTo(200);
        assertThat(run.text()).contains("Retention removed 1 tags");
        String tags = admin.get("/v2/ret/app/tags/list").text();
        assertThat(tags).doesNotContain("\"v1\"").contains("\"v2\"", "\"v3\"");
        // A listed tag that was pushed again since (another digest) stays, and the run says so.
        String v2Line = "ret/app:v2@" + digestOf("ret/app", "v2");
        UiImages.push(admin, "ret/app", "v2", 104);
        UiImages.push(admin, "ret/app", "v4", 105);
        Response moved = post(alice, "/ns/ret/retention/run", "csrf", csrf, "shown", v2Line);
        assertThat(moved.text()).contains("Retention removed 0 tags", "Kept 1 tags of the dry run", "since the dry run");
        assertThat(admin.get("/v2/ret/app/tags/list").text()).contains("\"v2\"");
        // A run posted with nothing listed removes nothing.
        assertThat(post(alice, "/ns/ret/retention/run", "csrf", csrf).text()).contains("Retention removed 0 tags");
        assertThat(admin.get("/v2/ret/app/tags/list").text()).contains("\"v2\"", "\"v3\"", "\"v4\"");
        assertThat(admin.get("/api/v1/audit?action=retention.run").text()).contains("1 tags removed");
    }

    @Test
    void nobodyDisablesThemselvesOrTheLastEnabledAdmin() {
        RegistryApiClient ui = session("admin", ADMIN_PASSWORD);
        Response self = post(ui, "/admin/users/admin/disabled", "csrf", csrf(ui), "disabled", "true");
        assertThat(self.status()).isEqualTo(409);
        assertThat(self.text()).contains("your own account");
        Response api = disable(admin, "admin", true);
        assertThat(api.status()).isEqualTo(409);
        // With a second admin, the first may be disabled by it...
        admin.json("POST", "/api/v1/users", "{\"name\":\"root2\",\"password\":\"root2-password\",\"admin\":true}");
        RegistryApiClient root2 = anonymous.as("root2", "root2-password");
        assertThat(disable(root2, "admin", true).status()).isEqualTo(204);
        // ...and then root2, the last enabled admin, is refused by both checks.
        assertThat(admin.get("/api/v1/users").status()).isEqualTo(401);
        Response last = disable(root2, "root2", true);
        assertThat(last.status()).isEqualTo(409);
        assertThat(last.text()).contains("own account");
        assertThat(disable(root2, "admin", false).status()).isEqualTo(204);
        assertThat(admin.get("/api/v1/users").status()).isEqualTo(200);
        // With two enabled admins, one may disable the other.
        assertThat(disable(admin, "root2", true).status()).isEqualTo(204);
    }

    private static Response disable(RegistryApiClient client, String user, boolean disabled) {
        return client.put("/api/v1/users/" + user + "/disabled", ("{\"disabled\":" + disabled + "}")
                .getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
    }

    @Test
    void pullCommandsNeverSilentlyNameDockerHub() throws Exception {
        String digest = UiImages.push(admin, "team/pull", "v1", 201);
        RegistryApiClient ui = session("admin", ADMIN_PASSWORD);
        String path = "/r/team/pull/-/" + digest;
        // The Host the test's client sends (127.0.0.1:port) is a registry host docker recognises: no warning.
        String plain = ui.get(path).text();
        assertThat(plain).contains("docker pull " + server.hostPort() + "/team/pull:v1").doesNotContain("pull-warning");
        String login = loginCookie("admin", ADMIN_PASSWORD);
        // A Host docker reads as a Docker Hub namespace: the command comes with a warning naming ui.registryHost.
        String berth = raw(path, "Host: berth", login);
        assertThat(berth).contains("docker pull berth/team/pull:v1", "id=\"pull-warning\"", "ui.registryHost");
        // X-Forwarded-Host is not trusted: the Host is used.
        String forwarded = raw(path, "Host: 127.0.0.1\r\nX-Forwarded-Host: evil.example.com", login);
        assertThat(forwarded).contains("docker pull 127.0.0.1/team/pull:v1").doesNotContain("evil.example.com");
        // No usable Host: a visible placeholder and a warning, never "docker pull team/pull".
        String invalid = raw(path, "Host: bad_host!", login);
        assertThat(invalid).doesNotContain("docker pull team/pull").contains("&lt;registry-host&gt;/team/pull",
                "id=\"pull-warning\"");
        // ui.registryHost is used whatever the Host.
        try (BerthServer configured = BerthServer.with().config("ui:\n  registryHost: registry.example.com:443")
                .start()) {
            RegistryApiClient client = new RegistryApiClient(configured.hostPort());
            String pushed = UiImages.push(client, "free/app", "v1", 202);
            assertThat(client.get("/r/free/app/-/" + pushed).text())
                    .contains("docker pull registry.example.com:443/free/app:v1").doesNotContain("pull-warning");
        }
    }

    private static String loginCookie(String user, String password) {
        Response login = post(anonymous, "/login", "username", user, "password", password);
        return login.header("Set-Cookie").split(";", 2)[0];
    }

    /** A GET with headers the JDK's client will not send (Host), over a plain socket; the whole answer as text. */
    private static String raw(String path, String headers, String cookie) throws java.io.IOException {
        String[] hostPort = server.hostPort().split(":");
        try (java.net.Socket socket = new java.net.Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\n" + headers + "\r\nCookie: " + cookie
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void everyChangeMadeInTheUiIsAuditedAsTheUis() {
        RegistryApiClient ui = session("admin", ADMIN_PASSWORD);
        String csrf = csrf(ui);
        assertThat(post(ui, "/admin/users", "csrf", csrf, "name", "audited", "password", "audited-password").status())
                .isLessThan(400);
        assertThat(post(ui, "/admin/users/audited/password", "csrf", csrf, "password", "another-password").status())
                .isLessThan(400);
        assertThat(post(ui, "/admin/users/audited/disabled", "csrf", csrf, "disabled", "true").status()).isLessThan(400);
        assertThat(post(ui, "/ns", "csrf", csrf, "name", "auditns", "owner", "alice").status()).isEqualTo(303);
        admin.json("POST", "/api/v1/users", "{\"name\":\"carl\",\"password\":\"carl-password\"}");
        assertThat(post(ui, "/ns/auditns/members", "csrf", csrf, "user", "carl", "role", "reader").status())
                .isEqualTo(303);
        assertThat(post(ui, "/ns/auditns/public", "csrf", csrf, "public", "true").status()).isEqualTo(303);
        assertThat(post(ui, "/admin/tokens", "csrf", csrf, "name", "ci", "namespace", "auditns", "repositories",
                "auditns/*", "pull", "on", "expiresIn", "").status()).isLessThan(400);
        String tokenId = null;
        for (var token : admin.get("/api/v1/tokens").json()) {
            if (token.get("name").asText().equals("ci")) {
                tokenId = token.get("id").asText();
            }
        }
        assertThat(tokenId).isNotNull();
        assertThat(post(ui, "/admin/tokens/" + tokenId + "/revoke", "csrf", csrf).status()).isLessThan(400);
        Map<String, String> details = new LinkedHashMap<>();
        for (var entry : admin.get("/api/v1/audit?n=1000").json()) {
            String target = entry.path("target").asText();
            if (target.startsWith("audited") || target.startsWith("auditns") || target.equals(tokenId)) {
                details.putIfAbsent(entry.get("action").asText(), entry.path("detail").asText());
            }
        }
        assertThat(details).containsKeys("user.create", "user.password", "user.disable", "namespace.create",
                "namespace.grant", "namespace.publish", "token.create", "token.revoke");
        assertThat(details).allSatisfy((action, detail) -> assertThat(detail).as(action).endsWith("(web UI)")
                .doesNotContain("null"));
    }

    @Test
    void smallerUiFixes() {
        RegistryApiClient ui = session("admin", ADMIN_PASSWORD);
        String csrf = csrf(ui);
        assertThat(anonymous.get("/favicon.ico").status()).isEqualTo(204);
        UiImages.push(admin, "team/small", "v1", 301);
        Response noFrom = post(ui, "/r/team/small/-/tags/v1/delete", "csrf", csrf);
        assertThat(noFrom.status()).isEqualTo(400);
        assertThat(noFrom.text()).contains("Missing field").doesNotContain("null");
        Response lastOwner = post(ui, "/ns/team/members/remove", "csrf", csrf, "user", "alice");
        assertThat(lastOwner.status()).isEqualTo(409);
        assertThat(lastOwner.text()).contains("alice is the last owner").doesNotContain("Alice");
        assertThat(post(ui, "/ns/team/retention", "csrf", csrf, "pattern", "tmp-*", "keepLast", "2", "op", "save")
                .status()).isEqualTo(303);
        assertThat(admin.get("/api/v1/audit?action=retention.add").text()).contains("keepLast 2")
                .doesNotContain("maxAgeDays null");
        UiImages.push(admin, "team/small", "v2", 302);
        assertThat(ui.get("/r/team/small/-/delete").text()).contains("2 tags and 2 manifests");
        admin.json("POST", "/api/v1/namespaces/team/immutable", "{\"pattern\":\"imm-*\"}");
        UiImages.push(admin, "team/small", "imm-1", 303);
        assertThat(ui.get("/r/team/small/-/tags/imm-1").text()).contains("id=\"immutable\"", "imm-*");
        assertThat(ui.get("/r/team/small/-/tags/imm-1/delete").text()).contains("id=\"warn-immutable\"");
        assertThat(ui.get("/r/team/small/-/tags/v1").text()).doesNotContain("id=\"immutable\"");
        for (String bad : new String[] {"/r/DEMO/App", "/r/demo//app", "/r/team/small/-/tags/-bad"}) {
            Response page = ui.get(bad);
            assertThat(page.status()).as(bad).isEqualTo(400);
            assertThat(page.header("Content-Type")).as(bad).startsWith("text/html");
            assertThat(page.text()).as(bad).contains("invalid").doesNotContain("\"errors\"");
        }
    }

    static String digestOf(String repository, String tag) {
        return admin.get("/v2/" + repository + "/manifests/" + tag, "Accept", RegistryApiClient.ACCEPT_ANY_MANIFEST)
                .header("Docker-Content-Digest");
    }

    static Response post(RegistryApiClient client, String path, String... pairs) {
        Map<String, String> form = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            form.put(pairs[i], pairs[i + 1]);
        }
        return client.post(path, encode(form).getBytes(StandardCharsets.UTF_8), "Content-Type",
                "application/x-www-form-urlencoded");
    }

    static RegistryApiClient session(String user, String password) {
        Response login = post(anonymous, "/login", "username", user, "password", password);
        assertThat(login.status()).as(login.text()).isEqualTo(303);
        return anonymous.withHeader("Cookie", login.header("Set-Cookie").split(";", 2)[0]);
    }

    static String csrf(RegistryApiClient client) {
        Matcher matcher = CSRF.matcher(client.get("/ns").text());
        assertThat(matcher.find()).isTrue();
        return matcher.group(1);
    }

    static String encode(Map<String, String> form) {
        return form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }
}
