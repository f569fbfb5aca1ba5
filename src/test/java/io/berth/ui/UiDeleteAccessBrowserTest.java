package io.berth.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Manifest and repository deletes from the UI with access control on, in headless Chromium: a reader is offered
 * neither and is refused both (by URL, and by a form posted with the reader's own valid CSRF token), as the API
 * refuses the reader's DELETE; an owner's repository delete is refused while an immutable tag is in it, as the API's
 * is, and the message says why.
 */
@Tag("clients")
@Timeout(240)
class UiDeleteAccessBrowserTest {
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

    private static String push(String repository, String tag) {
        Response pushed = admin.pushImage(repository, tag, List.of(("{\"tag\":\"" + tag + "\"}")
                .getBytes(StandardCharsets.UTF_8), ("layer of " + tag).getBytes(StandardCharsets.UTF_8)));
        assertThat(pushed.status()).as(pushed.text()).isEqualTo(201);
        return pushed.header("Docker-Content-Digest");
    }

    @Test
    void aReaderIsOfferedNoDeleteAndIsRefusedByUrlAndByForm() {
        String digest = push("team/read", "v1");
        browser.logIn("bob", "bob-password");
        browser.open("/r/team/read");
        assertThat(browser.all("#delete-repository")).isEmpty();
        assertThat(browser.all("a.delete-tag")).isEmpty();
        browser.open("/r/team/read/-/" + digest);
        assertThat(browser.all("#delete-manifest")).isEmpty();
        // The reader's own session and CSRF token (from the logout form): still no right to delete.
        String csrf = browser.find("input[name='csrf']").getAttribute("value");
        browser.open("/r/team/read/-/delete");
        assertThat(browser.find("#message").getText()).contains("may not");
        browser.open("/r/team/read/-/" + digest + "/delete");
        assertThat(browser.find("#message").getText()).contains("may not");
        String cookie = WebUi.COOKIE + "=" + browser.driver.manage().getCookieNamed(WebUi.COOKIE).getValue();
        RegistryApiClient plain = new RegistryApiClient(server.hostPort());
        for (String path : List.of("/r/team/read/-/delete", "/r/team/read/-/" + digest + "/delete")) {
            Response refused = plain.send("POST", path, ("csrf=" + csrf + "&name=team%2Fread")
                    .getBytes(StandardCharsets.UTF_8), "Content-Type", "application/x-www-form-urlencoded",
                    "Cookie", cookie);
            assertThat(refused.status()).as(path).isEqualTo(403);
        }
        assertThat(admin.manifestStatus("team/read", digest)).isEqualTo(200);
        // The API refuses bob's DELETE the same way.
        assertThat(plain.as("bob", "bob-password").delete("/v2/team/read/manifests/" + digest).status())
                .isIn(401, 403);
    }

    @Test
    void anOwnersRepositoryDeleteIsRefusedWhileAnImmutableTagIsInItAsByTheApi() {
        String digest = push("team/rel", "release-1");
        browser.logIn("alice", "alice-password");
        browser.open("/r/team/rel");
        browser.find("#delete-repository").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("confirm")));
        assertThat(browser.find("#warn-immutable").getText()).contains("release-1");
        browser.find("#name").sendKeys("team/rel");
        browser.find("#confirm").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("message")));
        assertThat(browser.driver.getTitle()).contains("Not deleted");
        assertThat(browser.find("#message").getText()).contains("release-1");
        assertThat(admin.manifestStatus("team/rel", digest)).isEqualTo(200);

        // A wrong name deletes nothing either.
        push("team/typo", "v1");
        browser.open("/r/team/typo/-/delete");
        browser.find("#name").sendKeys("team/typ");
        browser.find("#confirm").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("message")));
        assertThat(browser.find("#message").getText()).contains("nothing was deleted");
        assertThat(admin.manifestStatus("team/typo", "v1")).isEqualTo(200);

        // The manifest delete of the same protected digest is refused too.
        browser.open("/r/team/rel/-/" + digest + "/delete");
        assertThat(browser.find("#warn-immutable").getText()).contains("release-1");
        browser.find("#confirm").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("message")));
        assertThat(browser.driver.getTitle()).contains("Not deleted");
        assertThat(admin.manifestStatus("team/rel", digest)).isEqualTo(200);
    }
}
