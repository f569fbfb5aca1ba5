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
 * The UI with access control on, in headless Chromium against the real server: an anonymous visitor sees only a
 * public namespace; a user logs in with the same account as the registry API; a user who is no member of a private
 * namespace sees none of its repositories, and reaching one by URL gets 403 as from the API; a member sees it; a
 * robot token logs in too; logging out ends the session.
 */
@Tag("clients")
@Timeout(240)
class UiAccessBrowserTest {
    private static final String ADMIN_PASSWORD = "admin-password-1";

    private static BerthServer server;
    private static RegistryApiClient anonymous;
    private static Chromium browser;
    private static String robotSecret;

    @BeforeAll
    static void start() {
        server = BerthServer.with().auth(ADMIN_PASSWORD).start();
        anonymous = new RegistryApiClient(server.hostPort());
        RegistryApiClient admin = server.admin();
        for (String user : List.of("alice", "bob")) {
            admin.json("POST", "/api/v1/users", "{\"name\":\"" + user + "\",\"password\":\"" + user + "-password\"}");
        }
        admin.json("POST", "/api/v1/namespaces", "{\"name\":\"team\",\"owner\":\"alice\"}");
        admin.json("POST", "/api/v1/namespaces", "{\"name\":\"open\",\"public\":true}");
        push(admin, "open/pub");
        push(admin, "team/secret");
        robotSecret = anonymous.as("alice", "alice-password")
                .json("POST", "/api/v1/tokens", "{\"name\":\"ci\",\"namespace\":\"team\",\"repositories\":[\"team/*\"],"
                        + "\"actions\":[\"pull\"]}").json().get("secret").asText();
        browser = new Chromium("http://" + server.hostPort());
    }

    @AfterAll
    static void stop() throws Exception {
        Chromium.closeBoth(browser, server);
    }

    private static void push(RegistryApiClient client, String repository) {
        byte[] layer = new byte[1024];
        new Random(repository.hashCode()).nextBytes(layer);
        Response pushed = client.pushImage(repository, "v1",
                List.of(("{\"repo\":\"" + repository + "\"}").getBytes(StandardCharsets.UTF_8), layer));
        assertThat(pushed.status()).as(pushed.text()).isEqualTo(201);
    }

    @Test
    void anonymousVisitorsSeeOnlyThePublicNamespace() {
        browser.loggedOut();
        browser.open("/");
        assertThat(browser.texts("a.repository")).containsExactly("open/pub");
        browser.open("/r/open/pub");
        assertThat(browser.texts("a.tag-name")).containsExactly("v1");
        browser.open("/r/team/secret");
        assertThat(browser.find("#message").getText()).contains("may not pull");
        // The same answer as the registry's management API gives: 403 to an anonymous caller of a private repository.
        assertThat(anonymous.get("/r/team/secret").status()).isEqualTo(403);
        assertThat(anonymous.get("/r/team/secret/-/sha256:" + "0".repeat(64)).status()).isEqualTo(403);
        assertThat(anonymous.get("/r/team/secret").text()).doesNotContain("v1");
        assertThat(browser.consoleErrors()).allMatch(line -> line.contains("403"));
    }

    @Test
    void aUserWhoIsNoMemberCannotSeeAPrivateRepositoryEvenByItsUrl() {
        browser.logIn("bob", "bob-password");
        assertThat(browser.find("#user").getText()).isEqualTo("bob");
        assertThat(browser.sessionCookie()).containsEntry("httpOnly", true).containsEntry("sameSite", "Strict");
        browser.open("/");
        assertThat(browser.texts("a.repository")).containsExactly("open/pub");
        browser.open("/?q=secret");
        assertThat(browser.texts("a.repository")).isEmpty();
        browser.open("/r/team/secret");
        assertThat(browser.find("#message").getText()).contains("may not pull");
        assertThat(browser.all("a.tag-name")).isEmpty();
        // As the API: bob's own call for the same repository's tags is refused with 403 too.
        assertThat(anonymous.as("bob", "bob-password").get("/api/v1/repositories/team/secret/tags").status())
                .isEqualTo(403);
    }

    @Test
    void aMemberSeesThePrivateRepositoryAndLogsOut() {
        browser.logIn("alice", "alice-password");
        browser.open("/");
        assertThat(browser.texts("a.repository")).containsExactly("open/pub", "team/secret");
        browser.find("a.repository[href='/r/team/secret']").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("a.tag-name")));
        browser.find("a.tag-name").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("digest")));
        assertThat(browser.find("#digest").getText()).isEqualTo(server.admin()
                .get("/v2/team/secret/manifests/v1", "Accept", RegistryApiClient.ACCEPT_ANY_MANIFEST)
                .header("Docker-Content-Digest"));
        browser.find("#logout").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("login-link")));
        assertThat(browser.texts("a.repository")).containsExactly("open/pub");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void aRobotTokenLogsInAndSeesWhatItsPatternsName() {
        browser.logIn("robot", robotSecret);
        assertThat(browser.find("#user").getText()).isEqualTo("robot:ci");
        browser.open("/");
        assertThat(browser.texts("a.repository")).containsExactly("open/pub", "team/secret");
    }

    @Test
    void aWrongPasswordIsRefusedAndNoSessionStarts() {
        browser.loggedOut();
        browser.open("/login");
        browser.find("#username").sendKeys("bob");
        browser.find("#password").sendKeys("wrong");
        browser.find("#submit").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("error")));
        assertThat(browser.find("#error").getText()).contains("Wrong user name or password");
        assertThat(browser.sessionCookie()).isEmpty();
    }
}
