package io.berth.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.Keys;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The UI in headless Chromium against the real server (access control off): home → repository → artifact of an
 * image pushed with the registry API, the pull commands name the digest the registry serves, search, keyset pages,
 * and no Content-Security-Policy violation in the browser's console.
 */
@Tag("clients")
@Timeout(240)
class UiBrowserTest {
    private static final List<String> REPOSITORIES = List.of("library/app", "library/tools", "other/one", "other/three",
            "other/two");

    private static BerthServer server;
    private static RegistryApiClient api;
    private static Chromium browser;
    private static String v2Digest;

    @BeforeAll
    static void start() {
        server = BerthServer.start();
        api = new RegistryApiClient(server.hostPort());
        for (String repository : REPOSITORIES) {
            push(repository, "v1", 1);
        }
        v2Digest = push("library/app", "v2", 2).header("Docker-Content-Digest");
        browser = new Chromium("http://" + server.hostPort());
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static Response push(String repository, String tag, int seed) {
        byte[] layer = new byte[2048 * seed];
        new Random(repository.hashCode() + seed).nextBytes(layer);
        byte[] config = ("{\"repo\":\"" + repository + "\",\"seed\":" + seed + "}").getBytes(StandardCharsets.UTF_8);
        Response pushed = api.pushImage(repository, tag, List.of(config, layer));
        assertThat(pushed.status()).as(pushed.text()).isEqualTo(201);
        return pushed;
    }

    @Test
    void browseFromHomeToAnArtifactAndItsPullCommandPullsThatDigest() {
        browser.open("/");
        assertThat(browser.driver.getTitle()).contains("Repositories");
        assertThat(browser.texts("a.repository")).containsExactlyElementsOf(REPOSITORIES);
        browser.find("a.repository[href='/r/library/app']").click();
        browser.waiting().until(ExpectedConditions.textToBe(org.openqa.selenium.By.id("repository"), "library/app"));
        // Newest first: v2 was pushed after v1.
        assertThat(browser.texts("a.tag-name")).containsExactly("v2", "v1");
        assertThat(browser.find("button.copy").getAttribute("data-copy")).isEqualTo(v2Digest);
        assertThat(browser.texts("code.digest").get(0)).isEqualTo(v2Digest.substring(0, "sha256:".length() + 12));

        browser.find("a.tag-name").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.id("digest")));
        assertThat(browser.find("#digest").getText()).isEqualTo(v2Digest);
        assertThat(browser.find("#media-type").getText()).isEqualTo(RegistryApiClient.OCI_MANIFEST);
        assertThat(browser.all("#layers tbody tr")).hasSize(1);
        assertThat(browser.find("#layers tbody tr").getText()).contains("4.1 kB");
        assertThat(browser.find("#config-digest").getText()).startsWith("sha256:");
        assertThat(browser.find("#no-referrers").isDisplayed()).isTrue();

        List<String> pulls = browser.texts("code.pull");
        String image = server.hostPort() + "/library/app";
        assertThat(pulls).containsExactly("docker pull " + image + ":v2", "podman pull " + image + ":v2",
                "docker pull " + image + "@" + v2Digest, "podman pull " + image + "@" + v2Digest);
        // What those commands pull, asked of the registry API: the tag and the digest both give this manifest.
        for (String pull : pulls) {
            String reference = pull.substring(pull.indexOf(image) + image.length() + 1);
            Response manifest = api.get("/v2/library/app/manifests/" + reference,
                    "Accept", RegistryApiClient.ACCEPT_ANY_MANIFEST);
            assertThat(manifest.status()).as(pull).isEqualTo(200);
            assertThat(manifest.header("Docker-Content-Digest")).as(pull).isEqualTo(v2Digest);
        }
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void searchFindsARepositoryByPartOfItsName() {
        browser.open("/");
        browser.find("#q").sendKeys("tool", Keys.ENTER);
        browser.waiting().until(driver -> browser.texts("a.repository").equals(List.of("library/tools")));
        // Without JavaScript the same search is a plain GET form.
        browser.open("/?q=thr");
        assertThat(browser.texts("a.repository")).containsExactly("other/three");
        browser.open("/?q=nothing-like-it");
        assertThat(browser.find("#repositories .empty").getText()).contains("No repositories match");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void keysetPagesCoverEveryRepositoryOnce() {
        browser.open("/?n=2");
        List<String> seen = new ArrayList<>();
        for (int page = 0; page < 10; page++) {
            List<String> names = browser.texts("a.repository");
            assertThat(names).hasSizeBetween(1, 2);
            seen.addAll(names);
            if (browser.all("#next").isEmpty()) {
                break;
            }
            browser.find("#next").click();
            browser.waiting().until(ExpectedConditions.presenceOfElementLocated(org.openqa.selenium.By.id("first")));
        }
        assertThat(seen).containsExactlyElementsOf(REPOSITORIES);
        assertThat(browser.all("#next")).isEmpty();
    }
}
