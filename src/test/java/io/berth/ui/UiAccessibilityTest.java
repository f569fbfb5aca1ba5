package io.berth.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * axe-core (the rules of WCAG 2.1 A and AA and best practices) on every main page of the UI in the same headless
 * Chromium: home, repository, artifact, tag history, namespaces and a namespace with all its forms, the admin pages
 * and the login page; no violation of serious or critical impact may remain. And every control of a page with many
 * forms is reached with the Tab key.
 */
@Tag("clients")
@Timeout(300)
class UiAccessibilityTest {
    private static final String ADMIN_PASSWORD = "admin-password-1";
    private static final Set<String> BLOCKING = Set.of("serious", "critical");

    private static BerthServer server;
    private static Chromium browser;
    private static String digest;

    @BeforeAll
    static void start() {
        server = BerthServer.with().auth(ADMIN_PASSWORD).start();
        RegistryApiClient admin = server.admin();
        admin.json("POST", "/api/v1/users", "{\"name\":\"alice\",\"password\":\"alice-password\"}");
        admin.json("POST", "/api/v1/namespaces", "{\"name\":\"team\",\"owner\":\"alice\",\"public\":true}");
        admin.json("POST", "/api/v1/namespaces/team/immutable", "{\"pattern\":\"v*\"}");
        admin.json("POST", "/api/v1/namespaces/team/retention", "{\"pattern\":\"build-*\",\"keepLast\":1}");
        digest = UiImages.push(admin, "team/app", "v1", 1);
        UiImages.push(admin, "team/app", "build-1", 2);
        browser = new Chromium("http://" + server.hostPort());
    }

    @AfterAll
    static void stop() throws Exception {
        Chromium.closeBoth(browser, server);
    }

    /** The serious and critical violations on the page at path, one line each with the elements it names. */
    private static List<String> violations(String path) {
        browser.open(path);
        Results results = new AxeBuilder().analyze(browser.driver);
        // axe ran on the page: it checked rules there and passed some (a page it could not read passes none).
        assertThat(results.isErrored()).as(path).isFalse();
        assertThat(results.getPasses()).as(path).isNotEmpty();
        List<String> found = new ArrayList<>();
        for (Rule rule : results.getViolations()) {
            if (BLOCKING.contains(rule.getImpact())) {
                found.add(path + ": " + rule.getId() + " (" + rule.getImpact() + "): " + rule.getHelp() + " at "
                        + rule.getNodes().stream().map(node -> String.valueOf(node.getTarget())).toList());
            }
        }
        return found;
    }

    @Test
    void everyMainPageHasNoSeriousOrCriticalViolation() {
        List<String> found = new ArrayList<>();
        browser.loggedOut();
        found.addAll(violations("/login"));
        found.addAll(violations("/"));
        browser.logIn("admin", ADMIN_PASSWORD);
        for (String path : List.of("/", "/?q=app", "/?q=v1", "/r/team/app", "/r/team/app/-/" + digest, "/r/team/app/-/tags/v1",
                "/r/team/app/-/tags/build-1/delete", "/ns", "/ns/team", "/admin", "/admin/users", "/admin/tokens",
                "/admin/audit", "/admin/gc", "/no/such/page")) {
            found.addAll(violations(path));
        }
        // The pages a change leads to: a retention dry run, a GC report, a created token with its secret.
        browser.open("/ns/team");
        browser.find("#retention-dry-run-button").click();
        browser.waiting().until(d -> !browser.all("#retention-dry-run").isEmpty());
        found.addAll(found(browser.driver.getCurrentUrl()));
        browser.open("/admin/gc");
        browser.find("#gc-dry-run").click();
        browser.waiting().until(d -> !browser.all("#gc-report").isEmpty());
        found.addAll(found("/admin/gc (report)"));
        browser.open("/admin/tokens");
        browser.find("#token-name").sendKeys("a11y");
        browser.find("#token-repositories").sendKeys("team/*");
        browser.find("#create-token-submit").click();
        browser.waiting().until(d -> !browser.all("#secret").isEmpty());
        found.addAll(found("/admin/tokens (created)"));
        assertThat(found).isEmpty();
    }

    /** The serious and critical violations on the page the browser shows now. */
    private static List<String> found(String label) {
        List<String> found = new ArrayList<>();
        for (Rule rule : new AxeBuilder().analyze(browser.driver).getViolations()) {
            if (BLOCKING.contains(rule.getImpact())) {
                found.add(label + ": " + rule.getId() + " (" + rule.getImpact() + "): " + rule.getHelp());
            }
        }
        return found;
    }

    @Test
    void theCheckFindsAnInputWithoutALabel() {
        browser.loggedOut();
        browser.open("/login");
        ((org.openqa.selenium.JavascriptExecutor) browser.driver).executeScript(
                "document.querySelector('form').appendChild(document.createElement('input'))");
        assertThat(found("/login with an unlabelled input")).anyMatch(line -> line.contains("label (critical)"));
    }

    @Test
    void everyControlOfTheNamespacePageIsReachedWithTheTabKey() {
        browser.logIn("admin", ADMIN_PASSWORD);
        browser.open("/ns/team");
        List<WebElement> controls = browser.all("main a[href], main button, main input:not([type=hidden]), main select");
        assertThat(controls).hasSizeGreaterThan(10);
        Set<WebElement> reached = new java.util.HashSet<>();
        WebElement body = browser.find("body");
        body.sendKeys(Keys.TAB);
        for (int i = 0; i < 200 && reached.size() < controls.size(); i++) {
            WebElement active = browser.driver.switchTo().activeElement();
            if (controls.contains(active)) {
                reached.add(active);
            }
            active.sendKeys(Keys.TAB);
        }
        assertThat(controls).allMatch(reached::contains, "reached with Tab");
    }
}
