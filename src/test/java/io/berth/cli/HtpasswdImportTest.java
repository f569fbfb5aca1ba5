package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * berth user import-htpasswd through the real command line on the stores of a running server with access control
 * on: all or nothing, every refused entry reported with its line, imported users log in with their htpasswd
 * passwords.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HtpasswdImportTest {
    private static final String ADMIN_PASSWORD = "htpasswd-admin-password";
    /** Written by {@code htpasswd -nbB -C 4 buser pw-bcrypt-1} (apache2-utils 2.4). */
    private static final String HTPASSWD_B_LINE = "buser:$2y$04$7/Z2CqqsxUOXv0o.eMSSFuAwkByxtccm23zW8G9R0ucYwGKWo9pq6";

    private static Path data;
    private static BerthServer server;

    @BeforeAll
    static void start() {
        data = BerthServer.newDataDir();
        server = BerthServer.startWithAuth(data, ADMIN_PASSWORD, List.of());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void a_file_with_any_entry_berth_cannot_take_imports_nothing_and_says_why_for_each_line() throws Exception {
        Path file = htpasswd(
                "# users of the old registry",                                        // 1
                "alice:" + bcrypt("2y", "alice-password"),                           // 2
                "md5user:$apr1$FqS8ZZt9$HWMBLjIT/6fjbx.8pWO/h1",                     // 3: htpasswd -m
                "shauser:{SHA}4w1sdKqeiAjlXDN4mcF3DXVTuSI=",                          // 4: htpasswd -s
                "cryptuser:CedL03xlCFlMs",                                            // 5: htpasswd -d
                "plainuser:pw-plain-1",                                               // 6: htpasswd -p
                "",                                                                   // 7
                "Bob:" + bcrypt("2b", "bob-password"),                               // 8: upper case
                "alice:" + bcrypt("2a", "alice-password"),                           // 9: again
                "no-colon-here",                                                      // 10
                "sha512user:$6$salt$abc",                                             // 11
                "truncated:$2y$04$tooShort");                                         // 12
        BerthServer.CliRun run = BerthServer.runCliForExit(data, "user", "import-htpasswd", file.toString());
        assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
        assertThat(run.output())
                .contains("line 3 (md5user): MD5 hash ($apr1$, htpasswd -m); Berth checks bcrypt only: set the password again with htpasswd -B")
                .contains("line 4 (shauser): SHA-1 hash ({SHA}, htpasswd -s)")
                .contains("line 5 (cryptuser): crypt hash (DES, htpasswd -d)")
                .contains("line 6 (plainuser): plain-text password (htpasswd -p) or an unknown hash")
                .contains("line 8 (Bob): user name not valid in Berth")
                .contains("line 9 (alice): user appears again (first on line 2)")
                .contains("line 10: no ':' between user name and hash")
                .contains("line 11 (sha512user): crypt hash ($6$)")
                .contains("line 12 (truncated): not a valid bcrypt hash")
                .contains("berth: nothing imported: 9 entries of " + file + " refused")
                .doesNotContain("line 2 ")
                .doesNotContain("pw-plain-1");
        assertThat(users()).doesNotContain("alice");
        assertThat(Launcher.get(server.hostPort(), "/v2/", "alice", "alice-password")).isEqualTo(401);
    }

    @Test
    void bcrypt_entries_are_imported_and_their_users_log_in_with_their_htpasswd_passwords() throws Exception {
        Path file = htpasswd(
                HTPASSWD_B_LINE,
                "frank:" + bcrypt("2y", "frank-password"),
                "grace:" + bcrypt("2a", "grace-password") + "\r",
                "# a comment",
                "heidi:" + bcrypt("2b", "heidi-password"));
        String output = BerthServer.runCli(data, "user", "import-htpasswd", file.toString());
        assertThat(output).contains("imported 4 users, updated 0");
        assertThat(users()).contains("buser", "frank", "grace", "heidi");
        for (String user : List.of("frank", "grace", "heidi")) {
            assertThat(Launcher.get(server.hostPort(), "/v2/", user, user + "-password")).as(user).isEqualTo(200);
            assertThat(Launcher.get(server.hostPort(), "/v2/", user, user + "-wrong")).as(user).isEqualTo(401);
        }
        assertThat(Launcher.get(server.hostPort(), "/v2/", "buser", "pw-bcrypt-1")).isEqualTo(200);
        assertThat(Launcher.token(server.hostPort(), "frank", "frank-password")).isNotBlank();
        assertThat(BerthServer.runCli(data, "audit", "--limit", "20")).contains("user.import").contains("heidi");
    }

    @Test
    void users_berth_has_are_refused_with_nothing_imported_unless_update_replaces_their_passwords() throws Exception {
        BerthServer.runCli(data, "user", "add", "carol", "--password", "carol-old-password");
        Path file = htpasswd(
                "dave:" + bcrypt("2y", "dave-password"),
                "carol:" + bcrypt("2y", "carol-new-password"));

        BerthServer.CliRun refused = BerthServer.runCliForExit(data, "user", "import-htpasswd", file.toString());
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(1);
        assertThat(refused.output()).contains("line 2 (carol): user exists in Berth (--update replaces its password)")
                .contains("nothing imported: 1 entry of " + file + " refused");
        assertThat(users()).doesNotContain("dave");
        assertThat(Launcher.get(server.hostPort(), "/v2/", "carol", "carol-old-password")).isEqualTo(200);

        String updated = BerthServer.runCli(data, "user", "import-htpasswd", file.toString(), "--update");
        assertThat(updated).contains("imported 1 users, updated 1");
        assertThat(Launcher.get(server.hostPort(), "/v2/", "carol", "carol-new-password")).isEqualTo(200);
        assertThat(Launcher.get(server.hostPort(), "/v2/", "carol", "carol-old-password")).isEqualTo(401);
        assertThat(Launcher.get(server.hostPort(), "/v2/", "dave", "dave-password")).isEqualTo(200);
    }

    @Test
    void a_missing_file_is_named() {
        BerthServer.CliRun run = BerthServer.runCliForExit(data, "user", "import-htpasswd", "/nonexistent/htpasswd");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.output()).contains("berth: /nonexistent/htpasswd: no such file");
    }

    /** A bcrypt hash of password with the given version ("2a", "2b" or "2y"), as htpasswd -B writes it. */
    static String bcrypt(String version, String password) {
        return BCrypt.hashpw(password, BCrypt.gensalt("$2a", 4)).replaceFirst("^\\$2a\\$", "\\$" + version + "\\$");
    }

    static Path htpasswd(String... lines) throws Exception {
        Path file = Files.createTempFile("htpasswd", "");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    private static List<String> users() {
        return BerthServer.runCli(data, "user", "list").lines().map(l -> l.split(" ")[0]).toList();
    }
}
