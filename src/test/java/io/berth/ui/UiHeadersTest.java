package io.berth.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The UI's headers on the real server, over plain HTTP and over TLS: every page and asset carries a
 * Content-Security-Policy without 'unsafe-inline', the login's session cookie is HttpOnly and SameSite=Strict (and
 * Secure under TLS), logging out ends the session, a wrong password sets no cookie, and ui.enabled=false serves no UI.
 */
@Timeout(180)
class UiHeadersTest {
    private static final String ADMIN_PASSWORD = "admin-password-1";

    private static Response login(RegistryApiClient client, String user, String password) {
        String form = "username=" + user + "&password=" + password + "&next=%2F";
        return client.send("POST", "/login", form.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/x-www-form-urlencoded");
    }

    private static void assertPolicy(Response page) {
        String csp = page.header("Content-Security-Policy");
        assertThat(csp).as(page.url()).contains("script-src 'self'").contains("style-src 'self'")
                .contains("frame-ancestors 'none'").doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
        assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
    }

    @Test
    void pagesAndAssetsCarryThePolicyAndTheSessionCookieIsHttpOnlyAndStrict() {
        try (BerthServer server = BerthServer.with().auth(ADMIN_PASSWORD).start()) {
            RegistryApiClient anonymous = new RegistryApiClient(server.hostPort());
            for (String path : List.of("/", "/login", "/static/style.css", "/static/ui.js", "/static/htmx.min.js",
                    "/no/such/page")) {
                Response page = anonymous.get(path);
                assertThat(page.status()).as(path).isEqualTo(path.startsWith("/no/") ? 404 : 200);
                assertPolicy(page);
            }
            assertThat(anonymous.get("/static/htmx.min.js").text()).contains("htmx");
            assertThat(anonymous.get("/").header("Content-Type")).startsWith("text/html");
            // The registry's own paths stay the registry's: no HTML page answers them.
            assertThat(anonymous.get("/v2/no/such/thing").header("Content-Type")).isEqualTo("application/json");

            Response wrong = login(anonymous, "admin", "not-the-password");
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.header("Set-Cookie")).isNull();

            Response ok = login(anonymous, "admin", ADMIN_PASSWORD);
            assertThat(ok.status()).isEqualTo(303);
            assertPolicy(ok);
            String cookie = ok.header("Set-Cookie");
            assertThat(cookie).startsWith(WebUi.COOKIE + "=").contains("HttpOnly").contains("SameSite=Strict")
                    .contains("Path=/").contains("Max-Age=28800").doesNotContain("Secure");
            String session = cookie.substring(0, cookie.indexOf(';'));
            Response home = anonymous.get("/", "Cookie", session);
            assertThat(home.text()).contains("id=\"user\">admin<");
            String csrf = home.text().replaceFirst("(?s).*name=\"csrf\" value=\"([^\"]+)\".*", "$1");

            // Logging out without the session's CSRF token is refused; with it, the session ends.
            Response forged = anonymous.send("POST", "/logout", "csrf=forged".getBytes(StandardCharsets.UTF_8),
                    "Content-Type", "application/x-www-form-urlencoded", "Cookie", session);
            assertThat(forged.status()).isEqualTo(403);
            assertThat(anonymous.get("/", "Cookie", session).text()).contains("id=\"user\">admin<");
            Response out = anonymous.send("POST", "/logout", ("csrf=" + csrf).getBytes(StandardCharsets.UTF_8),
                    "Content-Type", "application/x-www-form-urlencoded", "Cookie", session);
            assertThat(out.status()).isEqualTo(303);
            assertThat(out.header("Set-Cookie")).contains("Max-Age=0");
            assertThat(anonymous.get("/", "Cookie", session).text()).doesNotContain("id=\"user\"")
                    .contains("id=\"login-link\"");

            // A form posted from another site is refused.
            Response crossSite = anonymous.send("POST", "/login",
                    ("username=admin&password=" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8),
                    "Content-Type", "application/x-www-form-urlencoded", "Origin", "http://evil.example");
            assertThat(crossSite.status()).isEqualTo(403);
            assertThat(crossSite.header("Set-Cookie")).isNull();
        }
    }

    @Test
    void underTlsTheSessionCookieIsSecure() {
        try (BerthServer server = BerthServer.with().auth(ADMIN_PASSWORD).tls().start()) {
            RegistryApiClient client = new RegistryApiClient(server.baseUri(), server.tls());
            Response ok = login(client, "admin", ADMIN_PASSWORD);
            assertThat(ok.status()).isEqualTo(303);
            assertThat(ok.header("Set-Cookie")).contains("HttpOnly").contains("SameSite=Strict").contains("; Secure");
            assertPolicy(client.get("/"));
        }
    }

    @Test
    void uiEnabledFalseServesNoUi() {
        try (BerthServer server = BerthServer.with().config("ui:\n  enabled: false").start()) {
            RegistryApiClient client = new RegistryApiClient(server.hostPort());
            assertThat(client.get("/").status()).isEqualTo(404);
            assertThat(client.get("/").header("Content-Type")).isEqualTo("application/json");
            assertThat(client.get("/v2/").status()).isEqualTo(200);
        }
    }
}
