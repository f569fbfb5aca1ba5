package io.berth.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Tag history, rollback and delete through the UI in headless Chromium against the real server with access
 * control on: the confirmation shows from → to, the rollback moves the tag (the registry API then serves the
 * earlier digest), a delete removes the tag, a reader is offered neither and is refused both, an immutable tag is
 * refused as by the API, and a form without the session's CSRF token changes nothing.
 */
@Tag("clients")
@Timeout(240)
class UiTagChangeBrowserTest {
    private static final String ADMIN_PASSWORD = "admin-password-1";

    private static BerthServer server;
    private static RegistryApiClient admin;
    private static Chromium browser;

    @BeforeAll
    static void start() {
        server = BerthServer.with().auth(ADMIN_PASSWORD).start();
        admin = server.admin();
        for (String user : List.of("alice", "bob")) {
            admin.json("POST", "/api/v1/users", "{\"name\":\"" + user + "\",\"password\":\"" + user + "-password\"}");
        }
        admin.json("POST", "/api/v1/namespaces", "{\"name\":\"team\",\"owner\":\"alice\"}");
        admin.json("PUT", "/api/v1/namespaces/team/members/bob", "{\"role\":\"reader\"}");
        admin.json("POST", "/api/v1/namespaces/team/immutable", "{\"pattern\":\"release-*\"}");
        browser = new Chromium("http://" + server.hostPort());
    }

    @AfterAll
    static void stop() throws Exception {
        Chromium.closeBoth(browser, server);
    }

    private static String push(String repository, String tag, int seed) {
        byte[] layer = new byte[1024];
        new Random(seed).nextBytes(layer);
        Response pushed = admin.pushImage(repository, tag,
                List.of(("{\"seed\":" + seed + "}").getBytes(StandardCharsets.UTF_8), layer));
        assertThat(pushed.status()).as(pushed.text()).isEqualTo(201);
        return pushed.header("Docker-Content-Digest");
    }

    private static String digestOf(String repository, String tag) {
        Response manifest = admin.get("/v2/" + repository + "/manifests/" + tag,
                "Accept", RegistryApiClient.ACCEPT_ANY_MANIFEST);
        return manifest.status() == 200 ? manifest.header("Docker-Content-Digest") : null;
    }

    @Test
    void aMaintainerRollsATagBackAfterConfirmingFromAndTo() {
        String first = push("team/app", "latest", 1);
        String second = push("team/app", "latest", 2);
        browser.logIn("alice", "alice-password");
        browser.open("/r/team/app");
        browser.find("a.history").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("history")));
        assertThat(browser.find("#current").getText()).isEqualTo(second);
        assertThat(browser.all("tr.move")).hasSize(2);
        browser.find("a.rollback").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("confirm")));
        assertThat(browser.find("#from").getText()).isEqualTo(second);
        assertThat(browser.find("#to").getText()).isEqualTo(first);
        browser.find("#confirm").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("history")));
        assertThat(browser.find("#current").getText()).isEqualTo(first);
        // A pull of the tag now gets the earlier image, and the move is in the history as the API records it.
        assertThat(digestOf("team/app", "latest")).isEqualTo(first);
        assertThat(admin.get("/api/v1/repositories/team/app/tags/latest/history").json().get(0).get("operation")
                .asText()).isEqualTo("rollback");
        assertThat(admin.get("/api/v1/repositories/team/app/tags/latest/history").json().get(0).get("actor")
                .asText()).isEqualTo("alice");
        // The audit log has the change, as for the API's rollback.
        assertThat(admin.get("/api/v1/audit?n=100").text()).contains("\"action\":\"tag.rollback\"")
                .contains("team/app:latest")
                .contains("alice").contains("to " + first);
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void aMaintainerDeletesATagAndTheRegistryNoLongerServesIt() {
        push("team/gone", "old", 3);
        push("team/gone", "keep", 4);
        browser.logIn("alice", "alice-password");
        browser.open("/r/team/gone/-/tags/old");
        browser.find("#delete").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("confirm")));
        browser.find("#confirm").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("history")));
        assertThat(browser.find("#current").getText()).contains("deleted");
        assertThat(digestOf("team/gone", "old")).isNull();
        assertThat(digestOf("team/gone", "keep")).isNotNull();
        browser.open("/r/team/gone");
        assertThat(browser.texts("a.tag-name")).containsExactly("keep");
    }

    @Test
    void anImmutableTagIsRefusedAsByTheApi() {
        String digest = push("team/rel", "release-1", 5);
        browser.logIn("alice", "alice-password");
        browser.open("/r/team/rel/-/tags/release-1/delete");
        browser.find("#confirm").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("message")));
        assertThat(browser.driver.getTitle()).contains("Not changed");
        assertThat(digestOf("team/rel", "release-1")).isEqualTo(digest);
        browser.open("/r/team/rel");
        assertThat(browser.find(".badge.immutable").getText()).isEqualTo("immutable");
    }

    @Test
    void aReaderIsOfferedNoChangeAndIsRefusedByUrl() {
        push("team/read", "latest", 6);
        String now = push("team/read", "latest", 7);
        browser.logIn("bob", "bob-password");
        browser.open("/r/team/read/-/tags/latest");
        assertThat(browser.all("a.rollback")).isEmpty();
        assertThat(browser.all("#delete")).isEmpty();
        browser.open("/r/team/read/-/tags/latest/delete");
        assertThat(browser.find("#message").getText()).contains("may not change tags");
        assertThat(digestOf("team/read", "latest")).isEqualTo(now);
    }

    @Test
    void aFormWithoutTheSessionsCsrfTokenChangesNothing() {
        String now = push("team/csrf", "latest", 8);
        browser.logIn("alice", "alice-password");
        String cookie = WebUi.COOKIE + "=" + browser.driver.manage().getCookieNamed(WebUi.COOKIE).getValue();
        RegistryApiClient plain = new RegistryApiClient(server.hostPort());
        Response forged = plain.send("POST", "/r/team/csrf/-/tags/latest/delete",
                ("csrf=guess&from=" + now).getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/x-www-form-urlencoded", "Cookie", cookie);
        assertThat(forged.status()).isEqualTo(403);
        assertThat(digestOf("team/csrf", "latest")).isEqualTo(now);
    }
}
