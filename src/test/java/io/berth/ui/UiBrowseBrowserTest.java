package io.berth.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.Digest;
import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The browsing half of the UI in headless Chromium against the real server (access control off): a multi-arch
 * index with a buildx attestation entry shows two platforms and the attestation as what it is; untagged manifests
 * appear after the toggle (with JavaScript and without); an image's config, history paired with its layers,
 * annotations (only http/https become links), the referrers tree with a referrer of a referrer, and the index that
 * includes it; a pull command copied from the page (the clipboard, read back in the browser) pulls that digest with
 * skopeo; deletes warn about what else goes and then do what the API does. Screenshots go to target/screenshots.
 */
@Tag("clients")
@Timeout(300)
class UiBrowseBrowserTest {
    private static final String OCI_CONFIG = RegistryApiClient.OCI_CONFIG;
    private static final String LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private static BerthServer server;
    private static RegistryApiClient api;
    private static Chromium browser;

    @BeforeAll
    static void start() {
        server = BerthServer.start();
        api = new RegistryApiClient(server.hostPort());
        browser = new Chromium("http://" + server.hostPort());
    }

    @AfterAll
    static void stop() throws Exception {
        Chromium.closeBoth(browser, server);
    }

    private static String descriptor(String mediaType, Digest digest, long size, String extra) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + extra + "}";
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** An image manifest over a config and layers (each pushed), with extra top-level fields; pushed by reference. */
    private static Digest image(String repository, String reference, String config, List<String> layers,
                                String extra) {
        Digest configDigest = api.pushBlob(repository, bytes(config));
        StringBuilder layerList = new StringBuilder();
        for (String layer : layers) {
            Digest d = api.pushBlob(repository, bytes(layer));
            layerList.append(layerList.isEmpty() ? "" : ",").append(descriptor(LAYER, d, bytes(layer).length, ""));
        }
        byte[] manifest = bytes("{\"schemaVersion\":2,\"mediaType\":\"" + RegistryApiClient.OCI_MANIFEST
                + "\",\"config\":" + descriptor(OCI_CONFIG, configDigest, bytes(config).length, "")
                + ",\"layers\":[" + layerList + "]" + extra + "}");
        return api.pushManifest(repository, reference == null ? Digest.sha256(manifest).toString() : reference,
                RegistryApiClient.OCI_MANIFEST, manifest);
    }

    /** Gives an image manifest of repository one more tag, as a client does: the same bytes pushed under it. */
    private static void tagAgain(String repository, Digest digest, String tag) {
        api.putManifest(repository, tag, RegistryApiClient.OCI_MANIFEST, api.manifest(repository, digest.toString())
                .body()).expect(201);
    }

    private static String platformConfig(String os, String arch) {
        return "{\"os\":\"" + os + "\",\"architecture\":\"" + arch + "\",\"config\":{},\"rootfs\":{\"type\":\"layers\"}}";
    }

    private static long size(String repository, Digest digest) {
        return api.manifest(repository, digest.toString()).body().length;
    }

    /** An index of amd64 and arm64/v8 images and a buildx attestation manifest for the amd64 one, tagged. */
    private static Digest multiArchWithAttestation(String repository, String tag) {
        Digest amd = image(repository, null, platformConfig("linux", "amd64"), List.of("amd64 layer " + tag), "");
        Digest arm = image(repository, null, platformConfig("linux", "arm64"), List.of("arm64 layer " + tag), "");
        Digest attestation = image(repository, null, platformConfig("unknown", "unknown"),
                List.of("{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"subject\":\"" + amd + "\"}"), "");
        String oci = RegistryApiClient.OCI_MANIFEST;
        byte[] index = bytes("{\"schemaVersion\":2,\"mediaType\":\"" + RegistryApiClient.OCI_INDEX + "\",\"manifests\":["
                + descriptor(oci, amd, size(repository, amd), ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}")
                + "," + descriptor(oci, arm, size(repository, arm),
                ",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}")
                + "," + descriptor(oci, attestation, size(repository, attestation),
                ",\"annotations\":{\"vnd.docker.reference.digest\":\"" + amd + "\",\"vnd.docker.reference.type\":"
                        + "\"attestation-manifest\"},\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}")
                + "]}");
        return api.pushManifest(repository, tag, RegistryApiClient.OCI_INDEX, index);
    }

    private static void screenshot(String name) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        Path file = ((TakesScreenshot) browser.driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(file, SCREENSHOTS.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(SCREENSHOTS.resolve(name))).isGreaterThan(1000);
        // -Dberth.ui.docImages=docs/images refreshes the committed copies the README and docs/UI.md show.
        String docImages = System.getProperty("berth.ui.docImages");
        if (docImages != null) {
            Path copy = Path.of(docImages).resolve("ui-" + name);
            Files.createDirectories(copy.getParent());
            Files.copy(SCREENSHOTS.resolve(name), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThat(Files.size(copy)).as("a committed screenshot stays small").isLessThan(200_000);
        }
    }

    @Test
    void aMultiArchIndexShowsItsPlatformsAndItsAttestationAsWhatItIs() throws Exception {
        String repository = "shop/multi";
        Digest index = multiArchWithAttestation(repository, "1.0");
        image(repository, "plain", platformConfig("linux", "amd64"), List.of("plain layer"), "");

        browser.open("/r/" + repository);
        WebElement row = browser.driver.findElement(By.xpath("//tr[td/a[@class='tag-name' and text()='1.0']]"));
        List<String> platforms = row.findElements(By.cssSelector("li.platform a")).stream().map(WebElement::getText)
                .toList();
        assertThat(platforms).containsExactly("linux/amd64", "linux/arm64/v8");
        assertThat(row.getText()).doesNotContain("unknown");
        assertThat(row.findElement(By.cssSelector(".attached-count")).getText()).isEqualTo("+1 attestation");
        assertThat(row.findElements(By.cssSelector("li.platform .muted"))).hasSize(2)
                .allSatisfy(size -> assertThat(size.getText()).endsWith(" B"));
        WebElement plain = browser.driver.findElement(By.xpath("//tr[td/a[@class='tag-name' and text()='plain']]"));
        assertThat(plain.findElement(By.cssSelector(".image-platform")).getText()).isEqualTo("linux/amd64");
        screenshot("repository.png");

        browser.open("/r/" + repository + "/-/" + index);
        assertThat(browser.texts("#platforms tbody tr td:first-child")).containsExactly("linux/amd64", "linux/arm64/v8");
        assertThat(browser.all("#attached tbody tr")).hasSize(1);
        assertThat(browser.find("#attached td.kind").getText()).isEqualTo("attestation (buildx)");
        assertThat(browser.find("#attached tbody tr").getText()).contains("linux/amd64");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void untaggedManifestsAppearAfterTheToggleWithAndWithoutJavaScript() {
        String repository = "shop/untagged";
        image(repository, "v1", platformConfig("linux", "amd64"), List.of("tagged layer"), "");
        Digest orphan = image(repository, null, platformConfig("linux", "amd64"), List.of("orphan layer"), "");
        Digest index = multiArchWithAttestation(repository, "multi");

        browser.open("/r/" + repository);
        assertThat(browser.all("#untagged-manifests")).isEmpty();
        browser.find("#show-untagged").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("untagged-manifests")));
        // htmx swapped the section in and put the query in the address bar, so the page can be shared.
        assertThat(browser.driver.getCurrentUrl()).endsWith("?untagged=1");
        List<WebElement> rows = browser.all("tr.untagged");
        assertThat(rows).hasSize(4); // the orphan, two platform images and the attestation of the index
        WebElement orphanRow = browser.driver.findElement(
                By.xpath("//tr[@class='untagged'][td/a/code[@title='" + orphan + "']]"));
        assertThat(orphanRow.findElement(By.cssSelector(".kept-by")).getText()).contains("no index or subject");
        assertThat(browser.all("tr.untagged .kept-by").stream().filter(c -> c.getText().startsWith("index"))
                .toList()).hasSize(3);
        assertThat(browser.find("tr.untagged .kept-by a[href$='" + index + "']")).isNotNull();

        // Without JavaScript it is a plain link with a query parameter.
        browser.open("/r/" + repository + "?untagged=1");
        assertThat(browser.all("tr.untagged")).hasSize(4);
        browser.find("#hide-untagged").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("show-untagged")));
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void anImageShowsItsConfigHistoryPerLayerAnnotationsReferrersTreeAndTheIndexThatIncludesIt() throws Exception {
        String repository = "shop/app";
        String config = "{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\","
                + "\"created\":\"2026-12-01T10:00:00Z\",\"config\":{\"Env\":[\"PATH=/usr/bin\",\"MODE=prod\"],"
                + "\"Entrypoint\":[\"/bin/server\",\"--port\",\"8080\"],\"Cmd\":[\"serve\",\"two words\"],"
                + "\"WorkingDir\":\"/srv\",\"Labels\":{\"maintainer\":\"shop team\",\"tier\":\"web\"}},"
                + "\"rootfs\":{\"type\":\"layers\"},\"history\":["
                + "{\"created_by\":\"ADD rootfs.tar /\"},"
                + "{\"created_by\":\"ENV MODE=prod\",\"empty_layer\":true},"
                + "{\"created_by\":\"RUN make install\"},"
                + "{\"created_by\":\"CMD [\\\"serve\\\"]\",\"empty_layer\":true}]}";
        // Unusual spacing: the raw bytes are not what a pretty printer would write.
        String annotations = ",\"annotations\":{\"org.opencontainers.image.source\":\"https://git.example.com/shop/app.git\","
                + "\"org.opencontainers.image.revision\":\"0123456789abcdef0123456789abcdef01234567\","
                + "\"org.opencontainers.image.url\":\"javascript:alert(1)\",\"note\":\"<b>not bold</b>\"}  ";
        Digest app = image(repository, "v1", config, List.of("base layer bytes", "app layer bytes, longer"),
                annotations);
        byte[] raw = api.manifest(repository, app.toString()).body();
        Digest sbom = image(repository, null, "{}", List.of("{\"spdxVersion\":\"SPDX-2.3\"}"),
                ",\"artifactType\":\"application/spdx+json\",\"subject\":"
                        + descriptor(RegistryApiClient.OCI_MANIFEST, app, raw.length, ""));
        Digest signature = image(repository, null, "{}", List.of("signature of the sbom"),
                ",\"artifactType\":\"application/vnd.dev.cosign.artifact.sig.v1+json\",\"subject\":"
                        + descriptor(RegistryApiClient.OCI_MANIFEST, sbom, size(repository, sbom), ""));
        byte[] indexBytes = bytes("{\"schemaVersion\":2,\"mediaType\":\"" + RegistryApiClient.OCI_INDEX
                + "\",\"manifests\":[" + descriptor(RegistryApiClient.OCI_MANIFEST, app, raw.length,
                ",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}") + "]}");
        Digest index = api.pushManifest(repository, "all", RegistryApiClient.OCI_INDEX, indexBytes);

        browser.open("/r/" + repository + "/-/" + app);
        assertThat(browser.find("#platform").getText()).isEqualTo("linux/arm64/v8");
        assertThat(browser.find("#entrypoint").getText()).isEqualTo("/bin/server --port 8080");
        assertThat(browser.find("#cmd").getText()).isEqualTo("serve 'two words'");
        assertThat(browser.texts("#env li")).containsExactly("PATH=/usr/bin", "MODE=prod");
        assertThat(browser.texts("#labels th")).containsExactly("maintainer", "tier");
        // Each layer beside the step that made it; steps that made no layer between them.
        List<WebElement> steps = browser.all("#layers tbody tr");
        assertThat(steps).hasSize(4);
        assertThat(steps.get(0).getText()).contains("ADD rootfs.tar /").contains("16 B");
        assertThat(steps.get(1).getAttribute("class")).contains("empty-layer");
        assertThat(steps.get(1).getText()).contains("ENV MODE=prod").contains("no layer");
        assertThat(steps.get(2).getText()).contains("RUN make install").contains("23 B");
        assertThat(steps.get(3).getText()).contains("CMD [\"serve\"]").contains("no layer");
        // Annotations: the source and its revision link (https), a javascript: URL does not, markup stays text.
        assertThat(browser.find("#annotations a[href='https://git.example.com/shop/app.git']").getText())
                .isEqualTo("https://git.example.com/shop/app.git");
        assertThat(browser.find("#annotations a[href='https://git.example.com/shop/app/commit/"
                + "0123456789abcdef0123456789abcdef01234567']")).isNotNull();
        assertThat(browser.all("#annotations a[href^='javascript']")).isEmpty();
        assertThat(browser.all("#annotations b")).isEmpty();
        assertThat(browser.find("#annotations").getText()).contains("<b>not bold</b>");
        // The referrers tree: the SBOM, and the signature of the SBOM below it.
        assertThat(browser.texts("h3.referrer-type")).containsExactly("application/spdx+json");
        WebElement sbomItem = browser.find("ul.referrers > li");
        assertThat(sbomItem.findElement(By.cssSelector("code")).getAttribute("title")).isEqualTo(sbom.toString());
        assertThat(sbomItem.findElement(By.cssSelector(".referrer-type-nested")).getText())
                .isEqualTo("application/vnd.dev.cosign.artifact.sig.v1+json");
        assertThat(sbomItem.findElement(By.cssSelector("ul.nested code")).getAttribute("title"))
                .isEqualTo(signature.toString());
        assertThat(sbomItem.findElement(By.cssSelector("ul.nested .kind")).getText()).isEqualTo("signature");
        // The index that includes it.
        assertThat(browser.texts("#parents code")).containsExactly(index.toString());
        // The raw manifest is the exact bytes served, the pretty one is parsed and reformatted.
        assertThat(browser.find("#raw").getAttribute("textContent")).isEqualTo(new String(raw, StandardCharsets.UTF_8));
        assertThat(browser.find("#pretty").getAttribute("textContent")).contains("\n  \"schemaVersion\" : 2");
        screenshot("artifact.png");
        assertThat(browser.consoleErrors()).isEmpty();

        // The SBOM's own page names its subject.
        browser.find("ul.referrers > li > a").click();
        browser.waiting().until(ExpectedConditions.textToBe(By.id("digest"), sbom.toString()));
        assertThat(browser.find("#subject").getText()).isEqualTo(app.toString());
        assertThat(browser.find("#artifact-type").getText()).isEqualTo("application/spdx+json");
    }

    @Test
    void aPullCommandCopiedFromThePagePullsThatDigestWithSkopeo(@TempDir Path dir) throws Exception {
        String repository = "shop/pull";
        Digest digest = image(repository, "stable", platformConfig("linux", "amd64"),
                List.of("layer one of the pulled image", "layer two"), "");
        browser.open("/r/" + repository + "/-/" + digest);
        ((ChromeDriver) browser.driver).executeCdpCommand("Browser.grantPermissions", Map.of("origin",
                "http://" + server.hostPort(), "permissions", List.of("clipboardReadWrite", "clipboardSanitizedWrite")));
        assertThat(browser.texts("code.pull")).contains("image: " + server.hostPort() + "/" + repository + "@" + digest,
                "image: " + server.hostPort() + "/" + repository + ":stable");
        for (String how : List.of("podman, by digest", "docker, by tag")) {
            WebElement button = browser.find("button.copy[aria-label='Copy " + how + " pull command']");
            button.click();
            browser.waiting().until(ExpectedConditions.textToBePresentInElement(button, "Copied"));
            Object copied = ((JavascriptExecutor) browser.driver).executeAsyncScript(
                    "navigator.clipboard.readText().then(arguments[0], e => arguments[0]('failed: ' + e))");
            String command = String.valueOf(copied);
            assertThat(command).as(how).startsWith(how.startsWith("podman") ? "podman pull " : "docker pull ");
            String reference = command.substring(command.indexOf(' ', "podman ".length()) + 1);
            Path target = dir.resolve(how.replaceAll("[^a-z]", "-"));
            Process skopeo = new ProcessBuilder("skopeo", "copy", "--src-tls-verify=false", "docker://" + reference,
                    "dir:" + target).redirectErrorStream(true).start();
            assertThat(skopeo.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = new String(skopeo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(skopeo.exitValue()).as(output).isZero();
            assertThat(Digest.sha256(Files.readAllBytes(target.resolve("manifest.json")))).as(how).isEqualTo(digest);
        }
    }

    @Test
    void deletingAManifestWarnsWhatElseGoesThenDoesWhatTheApiDoes() {
        String repository = "shop/gone";
        Digest doomed = image(repository, "old", platformConfig("linux", "amd64"), List.of("doomed layer"), "");
        tagAgain(repository, doomed, "also-old");
        Digest referrer = image(repository, null, "{}", List.of("an sbom of the doomed"),
                ",\"artifactType\":\"application/spdx+json\",\"subject\":" + descriptor(RegistryApiClient.OCI_MANIFEST,
                        doomed, size(repository, doomed), ""));
        Digest kept = image(repository, "keep", platformConfig("linux", "arm64"), List.of("kept layer"), "");
        Digest index = api.pushManifest(repository, "list", RegistryApiClient.OCI_INDEX, bytes("{\"schemaVersion\":2,"
                + "\"mediaType\":\"" + RegistryApiClient.OCI_INDEX + "\",\"manifests\":["
                + descriptor(RegistryApiClient.OCI_MANIFEST, kept, size(repository, kept), "") + "]}"));

        browser.open("/r/" + repository + "/-/" + doomed);
        browser.find("#delete-manifest").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("confirm")));
        assertThat(browser.find("#warn-tags").getText()).contains("also-old").contains("old");
        assertThat(browser.find("#warn-referrers").getText()).contains(Format.shortDigest(referrer));
        assertThat(browser.all("#warn-parents")).isEmpty();
        browser.find("#confirm").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("repository")));
        assertThat(api.manifestStatus(repository, doomed.toString())).isEqualTo(404);
        assertThat(api.manifestStatus(repository, "old")).isEqualTo(404);
        assertThat(api.manifestStatus(repository, "also-old")).isEqualTo(404);
        assertThat(browser.texts("a.tag-name")).containsExactlyInAnyOrder("keep", "list");

        assertThat(browser.consoleErrors()).isEmpty();
        // A manifest an index includes: the page says so, and the registry refuses as it refuses the API.
        browser.open("/r/" + repository + "/-/" + kept + "/delete");
        assertThat(browser.find("#warn-parents").getText()).contains(Format.shortDigest(index));
        browser.find("#confirm").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("message")));
        assertThat(browser.driver.getTitle()).contains("Not deleted");
        assertThat(browser.find("#message").getText()).contains("delete the index first");
        // The refusal page carries the API's status for it (405 DENIED): the browser logs it, nothing else.
        assertThat(browser.consoleErrors()).singleElement().asString().contains("405");
        assertThat(api.manifestStatus(repository, kept.toString())).isEqualTo(200);
        assertThat(api.delete("/v2/" + repository + "/manifests/" + kept).status()).isEqualTo(405);

        // The whole repository, once its name is typed.
        browser.open("/r/" + repository);
        browser.find("#delete-repository").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("confirm")));
        assertThat(browser.find("#warn-content").getText()).startsWith("2 tags and 3 manifests");
        browser.find("#name").sendKeys(repository);
        browser.find("#confirm").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("q")));
        assertThat(api.get("/v2/" + repository + "/tags/list").status()).isEqualTo(404);
        assertThat(browser.texts("a.repository")).doesNotContain(repository);
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void deletingATagSaysWhetherItsManifestKeepsOtherTagsOrIsLeftUntagged() {
        String repository = "shop/tags";
        Digest shared = image(repository, "a", platformConfig("linux", "amd64"), List.of("shared layer"), "");
        tagAgain(repository, shared, "b");
        image(repository, "alone", platformConfig("linux", "amd64"), List.of("alone layer"), "");

        browser.open("/r/" + repository);
        browser.find("a.delete-tag[aria-label='Delete tag a']").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("confirm")));
        assertThat(browser.find("#warn-other-tags").getText()).contains("b");
        assertThat(browser.all("#warn-untagged")).isEmpty();
        browser.find("#confirm").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("history")));
        assertThat(api.manifestStatus(repository, "a")).isEqualTo(404);
        assertThat(api.manifestStatus(repository, "b")).isEqualTo(200);

        browser.open("/r/" + repository + "/-/tags/alone/delete");
        assertThat(browser.find("#warn-untagged").getText()).contains("last tag");
        assertThat(browser.all("#warn-other-tags")).isEmpty();
        assertThat(browser.consoleErrors()).isEmpty();
    }
}
