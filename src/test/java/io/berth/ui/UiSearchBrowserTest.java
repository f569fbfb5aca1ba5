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
 * The home page's search by tag name and by digest prefix, in headless Chromium against the real server with access
 * control on: hits link to the artifact page; a private namespace's tags and manifests are not found by a user who is
 * no member of it, and are by one who is.
 */
@Tag("clients")
@Timeout(240)
class UiSearchBrowserTest {
    private static BerthServer server;
    private static Chromium browser;
    private static String publicDigest;
    private static String privateDigest;

    @BeforeAll
    static void start() {
        server = BerthServer.with().auth("admin-password-1").start();
        RegistryApiClient admin = server.admin();
        for (String user : List.of("alice", "bob")) {
            admin.json("POST", "/api/v1/users", "{\"name\":\"" + user + "\",\"password\":\"" + user + "-password\"}");
        }
        admin.json("POST", "/api/v1/namespaces", "{\"name\":\"team\",\"owner\":\"alice\"}");
        admin.json("POST", "/api/v1/namespaces", "{\"name\":\"open\",\"public\":true}");
        publicDigest = push(admin, "open/pub", "release-1.0");
        privateDigest = push(admin, "team/secret", "release-2.0");
        browser = new Chromium("http://" + server.hostPort());
    }

    @AfterAll
    static void stop() throws Exception {
        Chromium.closeBoth(browser, server);
    }

    private static String push(RegistryApiClient client, String repository, String tag) {
        byte[] layer = new byte[1024];
        new Random(repository.hashCode()).nextBytes(layer);
        Response pushed = client.pushImage(repository, tag,
                List.of(("{\"repo\":\"" + repository + "\"}").getBytes(StandardCharsets.UTF_8), layer));
        assertThat(pushed.status()).as(pushed.text()).isEqualTo(201);
        return pushed.header("Docker-Content-Digest");
    }

    @Test
    void aTagNameFindsOnlyTheTagsTheVisitorMayPull() {
        browser.logIn("bob", "bob-password");
        browser.open("/?q=release");
        assertThat(browser.texts("a.repository")).isEmpty();
        assertThat(browser.texts("a.tag-hit")).containsExactly("release-1.0");
        assertThat(browser.find("#tag-hits").getText()).contains("open/pub").doesNotContain("team/secret");
        browser.find("a.tag-hit").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("digest")));
        assertThat(browser.find("#digest").getText()).isEqualTo(publicDigest);

        browser.logIn("alice", "alice-password");
        browser.open("/");
        browser.find("#q").sendKeys("release-");
        browser.waiting().until(driver -> browser.texts("a.tag-hit").size() == 2);
        assertThat(browser.texts("a.tag-hit")).containsExactly("release-1.0", "release-2.0");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void aDigestPrefixFindsTheManifestWithOrWithoutItsAlgorithm() {
        browser.logIn("bob", "bob-password");
        browser.open("/?q=" + publicDigest.substring(0, "sha256:".length() + 8));
        assertThat(browser.texts("a.digest-hit")).containsExactly(publicDigest);
        browser.open("/?q=" + publicDigest.substring("sha256:".length(), "sha256:".length() + 6));
        assertThat(browser.texts("a.digest-hit")).contains(publicDigest);
        browser.find("a.digest-hit").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("digest")));
        assertThat(browser.find("#digest").getText()).isEqualTo(publicDigest);
        // The private repository's manifest is not found by an outsider, even by its full digest.
        browser.open("/?q=" + privateDigest);
        assertThat(browser.all("a.digest-hit")).isEmpty();
        assertThat(browser.find("#repositories").getText()).doesNotContain("team/secret");

        browser.logIn("alice", "alice-password");
        browser.open("/?q=" + privateDigest.substring("sha256:".length(), "sha256:".length() + 10));
        assertThat(browser.texts("a.digest-hit")).containsExactly(privateDigest);
    }

    @Test
    void aSearchWithoutHitsSaysSo() {
        browser.logIn("alice", "alice-password");
        browser.open("/?q=nothing-like-it");
        assertThat(browser.find("#repositories .empty").getText()).contains("No repositories match");
        assertThat(browser.all("#tag-hits")).isEmpty();
        browser.open("/?q=sha256:000000");
        assertThat(browser.all("#digest-hits")).isEmpty();
        assertThat(browser.all("a.repository")).isEmpty();
    }
}
