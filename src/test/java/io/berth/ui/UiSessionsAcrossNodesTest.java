package io.berth.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.scaleout.SharedStores;
import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two real Berth nodes on one PostgreSQL and one S3 bucket, as behind a load balancer: a web UI session opened on one
 * node is the same session on the other (pages, CSRF-protected forms, logout), and a disabled user's session ends on
 * both.
 */
class UiSessionsAcrossNodesTest {
    private static final String ADMIN_PASSWORD = "admin-password-1";
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aSessionOpenedOnOneNodeWorksEndsAndDiesOnTheOther() throws Exception {
        try (SharedStores stores = SharedStores.start()) {
            Path config = stores.writeConfig(BerthServer.newDataDir().resolveSibling("berth.yaml"),
                    "gc: {enabled: false}\nauth:\n  enabled: true\n  adminPassword: \"" + ADMIN_PASSWORD + "\"\n");
            try (BerthServer a = start(config); BerthServer b = start(config)) {
                RegistryApiClient onA = new RegistryApiClient(a.hostPort());
                RegistryApiClient onB = new RegistryApiClient(b.hostPort());

                // Logged in on A, the admin's session is known on B: its pages and a CSRF-protected form.
                String adminCookie = login(onA, "admin", ADMIN_PASSWORD);
                RegistryApiClient adminOnA = onA.withHeader("Cookie", adminCookie);
                RegistryApiClient adminOnB = onB.withHeader("Cookie", adminCookie);
                assertThat(adminOnB.get("/admin/users").status()).isEqualTo(200);
                String csrf = csrf(adminOnB);
                assertThat(csrf).isEqualTo(csrf(adminOnA));
                Response created = post(adminOnB, "/admin/users", Map.of("csrf", csrf, "name", "dora",
                        "password", "dora-password-1"));
                assertThat(created.status()).as(created.text()).isIn(200, 303);
                assertThat(onA.as("admin", ADMIN_PASSWORD).get("/api/v1/users").text()).contains("dora");
                // The form without the session's token changes nothing, on either node.
                assertThat(post(adminOnA, "/admin/users", Map.of("csrf", "forged", "name", "eve",
                        "password", "eve-password-1")).status()).isEqualTo(403);
                assertThat(onA.as("admin", ADMIN_PASSWORD).get("/api/v1/users").text()).doesNotContain("\"eve\"");

                // A second session of the same user survives the first one's logout.
                String otherCookie = login(onB, "admin", ADMIN_PASSWORD);
                // Logged out on B: refused on A at once.
                assertThat(post(adminOnB, "/logout", Map.of("csrf", csrf)).status()).isEqualTo(303);
                assertThat(adminOnA.get("/admin/users").status()).isEqualTo(403);
                assertThat(adminOnB.get("/admin/users").status()).isEqualTo(403);
                assertThat(onA.withHeader("Cookie", otherCookie).get("/admin/users").status()).isEqualTo(200);

                // Dora's session, opened on B, dies on both nodes when the admin disables her on A.
                String doraCookie = login(onB, "dora", "dora-password-1");
                assertThat(onA.withHeader("Cookie", doraCookie).get("/admin/tokens").status()).isEqualTo(200);
                assertThat(onA.as("admin", ADMIN_PASSWORD).json("PUT", "/api/v1/users/dora/disabled",
                        "{\"disabled\":true}").status()).isEqualTo(204);
                for (RegistryApiClient node : List.of(onA, onB)) {
                    Response page = node.withHeader("Cookie", doraCookie).get("/admin/tokens");
                    assertThat(page.status()).isNotEqualTo(200);
                    assertThat(page.text()).doesNotContain("dora");
                }
                // Enabled again, the old session stays dead (disabling revoked it): she logs in anew.
                assertThat(onA.as("admin", ADMIN_PASSWORD).json("PUT", "/api/v1/users/dora/disabled",
                        "{\"disabled\":false}").status()).isEqualTo(204);
                assertThat(onB.withHeader("Cookie", doraCookie).get("/admin/tokens").status()).isNotEqualTo(200);
                assertThat(onA.withHeader("Cookie", login(onA, "dora", "dora-password-1")).get("/admin/tokens")
                        .status()).isEqualTo(200);
            }
        }
    }

    private static BerthServer start(Path config) {
        return BerthServer.start(BerthServer.newDataDir(), List.of("--config", config.toString()),
                Map.of("JAVA_TOOL_OPTIONS", SharedStores.NODE_ENV.get("JAVA_TOOL_OPTIONS"),
                        "BERTH_ADMIN_PASSWORD", ADMIN_PASSWORD));
    }

    /** The session cookie ("name=value") the login form sets. */
    private static String login(RegistryApiClient node, String user, String password) {
        Response login = post(node, "/login", Map.of("username", user, "password", password));
        assertThat(login.status()).as(login.text()).isEqualTo(303);
        return login.header("Set-Cookie").split(";", 2)[0];
    }

    private static Response post(RegistryApiClient client, String path, Map<String, String> form) {
        String body = new LinkedHashMap<>(form).entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return client.post(path, body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/x-www-form-urlencoded");
    }

    /** The CSRF token of the session's forms (every page's logout form carries it). */
    private static String csrf(RegistryApiClient client) {
        Matcher matcher = CSRF.matcher(client.get("/ns").text());
        assertThat(matcher.find()).isTrue();
        return matcher.group(1);
    }
}
