package io.berth.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.Digest;
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
    static void stop() throws Exception {
        Chromium.closeBoth(browser, server);
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
                "image: " + image + ":v2", "docker pull " + image + "@" + v2Digest,
                "podman pull " + image + "@" + v2Digest, "image: " + image + "@" + v2Digest);
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
    void anIndexShowsItsPlatformsAndItsReferrersGroupedByArtifactType() {
        String repository = "other/one";
        byte[] config = "{\"architecture\":\"amd64\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = "layer of both".getBytes(StandardCharsets.UTF_8);
        List<Digest> blobs = List.of(api.pushBlob(repository, config), api.pushBlob(repository, layer));
        byte[] child = RegistryApiClient.imageManifest(blobs, List.of(config, layer));
        Digest childDigest = api.pushManifest(repository, Digest.sha256(child).toString(),
                RegistryApiClient.OCI_MANIFEST, child);
        String entry = "{\"mediaType\":\"" + RegistryApiClient.OCI_MANIFEST + "\",\"digest\":\"" + childDigest
                + "\",\"size\":" + child.length;
        byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"" + RegistryApiClient.OCI_INDEX + "\",\"manifests\":["
                + entry + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
                + entry + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}}]}")
                .getBytes(StandardCharsets.UTF_8);
        Digest indexDigest = api.pushManifest(repository, "multi", RegistryApiClient.OCI_INDEX, index);
        byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
        Digest emptyDigest = api.pushBlob(repository, empty);
        List<String> types = List.of("application/spdx+json", "application/vnd.dev.sigstore.bundle.v0.3+json",
                "application/spdx+json");
        for (int i = 0; i < types.size(); i++) {
            byte[] content = ("referrer " + i).getBytes(StandardCharsets.UTF_8);
            Digest blob = api.pushBlob(repository, content);
            byte[] referrer = ("{\"schemaVersion\":2,\"mediaType\":\"" + RegistryApiClient.OCI_MANIFEST
                    + "\",\"artifactType\":\"" + types.get(i) + "\",\"config\":{\"mediaType\":"
                    + "\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + emptyDigest + "\",\"size\":2},"
                    + "\"layers\":[{\"mediaType\":\"application/octet-stream\",\"digest\":\"" + blob + "\",\"size\":"
                    + content.length + "}],\"subject\":{\"mediaType\":\"" + RegistryApiClient.OCI_INDEX
                    + "\",\"digest\":\"" + indexDigest + "\",\"size\":" + index.length + "}}")
                    .getBytes(StandardCharsets.UTF_8);
            api.pushManifest(repository, Digest.sha256(referrer).toString(), RegistryApiClient.OCI_MANIFEST, referrer);
        }

        browser.open("/r/other/one/-/" + indexDigest);
        assertThat(browser.find("#media-type").getText()).isEqualTo(RegistryApiClient.OCI_INDEX);
        assertThat(browser.texts("#platforms tbody tr td:first-child")).containsExactly("linux/amd64", "linux/arm64/v8");
        assertThat(browser.texts("h3.referrer-type")).containsExactly("application/spdx+json",
                "application/vnd.dev.sigstore.bundle.v0.3+json");
        assertThat(browser.all("ul.referrers")).hasSize(2);
        assertThat(browser.all("ul.referrers").get(0).findElements(org.openqa.selenium.By.tagName("li"))).hasSize(2);
        // A platform links to its manifest, with its layers.
        browser.find("#platforms a").click();
        browser.waiting().until(ExpectedConditions.textToBe(org.openqa.selenium.By.id("digest"), childDigest.toString()));
        assertThat(browser.all("#layers tbody tr")).hasSize(1);
        assertThat(browser.find("#tags").getText()).isEqualTo("untagged");
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
