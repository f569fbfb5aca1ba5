package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which Berth a command acts on: --config or BERTH_CONFIG; without one, a command that opens the stores says which
 * data directory it uses, and refuses when nothing names one and ./data does not exist.
 */
class ConfigSelectionTest {

    private static String oneLineFailure(Cli.Run run) {
        assertThat(run.exit()).as("exit; output %s / %s", run.out(), run.err()).isEqualTo(1);
        assertThat(run.errLines()).hasSize(1);
        return run.errLines().get(0);
    }

    @Test
    void withoutConfigurationAndWithoutDataTheCommandsRefuse() throws IOException {
        Path dir = Files.createTempDirectory("berth-nowhere-");
        for (String[] args : new String[][] {{"namespace", "publish", "team-a"}, {"audit"}, {"user", "list"},
                {"gc", "--dry-run"}, {"namespace", "usage", "team-a"}, {"repo", "list"}, {"tag", "list", "team-a/app"},
                {"usage"}}) {
            assertThat(oneLineFailure(Cli.run(dir, Map.of(), null, args))).isEqualTo("berth: no Berth to act on: ./data"
                    + " does not exist here; pass --config FILE (or set BERTH_CONFIG), --server URL (or set BERTH_SERVER)"
                    + " or --data DIR");
        }
        assertThat(oneLineFailure(Cli.run(dir, Map.of(), null, "scrub"))).isEqualTo("berth: no Berth to act on: ./data"
                + " does not exist here; pass --config FILE (or set BERTH_CONFIG) or --data DIR");
        assertThat(dir.resolve("data")).doesNotExist();
    }

    @Test
    void withoutConfigurationTheCommandSaysWhichDataDirectoryItUses() throws IOException {
        Path dir = Files.createTempDirectory("berth-here-");
        Files.createDirectory(dir.resolve("data"));
        Cli.Run created = Cli.run(dir, Map.of(), null, "namespace", "create", "team-a");
        assertThat(created.exit()).as(created.err()).isZero();
        String line = "berth: using data directory " + dir.toRealPath().resolve("data") + " (no --config or BERTH_CONFIG)";
        assertThat(created.errLines()).containsExactly(line);
        Cli.Run published = Cli.run(dir, Map.of(), null, "namespace", "publish", "team-a");
        assertThat(published.out()).contains("team-a is now public");
        assertThat(published.errLines()).containsExactly(line);
        Cli.Run audit = Cli.run(dir, Map.of(), null, "audit");
        assertThat(audit.out()).contains("namespace.publish").contains("namespace.create");
        assertThat(audit.errLines()).containsExactly(line);
        // --data names it too, and the line says which one.
        Path other = Files.createDirectory(dir.resolve("other"));
        Cli.Run elsewhere = Cli.run(dir, Map.of(), null, "namespace", "create", "team-b", "--data", other.toString());
        assertThat(elsewhere.errLines()).containsExactly("berth: using data directory " + other + " (no --config or BERTH_CONFIG)");
        Cli.Run listed = Cli.run(dir, Map.of(), null, "namespace", "list", "--data", other.toString());
        assertThat(listed.out()).contains("team-b").doesNotContain("team-a");
    }

    @Test
    void readOnlyCommandsOnAnEmptyDataDirectorySaySoAndCreateNothing() throws IOException {
        Path dir = Files.createTempDirectory("berth-empty-");
        Path data = Files.createDirectory(dir.resolve("data"));
        String line = "berth: no Berth in " + data.toRealPath() + ": it holds no berth.db, nothing was stored there;"
                + " pass --config FILE (or set BERTH_CONFIG), --server URL (or set BERTH_SERVER) or --data DIR of an"
                + " existing one";
        for (String[] args : new String[][] {{"repo", "list"}, {"audit"}, {"user", "list"}, {"namespace", "list"},
                {"namespace", "members", "team-a"}, {"token", "list"}, {"tag", "list", "team-a/app"},
                {"tag", "history", "team-a/app:v1"}, {"manifest", "show", "team-a/app:v1"}, {"usage"},
                {"namespace", "usage", "team-a"}, {"retention", "list"}}) {
            assertThat(oneLineFailure(Cli.run(dir, Map.of(), null, args))).as(String.join(" ", args)).isEqualTo(line);
            assertThat(data).as(String.join(" ", args)).isEmptyDirectory();
        }
    }

    @Test
    void berthConfigAndConfigNameTheInstance() throws IOException {
        Path dir = Files.createTempDirectory("berth-config-");
        Path data = dir.resolve("srv/data");
        Path config = dir.resolve("berth.yaml");
        Files.writeString(config, "data: " + data + "\n");
        Cli.Run created = Cli.run(dir, Map.of("BERTH_CONFIG", config.toString()), null, "namespace", "create", "team-c");
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.errLines()).isEmpty();
        assertThat(data.resolve("berth.db")).exists();
        assertThat(dir.resolve("data")).doesNotExist();

        Cli.Run listed = Cli.run(dir, Map.of(), null, "namespace", "list", "--config", config.toString());
        assertThat(listed.out()).contains("team-c");
        assertThat(listed.errLines()).isEmpty();
        // --config wins over BERTH_CONFIG.
        Path empty = dir.resolve("empty.yaml");
        Files.writeString(empty, "data: " + dir.resolve("empty-data") + "\n");
        Cli.Run both = Cli.run(dir, Map.of("BERTH_CONFIG", config.toString()), null, "namespace", "list", "--config",
                empty.toString());
        assertThat(both.out()).doesNotContain("team-c");
        Cli.Run missing = Cli.run(dir, Map.of("BERTH_CONFIG", dir.resolve("nope.yaml").toString()), null, "audit");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.errLines()).hasSize(1);
    }
}
