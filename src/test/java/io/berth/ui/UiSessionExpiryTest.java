package io.berth.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import io.berth.testing.RegistryApiClient;
import io.berth.testing.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A web UI session ends at ui.sessionTtl, on the real server; the rows of expired sessions are deleted by the next
 * login on a node (at most once an hour per node, so here after a restart).
 */
class UiSessionExpiryTest {
    private static final String ADMIN_PASSWORD = "admin-password-1";

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSessionEndsAtItsTtlAndItsRowGoesAtALaterLogin() throws Exception {
        Path data = BerthServer.newDataDir();
        String firstId;
        try (BerthServer server = start(data)) {
            RegistryApiClient client = new RegistryApiClient(server.hostPort());
            String cookie = login(client);
            firstId = cookie.substring(cookie.indexOf('=') + 1, cookie.indexOf('.'));
            assertThat(firstId).startsWith("ui-");
            assertThat(client.withHeader("Cookie", cookie).get("/admin/users").status()).isEqualTo(200);
            assertThat(sessionIds(data)).containsExactly(firstId);
            Thread.sleep(2500);
            assertThat(client.withHeader("Cookie", cookie).get("/admin/users").status()).isEqualTo(403);
        }
        try (BerthServer server = start(data)) {
            String cookie = login(new RegistryApiClient(server.hostPort()));
            String secondId = cookie.substring(cookie.indexOf('=') + 1, cookie.indexOf('.'));
            assertThat(sessionIds(data)).containsExactly(secondId).doesNotContain(firstId);
        }
    }

    private static BerthServer start(Path data) {
        return BerthServer.with().dataDir(data).auth(ADMIN_PASSWORD).config("ui:\n  sessionTtl: 2s").start();
    }

    private static String login(RegistryApiClient client) {
        String body = "username=admin&password=" + URLEncoder.encode(ADMIN_PASSWORD, StandardCharsets.UTF_8);
        Response login = client.post("/login", body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(login.status()).as(login.text()).isEqualTo(303);
        return login.header("Set-Cookie").split(";", 2)[0];
    }

    private static List<String> sessionIds(Path data) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("berth.db"));
             ResultSet rs = c.createStatement().executeQuery("SELECT id FROM refresh_tokens WHERE id LIKE 'ui-%'")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }
}
