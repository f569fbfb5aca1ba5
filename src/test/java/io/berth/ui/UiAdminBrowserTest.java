package io.berth.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chromium.HasPermissions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The management pages in headless Chromium against the real server with access control on: the admin creates a
 * robot token, copies its secret (shown once), and skopeo pushes with it; an owner adds a member, who can then push
 * with skopeo; a retention rule's preview is exactly what its dry run and then its run remove; garbage collection's
 * dry run reports what the run then deletes; a writer promotes a tag from its history page; the audit log's filters
 * and keyset pages. Screenshots of the pages go to target/screenshots.
 */
@Tag("clients")
@Timeout(300)
class UiAdminBrowserTest {
    private static final String ADMIN_PASSWORD = "admin-password-1";
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private static BerthServer server;
    private static RegistryApiClient admin;
    private static Chromium browser;
    private static Path work;
    private static Path image;

    @BeforeAll
    static void start() throws IOException {
        server = BerthServer.with().auth(ADMIN_PASSWORD)
                .config("gc:\n  interval: 24h\n  gracePeriod: 0s\nhistory:\n  window: 0s\n").start();
        admin = server.admin();
        for (String user : List.of("alice", "dan", "erin")) {
            admin.json("POST", "/api/v1/users", "{\"name\":\"" + user + "\",\"password\":\"" + user + "-password\"}");
        }
        admin.json("POST", "/api/v1/namespaces", "{\"name\":\"team\",\"owner\":\"alice\"}");
        work = Files.createTempDirectory("berth-ui-admin-");
        Files.writeString(work.resolve("auth.json"), "{\"auths\":{}}");
        image = ociImage(work.resolve("image"));
        browser = new Chromium("http://" + server.hostPort());
    }

    @AfterAll
    static void stop() throws Exception {
        Chromium.closeBoth(browser, server);
    }

    // ---- real clients

    /** A one-layer OCI image made with umoci, as oci:<layout>:v1. */
    private static Path ociImage(Path dir) {
        String layout = dir.resolve("oci").toString();
        Path bundle = dir.resolve("bundle");
        run("umoci", "init", "--layout", layout);
        run("umoci", "new", "--image", layout + ":v1");
        run("umoci", "unpack", "--rootless", "--image", layout + ":v1", bundle.toString());
        try {
            Files.writeString(bundle.resolve("rootfs").resolve("hello.txt"), "hello " + UUID.randomUUID() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        run("umoci", "repack", "--image", layout + ":v1", bundle.toString());
        return dir.resolve("oci");
    }

    /** skopeo pushes the image to repository:tag as user with password; the exit code and output. */
    private static Result skopeoPush(String repository, String tag, String user, String password) {
        return attempt("skopeo", "copy", "--authfile", work.resolve("auth.json").toString(), "--dest-tls-verify=false",
                "--dest-creds", user + ":" + password, "oci:" + image + ":v1",
                "docker://" + server.hostPort() + "/" + repository + ":" + tag);
    }

    record Result(int exitCode, String output) {}

    private static void run(String... command) {
        Result result = attempt(command);
        assertThat(result.exitCode()).as(String.join(" ", command) + "\n" + result.output()).isZero();
    }

    private static Result attempt(String... command) {
        try {
            Path log = Files.createTempFile(work == null ? Path.of("/tmp") : work, "command-", ".log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " took more than 90 s");
            }
            return new Result(process.exitValue(), Files.readString(log));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String push(String repository, String tag, int seed) {
        return UiImages.push(admin, repository, tag, seed);
    }

    private static List<String> tags(String repository) {
        List<String> tags = new ArrayList<>();
        admin.get("/v2/" + repository + "/tags/list").json().path("tags").forEach(t -> tags.add(t.asText()));
        return tags;
    }

    // ---- the browser

    static void screenshot(Chromium browser, String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            // The whole page: the window grows to the page's height (at most 4000 px) for the picture.
            var window = browser.driver.manage().window();
            var size = window.getSize();
            long height = (Long) ((JavascriptExecutor) browser.driver)
                    .executeScript("return document.documentElement.scrollHeight");
            window.setSize(new org.openqa.selenium.Dimension(size.getWidth(), (int) Math.min(4000, height + 120)));
            byte[] png = ((TakesScreenshot) browser.driver).getScreenshotAs(OutputType.BYTES);
            window.setSize(size);
            Files.write(SCREENSHOTS.resolve(name + ".png"), png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Clicks a form's button and waits for the page it loads. */
    private void submit(String css) {
        var page = browser.find("html");
        browser.find(css).click();
        // Chromium answers a node of the page it left with "does not belong to the document" as well as with a stale
        // element reference: either means the new page is there (ExpectedConditions.stalenessOf knows only the latter).
        browser.waiting().until(driver -> {
            try {
                page.isEnabled();
                return false;
            } catch (org.openqa.selenium.WebDriverException gone) {
                return true;
            }
        });
    }

    private void waitFor(String id) {
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id(id)));
    }

    @Test
    void anAdminCreatesARobotTokenCopiesItsSecretOnceAndSkopeoPushesWithIt() {
        browser.logIn("admin", ADMIN_PASSWORD);
        browser.find("#nav-admin").click();
        waitFor("admin-tokens");
        screenshot(browser, "admin");
        browser.find("#admin-tokens").click();
        waitFor("create-token");
        browser.find("#token-name").sendKeys("ci-push");
        new Select(browser.find("#token-namespace")).selectByValue("team");
        browser.find("#token-repositories").sendKeys("team/*");
        browser.find("#token-push").click();
        browser.find("#create-token-submit").click();
        waitFor("secret");
        String secret = browser.find("#secret").getAttribute("value");
        assertThat(secret).startsWith("berth_");
        screenshot(browser, "admin-token-created");
        // The copy button puts the secret on the clipboard.
        ((HasPermissions) browser.driver).setPermission("clipboard-read", "granted");
        ((HasPermissions) browser.driver).setPermission("clipboard-write", "granted");
        browser.find("#copy-secret").click();
        browser.waiting().until(d -> browser.find("#copy-secret").getText().equals("Copied"));
        Object copied = ((JavascriptExecutor) browser.driver).executeAsyncScript(
                "var done = arguments[arguments.length - 1]; navigator.clipboard.readText().then(done, e => done('error ' + e));");
        assertThat(copied).isEqualTo(secret);
        // Reloading the page that showed it neither creates another token nor shows the secret again.
        browser.driver.navigate().refresh();
        waitFor("create-token");
        assertThat(browser.driver.getPageSource()).doesNotContain(secret.substring(secret.lastIndexOf('_') + 1));
        assertThat(browser.texts("td.token-name")).containsOnlyOnce("ci-push");
        // Shown once: the list of tokens does not hold it.
        browser.open("/admin/tokens");
        assertThat(browser.driver.getPageSource()).doesNotContain(secret.substring(secret.lastIndexOf('_') + 1));
        assertThat(browser.texts("td.token-name")).contains("ci-push");
        screenshot(browser, "admin-tokens");

        Result pushed = skopeoPush("team/robot", "v1", "ci", (String) copied);
        assertThat(pushed.exitCode()).as(pushed.output()).isZero();
        assertThat(tags("team/robot")).containsExactly("v1");
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void aMemberAnOwnerAddsInTheUiCanThenPushWithSkopeo() {
        Result refused = skopeoPush("team/dan", "v1", "dan", "dan-password");
        assertThat(refused.exitCode()).as(refused.output()).isNotZero();
        browser.logIn("alice", "alice-password");
        browser.find("#nav-namespaces").click();
        browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("a.namespace")));
        browser.find("a.namespace[href='/ns/team']").click();
        waitFor("add-member");
        browser.find("#member-user").sendKeys("dan");
        new Select(browser.find("#member-role")).selectByValue("writer");
        submit("#add-member-submit");
        waitFor("members");
        assertThat(browser.texts("td.member-name")).contains("alice", "dan");
        assertThat(new Select(browser.find("#role-dan")).getFirstSelectedOption().getText()).isEqualTo("writer");

        Result pushed = skopeoPush("team/dan", "v1", "dan", "dan-password");
        assertThat(pushed.exitCode()).as(pushed.output()).isZero();
        assertThat(tags("team/dan")).containsExactly("v1");
        // A user who does not exist is refused with a message, and nothing changes.
        browser.find("#member-user").sendKeys("nobody");
        submit("#add-member-submit");
        assertThat(browser.find("#error").getText()).contains("nobody not found");
        assertThat(browser.texts("td.member-name")).doesNotContain("nobody");
    }

    @Test
    void aRetentionPreviewListsExactlyWhatTheDryRunAndTheRunRemove() {
        for (int i = 1; i <= 5; i++) {
            push("team/ret", "build-" + i, 100 + i);
        }
        push("team/ret", "prod", 200);
        browser.logIn("alice", "alice-password");
        browser.open("/ns/team");
        waitFor("add-retention");
        browser.find("#retention-pattern").clear();
        browser.find("#retention-pattern").sendKeys("build-*");
        browser.find("#retention-keep-last").sendKeys("2");
        submit("#retention-preview-button");
        waitFor("retention-preview");
        List<String> preview = browser.texts("#retention-preview td.removal-tag");
        assertThat(preview).hasSize(3).allMatch(tag -> tag.startsWith("build-"));
        // The preview stored nothing; the form keeps what was typed.
        assertThat(browser.all("tr.retention-rule")).isEmpty();
        assertThat(browser.find("#retention-keep-last").getAttribute("value")).isEqualTo("2");
        screenshot(browser, "namespace-retention-preview");
        submit("#retention-save-button");
        waitFor("retention-rules");
        assertThat(browser.all("tr.retention-rule")).hasSize(1);
        submit("#retention-dry-run-button");
        waitFor("retention-dry-run");
        assertThat(browser.texts("#retention-dry-run td.removal-tag")).containsExactlyElementsOf(preview);
        assertThat(tags("team/ret")).hasSize(6);
        submit("#retention-run-button");
        waitFor("retention-removed");
        assertThat(browser.texts("#retention-removed td.removal-tag")).containsExactlyElementsOf(preview);
        List<String> left = tags("team/ret");
        assertThat(left).hasSize(3).contains("prod").doesNotContainAnyElementsOf(preview);
        screenshot(browser, "namespace");
    }

    @Test
    void garbageCollectionsDryRunReportsWhatTheRunThenDeletes() {
        String doomed = push("team/gc", "old", 300);
        push("team/gc", "kept", 301);
        // Untagged, its manifest is collected (grace period and history window are 0 here), then its blobs.
        assertThat(admin.delete("/v2/team/gc/manifests/old").status()).isEqualTo(202);
        browser.logIn("admin", ADMIN_PASSWORD);
        browser.open("/admin/gc");
        waitFor("gc-dry-run");
        assertThat(browser.all("#gc-run")).isEmpty();
        submit("#gc-dry-run");
        waitFor("gc-report");
        Map<String, String> dry = report();
        List<String> dryItems = browser.texts("code.gc-item");
        assertThat(Integer.parseInt(dry.get("manifests"))).isGreaterThanOrEqualTo(1);
        assertThat(Long.parseLong(dry.get("bytes"))).isPositive();
        assertThat(dryItems).anyMatch(item -> item.contains(doomed));
        // Nothing went yet: the untagged manifest is still there.
        assertThat(admin.get("/v2/team/gc/manifests/" + doomed).status()).isEqualTo(200);
        screenshot(browser, "admin-gc-dry-run");
        submit("#gc-run");
        waitFor("gc-report");
        assertThat(browser.find("#gc-report-title").getText()).isEqualTo("Collected");
        assertThat(report()).isEqualTo(dry);
        assertThat(browser.texts("code.gc-item")).containsExactlyInAnyOrderElementsOf(dryItems);
        screenshot(browser, "admin-gc");
        submit("#gc-dry-run");
        waitFor("gc-report");
        assertThat(report().get("manifests")).isEqualTo("0");
        assertThat(admin.get("/v2/team/gc/manifests/" + doomed).status()).isEqualTo(404);
        assertThat(admin.get("/v2/team/gc/manifests/kept").status()).isEqualTo(200);
        // The run is in the audit log, which the admin pages filter by action.
        browser.open("/admin/audit?action=gc.run");
        waitFor("audit");
        assertThat(browser.texts("td.entry-action")).containsExactly("gc.run");
        screenshot(browser, "admin-audit");
        browser.open("/admin/users");
        waitFor("users");
        screenshot(browser, "admin-users");
    }

    @Test
    void aWriterPromotesATagFromItsHistoryPageToAnotherRepository() {
        String digest = push("team/app", "1.0", 400);
        admin.json("PUT", "/api/v1/namespaces/team/members/erin", "{\"role\":\"writer\"}");
        browser.logIn("erin", "erin-password");
        browser.open("/r/team/app/-/tags/1.0");
        waitFor("promote");
        browser.find(".promote summary").click();
        browser.find("#promote-repository").clear();
        browser.find("#promote-repository").sendKeys("team/release");
        browser.find("#promote-tag").sendKeys("prod");
        submit("#promote-submit");
        waitFor("current");
        assertThat(browser.driver.getCurrentUrl()).endsWith("/r/team/release/-/tags/prod");
        assertThat(browser.find("#current").getText()).isEqualTo(digest);
        assertThat(browser.texts("tr.move td")).contains("promote", "erin");
        assertThat(admin.get("/v2/team/release/manifests/prod", "Accept", RegistryApiClient.ACCEPT_ANY_MANIFEST)
                .header("Docker-Content-Digest")).isEqualTo(digest);
        assertThat(admin.get("/api/v1/audit?n=20").text()).contains("team/release:prod");
    }

    @Test
    void theAuditLogFiltersByActionAndTargetAndPagesWithoutOverlap() {
        push("team/audited", "t0", 500);
        byte[] manifest = admin.manifest("team/audited", "t0").body();
        String type = admin.manifest("team/audited", "t0").header("Content-Type");
        for (int i = 1; i < 60; i++) {
            assertThat(admin.putManifest("team/audited", "t" + i, type, manifest).status()).isEqualTo(201);
        }
        browser.logIn("admin", ADMIN_PASSWORD);
        browser.open("/admin/audit");
        waitFor("audit-filters");
        browser.find("#audit-action").sendKeys("tag.push");
        browser.find("#audit-target").sendKeys("team/audited");
        submit("#audit-filter");
        List<String> seen = new ArrayList<>(browser.texts("td.entry-target"));
        assertThat(seen).hasSize(AdminPages.AUDIT_PAGE);
        browser.find("#next").click();
        browser.waiting().until(d -> browser.driver.getCurrentUrl().contains("before="));
        List<String> older = browser.texts("td.entry-target");
        assertThat(older).hasSize(60 - AdminPages.AUDIT_PAGE);
        assertThat(browser.all("#next")).isEmpty();
        seen.addAll(older);
        assertThat(seen).doesNotHaveDuplicates().allMatch(target -> target.startsWith("team/audited:t"));
        assertThat(browser.texts("td.entry-action")).containsOnly("tag.push");
        // The filters stay in the form and in the link to the older page.
        assertThat(browser.find("#audit-target").getAttribute("value")).isEqualTo("team/audited");
    }

    private Map<String, String> report() {
        return Map.of("manifests", browser.find("#gc-manifests").getText(), "links", browser.find("#gc-links").getText(),
                "blobs", browser.find("#gc-blobs").getText(), "bytes", browser.find("#gc-bytes-exact").getText());
    }
}
