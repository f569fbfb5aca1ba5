package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthServer;
import io.berth.testing.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The one-line refusals of the command line (issue 14 review): a missing data directory or key directory, a server
 * with access control off, an unknown host, a TLS port asked in plain HTTP, a URL with a path, a missing CA file, flags
 * beating the environment, and not-found exiting 1 with the same words in both modes. Real launcher, real servers.
 */
class CliErrorMessagesTest {
    private static BerthServer open;
    private static String url;
    private static Path work;

    @BeforeAll
    static void start() throws IOException {
        open = BerthServer.start(BerthServer.newDataDir(), List.of());
        url = "http://" + open.hostPort();
        work = Files.createTempDirectory("berth-cli-errors-");
    }

    @AfterAll
    static void stop() {
        if (open != null) {
            open.close();
        }
    }

    /** Exit code and exactly one line on standard error, which is returned. */
    private static String oneLine(int exit, Cli.Run run) {
        assertThat(run.exit()).as("exit; output %s / %s", run.out(), run.err()).isEqualTo(exit);
        assertThat(run.errLines()).as(run.err()).hasSize(1);
        return run.errLines().get(0);
    }

    private static Cli.Run run(Path dir, Map<String, String> env, String... args) {
        return Cli.run(dir, env, null, args);
    }

    @Test
    void keygenWithoutAnyBerthOrOutDirectoryRefuses() throws IOException {
        Path dir = Files.createTempDirectory("berth-keygen-none-");
        assertThat(oneLine(1, run(dir, Map.of(), "keygen"))).isEqualTo("berth: no Berth to act on: ./data does not exist"
                + " here; pass --config FILE (or set BERTH_CONFIG), --data DIR or --out FILE");
        assertThat(dir.resolve("data")).doesNotExist();
        Path missing = dir.resolve("nonexist/dir");
        assertThat(oneLine(1, run(dir, Map.of(), "keygen", "--out", missing.resolve("k.json").toString())))
                .isEqualTo("berth: no such directory " + missing + " (for --out " + missing.resolve("k.json") + ")");
        assertThat(dir.resolve("nonexist")).doesNotExist();
        Cli.Run written = run(dir, Map.of(), "keygen", "--out", dir.resolve("k.json").toString());
        assertThat(written.exit()).as(written.err()).isZero();
        assertThat(dir.resolve("k.json")).exists();
    }

    @Test
    void aDataDirectoryThatDoesNotExistIsRefusedNotCreated() throws IOException {
        Path dir = Files.createTempDirectory("berth-typo-");
        Path typo = dir.resolve("typo/path");
        for (String[] args : new String[][] {{"namespace", "list"}, {"repo", "delete", "a/b"}, {"keygen"}, {"scrub"}}) {
            String[] withData = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                    java.util.stream.Stream.of("--data", typo.toString())).toArray(String[]::new);
            assertThat(oneLine(1, run(dir, Map.of(), withData))).isEqualTo("berth: no such data directory " + typo);
        }
        assertThat(oneLine(1, run(dir, Map.of("BERTH_DATA", typo.toString()), "audit")))
                .isEqualTo("berth: no such data directory " + typo);
        assertThat(dir.resolve("typo")).doesNotExist();
    }

    @Test
    void accessControlCommandsAgainstAServerWithoutItSaySo() {
        String line = "berth: the server at " + url + " has access control off; users, namespaces, tokens and the"
                + " audit log exist only when it is on";
        for (String[] args : new String[][] {{"user", "list"}, {"namespace", "list"}, {"token", "list"}, {"audit"},
                {"retention", "list"}}) {
            String[] withServer = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                    java.util.stream.Stream.of("--server", url)).toArray(String[]::new);
            assertThat(oneLine(1, run(work, Map.of(), withServer))).as(String.join(" ", args)).isEqualTo(line);
        }
    }

    @Test
    void unreachableServersAndBadUrlsAreOneClearLine() throws IOException {
        assertThat(oneLine(1, run(work, Map.of(), "audit", "--server", "nosuchhost.invalid:5000")))
                .isEqualTo("berth: cannot reach http://nosuchhost.invalid:5000: unknown host nosuchhost.invalid");
        assertThat(oneLine(1, run(work, Map.of(), "audit", "--server", url + "/api")))
                .isEqualTo("berth: --server takes scheme://host:port, without a path: " + url + "/api");
        assertThat(oneLine(1, run(work, Map.of("BERTH_CACERT", "/nonexist"), "audit", "--server",
                "https://127.0.0.1:" + Ports.freePort()))).isEqualTo("berth: BERTH_CACERT /nonexist: no such file");
        try (BerthServer tls = BerthServer.with().tls().start()) {
            String port = tls.hostPort().substring(tls.hostPort().lastIndexOf(':') + 1);
            assertThat(oneLine(1, run(work, Map.of(), "audit", "--server", "127.0.0.1:" + port)))
                    .startsWith("berth: cannot reach http://127.0.0.1:" + port + ": ").endsWith(" (is it https?)");
        }
    }

    @Test
    void flagsBeatTheEnvironmentAndServerWithConfigIsAUsageError() throws IOException {
        Path dir = Files.createTempDirectory("berth-precedence-");
        Path data = Files.createDirectory(dir.resolve("data"));
        Path config = dir.resolve("berth.yaml");
        Files.writeString(config, "data: " + data + "\n");
        String closed = "http://127.0.0.1:" + Ports.freePort();
        Cli.Run created = run(dir, Map.of("BERTH_SERVER", closed), "namespace", "create", "team-p", "--config",
                config.toString());
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).contains("team-p");
        assertThat(oneLine(2, run(dir, Map.of(), "namespace", "list", "--server", url, "--config", config.toString())))
                .isEqualTo("berth: namespace list: give --server or --config, not both (see 'berth help namespace list')");
    }

    @Test
    void notFoundExitsOneWithTheSameWordsInBothModes() throws IOException {
        Path dir = Files.createTempDirectory("berth-notfound-");
        Files.createDirectory(dir.resolve("data"));
        String line = "berth: NAME_UNKNOWN: repository ns/nosuch not found";
        Cli.Run direct = run(dir, Map.of(), "repo", "delete", "ns/nosuch");
        assertThat(direct.exit()).as(direct.err()).isEqualTo(1);
        assertThat(direct.errLines()).contains(line);
        assertThat(oneLine(1, run(work, Map.of(), "repo", "delete", "ns/nosuch", "--server", url))).isEqualTo(line);
        Cli.Run rule = run(dir, Map.of(), "retention", "remove", "999999");
        assertThat(rule.exit()).as(rule.err()).isEqualTo(1);
        assertThat(rule.errLines()).contains("berth: NOT_FOUND: no retention rule 999999");
        assertThat(oneLine(2, run(work, Map.of(), "repo", "nosuch"))).startsWith("berth: unknown command 'repo nosuch'");
        for (String[] args : new String[][] {{"tag", "rollback", "ns/nosuch:v1"}, {"promote", "ns/nosuch:v1", "--tag", "v2"}}) {
            Cli.Run local = run(dir, Map.of(), args);
            assertThat(local.exit()).as(local.err()).isEqualTo(1);
            String remote = oneLine(1, run(work, Map.of(), java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                    java.util.stream.Stream.of("--server", url)).toArray(String[]::new)));
            assertThat(remote).as(String.join(" ", args)).matches("berth: [A-Z_]+: .+");
            assertThat(local.errLines()).as(String.join(" ", args)).contains(remote);
        }
    }
}
