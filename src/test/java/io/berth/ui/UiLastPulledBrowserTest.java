package io.berth.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * "Last pulled" in headless Chromium against the real server: a pull by skopeo shows on the repository page (its tag
 * only) and on the home page once the in-memory pull times are flushed (every 10 s), and a pull just before a
 * shutdown is written by the shutdown itself, so the restarted server shows it at once.
 */
@Tag("clients")
@Timeout(240)
class UiLastPulledBrowserTest {
    @TempDir
    Path data;
    @TempDir
    Path pulled;

    private static void push(RegistryApiClient api, String tag, int seed) {
        Response pushed = api.pushImage("pulls/app", tag, List.of(("{\"seed\":" + seed + "}")
                .getBytes(StandardCharsets.UTF_8), ("layer " + seed).getBytes(StandardCharsets.UTF_8)));
        assertThat(pushed.status()).as(pushed.text()).isEqualTo(201);
    }

    private void skopeoPull(BerthServer server, String tag) throws Exception {
        Process skopeo = new ProcessBuilder("skopeo", "copy", "--src-tls-verify=false",
                "docker://" + server.hostPort() + "/pulls/app:" + tag, "dir:" + pulled.resolve(tag))
                .redirectErrorStream(true).start();
        assertThat(skopeo.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(skopeo.exitValue()).as(new String(skopeo.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();
    }

    private static String lastPull(Chromium browser, String tag) {
        return browser.driver.findElement(By.xpath("//tr[td/a[@class='tag-name' and text()='" + tag + "']]"
                + "/td[@class='last-pull']")).getText();
    }

    @Test
    void aPullShowsAfterTheNextFlushAndAPullBeforeAShutdownSurvivesIt() throws Exception {
        BerthServer first = BerthServer.start(data, List.of());
        Chromium browser = null;
        BerthServer second = null;
        try {
            RegistryApiClient api = new RegistryApiClient(first.hostPort());
            push(api, "v1", 1);
            push(api, "v2", 2);
            browser = new Chromium("http://" + first.hostPort());
            browser.open("/r/pulls/app");
            assertThat(lastPull(browser, "v1")).isEqualTo("never");

            skopeoPull(first, "v1");
            Chromium b = browser;
            new WebDriverWait(browser.driver, Duration.ofSeconds(30)).pollingEvery(Duration.ofSeconds(1)).until(d -> {
                b.open("/r/pulls/app");
                return !lastPull(b, "v1").equals("never");
            });
            assertThat(lastPull(browser, "v1")).endsWith("UTC");
            assertThat(lastPull(browser, "v2")).isEqualTo("never");
            browser.open("/");
            assertThat(browser.find("td.last-pull").getText()).endsWith("UTC");

            // Pulled, then the server stops at once (SIGTERM): the shutdown writes what the timer had not yet.
            skopeoPull(first, "v2");
            first.close();
            second = BerthServer.start(data, List.of());
            browser.driver.get("http://" + second.hostPort() + "/r/pulls/app");
            assertThat(lastPull(browser, "v2")).endsWith("UTC");
            assertThat(browser.consoleErrors()).isEmpty();
        } finally {
            Chromium.closeBoth(browser, first);
            if (second != null) {
                second.close();
            }
        }
    }
}
