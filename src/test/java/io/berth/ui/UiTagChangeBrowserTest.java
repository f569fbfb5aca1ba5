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
 * refused as by the API, and a form without the session's CSRF token changes nothing. Manifest and repository
 * deletes likewise: a reader is offered neither and is refused both (by URL, and by a form posted with the reader's
 * own valid CSRF token); an owner's delete is refused while an immutable tag is in it, with the registry's message.
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

    @Test
    void aReaderIsOfferedNoDeleteAndIsRefusedByUrlAndByForm() {
        String digest = push("team/readonly", "v1", 11);
        browser.logIn("bob", "bob-password");
        browser.open("/r/team/readonly");
        assertThat(browser.all("#delete-repository")).isEmpty();
        assertThat(browser.all("a.delete-tag")).isEmpty();
        browser.open("/r/team/readonly/-/" + digest);
        assertThat(browser.all("#delete-manifest")).isEmpty();
        // The reader's own session and CSRF token (from the logout form): still no right to delete.
        String csrf = browser.find("input[name='csrf']").getAttribute("value");
        browser.open("/r/team/readonly/-/delete");
        assertThat(browser.find("#message").getText()).contains("may not");
        browser.open("/r/team/readonly/-/" + digest + "/delete");
        assertThat(browser.find("#message").getText()).contains("may not");
        String cookie = WebUi.COOKIE + "=" + browser.driver.manage().getCookieNamed(WebUi.COOKIE).getValue();
        RegistryApiClient plain = new RegistryApiClient(server.hostPort());
        for (String path : List.of("/r/team/readonly/-/delete", "/r/team/readonly/-/" + digest + "/delete")) {
            Response refused = plain.send("POST", path, ("csrf=" + csrf + "&name=team%2Freadonly")
                    .getBytes(StandardCharsets.UTF_8), "Content-Type", "application/x-www-form-urlencoded",
                    "Cookie", cookie);
            assertThat(refused.status()).as(path).isEqualTo(403);
        }
        assertThat(admin.manifestStatus("team/readonly", digest)).isEqualTo(200);
        // The API refuses bob's DELETE the same way.
        assertThat(plain.as("bob", "bob-password").delete("/v2/team/readonly/manifests/" + digest).status())
                .isIn(401, 403);
    }

    @Test
    void anOwnersRepositoryDeleteIsRefusedWhileAnImmutableTagIsInItAsByTheApi() {
        String digest = push("team/relrepo", "release-1", 12);
        browser.logIn("alice", "alice-password");
        browser.open("/r/team/relrepo");
        browser.find("#delete-repository").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("confirm")));
        assertThat(browser.find("#warn-immutable").getText()).contains("release-1");
        browser.find("#name").sendKeys("team/relrepo");
        browser.find("#confirm").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("message")));
        assertThat(browser.driver.getTitle()).contains("Not deleted");
        assertThat(browser.find("#message").getText()).contains("release-1");
        assertThat(admin.manifestStatus("team/relrepo", digest)).isEqualTo(200);

        // A wrong name deletes nothing either.
        push("team/typo", "v1", 13);
        browser.open("/r/team/typo/-/delete");
        browser.find("#name").sendKeys("team/typ");
        browser.find("#confirm").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("message")));
        assertThat(browser.find("#message").getText()).contains("nothing was deleted");
        assertThat(admin.manifestStatus("team/typo", "v1")).isEqualTo(200);

        // The manifest delete of the same protected digest is refused too.
        browser.open("/r/team/relrepo/-/" + digest + "/delete");
        assertThat(browser.find("#warn-immutable").getText()).contains("release-1");
        browser.find("#confirm").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("message")));
        assertThat(browser.driver.getTitle()).contains("Not deleted");
        assertThat(admin.manifestStatus("team/relrepo", digest)).isEqualTo(200);
    }
}
