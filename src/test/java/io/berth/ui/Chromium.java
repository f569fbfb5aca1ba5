package io.berth.ui;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium from Debian (chromium, chromium-driver: ./run-tests installs them) driven by Selenium, with
 * the browser's console kept so a test can assert that no Content-Security-Policy violation happened.
 */
final class Chromium implements AutoCloseable {
    static final Path BROWSER = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    final WebDriver driver;
    final String base;

    Chromium(String base) {
        if (!Files.isExecutable(BROWSER) || !Files.isExecutable(DRIVER)) {
            throw new IllegalStateException("install the Debian packages chromium and chromium-driver (./run-tests does)");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--no-first-run", "--disable-extensions");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        this.driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        this.base = base;
    }

    void open(String path) {
        driver.get(base + path);
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    List<String> texts(String css) {
        return all(css).stream().map(WebElement::getText).toList();
    }

    WebDriverWait waiting() {
        // htmx swaps parts of a page: an element read while it is replaced is read again.
        return (WebDriverWait) new WebDriverWait(driver, Duration.ofSeconds(15))
                .ignoring(StaleElementReferenceException.class);
    }

    /** The console lines so far that are errors (a refused script or style names the Content-Security-Policy). */
    List<String> consoleErrors() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage)
                .filter(m -> !m.contains("favicon.ico")).toList();
    }

    /** The session cookie as the browser holds it: name, value, httpOnly, sameSite. */
    Map<String, Object> sessionCookie() {
        var cookie = driver.manage().getCookieNamed(WebUi.COOKIE);
        return cookie == null ? Map.of() : Map.of("httpOnly", cookie.isHttpOnly(), "sameSite", cookie.getSameSite(),
                "secure", cookie.isSecure());
    }

    /** On the server's origin with no session (cookies can be deleted only on a page of their site), console read. */
    void loggedOut() {
        open("/static/style.css");
        driver.manage().deleteAllCookies();
        consoleErrors(); // read: what earlier tests left in the console is gone
    }

    /** Logs in through the login page. */
    void logIn(String user, String password) {
        loggedOut();
        open("/login");
        find("#username").sendKeys(user);
        find("#password").sendKeys(password);
        find("#submit").click();
        waiting().until(org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated(By.id("user")));
    }

    @Override
    public void close() {
        driver.quit();
    }

    /** Closes the browser, then the server, either of which may not have started. */
    static void closeBoth(Chromium browser, AutoCloseable server) throws Exception {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }
}
