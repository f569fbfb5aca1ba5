package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.config.ConfigException;
import io.berth.config.ConfigLoader;
import io.berth.testing.BerthCommand;
import io.berth.testing.BerthCommand.Exit;
import io.berth.testing.BerthServer;
import io.berth.testing.Ports;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `berth serve` that cannot start prints one line naming the cause and the key, path, address or host, and exits 1:
 * no stack trace, no log lines before it, no open-registry warning for a registry that never opened.
 */
@Timeout(120)
class StartupErrorTest {
    @TempDir
    Path dir;

    private Exit serve(Map<String, String> env, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("serve", "--listen", "127.0.0.1:" + Ports.freePort(),
                "--data", dir.resolve("data").toString()));
        args.addAll(List.of(extra));
        return BerthCommand.run(List.of(), env, args.toArray(String[]::new));
    }

    private Exit serveWithConfig(String yaml) throws Exception {
        Path config = Files.writeString(dir.resolve("berth.yaml"), yaml);
        return serve(Map.of(), "--config", config.toString());
    }

    private static Exit failure(String line) {
        return new Exit(1, "berth: " + line + "\n");
    }

    @Test
    void a_missing_config_file_says_no_such_file_with_its_path() {
        Path missing = dir.resolve("nope.yaml");

        assertThat(serve(Map.of(), "--config", missing.toString()))
                .isEqualTo(failure("cannot read the configuration file " + missing + ": no such file"));
    }

    @Test
    void a_data_directory_that_is_a_file_says_not_a_directory() throws Exception {
        Path file = Files.writeString(dir.resolve("data"), "not a directory");

        assertThat(serve(Map.of())).isEqualTo(failure("cannot use the data directory " + file + ": not a directory"));
        assertThat(BerthCommand.run("serve", "--listen", "127.0.0.1:" + Ports.freePort(), "--data",
                file.resolve("sub").toString()))
                .isEqualTo(failure("cannot use the data directory " + file.resolve("sub") + ": " + file
                        + " is not a directory"));
    }

    @Test
    void an_unwritable_data_directory_says_permission_denied() throws Exception {
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                "root writes into a read-only directory; the check needs an ordinary user");
        Path parent = Files.createDirectories(dir.resolve("readonly"));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("r-x------"));
        try {
            assertThat(BerthCommand.run("serve", "--listen", "127.0.0.1:" + Ports.freePort(), "--data",
                    parent.resolve("data").toString()))
                    .isEqualTo(failure("cannot use the data directory " + parent.resolve("data") + ": permission denied"));
        } finally {
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void a_taken_port_names_the_address() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + taken.getLocalPort();

            assertThat(BerthCommand.run("serve", "--listen", address, "--data", dir.resolve("data").toString()))
                    .isEqualTo(failure("cannot listen on " + address + " (http.listen): address already in use"));
        }
    }

    @Test
    void an_unresolvable_host_is_named() {
        assertThat(BerthCommand.run("serve", "--listen", "no-such-host.invalid:5000", "--data",
                dir.resolve("data").toString()))
                .isEqualTo(failure("cannot listen on no-such-host.invalid:5000 (http.listen): unknown host "
                        + "no-such-host.invalid"));
    }

    @Test
    void bad_yaml_gives_the_key_line_and_column() throws Exception {
        assertThat(serveWithConfig("http:\n  listen: a: b\n")).isEqualTo(failure("invalid YAML in "
                + dir.resolve("berth.yaml") + " line 2, column 12 (at http.listen): mapping values are not allowed here"));
        assertThat(serveWithConfig("gc:\n  interval: 1h\n\tgracePeriod: 2h\n")).isEqualTo(failure("invalid YAML in "
                + dir.resolve("berth.yaml") + " line 3, column 1 (at gc.interval): while scanning for the next token: "
                + "found character '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for indentation)"));
    }

    @Test
    void a_bad_duration_names_its_key() throws Exception {
        assertThat(serveWithConfig("uploads:\n  maxAge: 5x\n")).isEqualTo(failure(
                "invalid configuration at uploads.maxAge: invalid duration: 5x (use e.g. 500ms, 30s, 10m, 24h, 7d)"));
        assertThat(serve(Map.of("BERTH_GC_INTERVAL", "soon"))).isEqualTo(failure(
                "invalid configuration at gc.interval: invalid duration: soon (use e.g. 500ms, 30s, 10m, 24h, 7d)"));
    }

    @Test
    void a_bad_size_or_boolean_names_its_key_and_the_accepted_forms() throws Exception {
        assertThat(serveWithConfig("storage:\n  s3:\n    partSize: 10XB\n")).isEqualTo(failure(
                "invalid configuration at storage.s3.partSize: invalid size '10XB' "
                        + "(use a number with B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB)"));
        assertThat(serve(Map.of("BERTH_AUTH_ENABLED", "yes"))).isEqualTo(failure(
                "auth.enabled: invalid value 'yes' (use true or false)"));
        assertThat(serveWithConfig("gc:\n  enabled: maybe\n")).isEqualTo(failure(
                "gc.enabled: invalid value 'maybe' (use true or false)"));
    }

    @Test
    void a_missing_tls_certificate_or_key_names_its_key_and_path() throws Exception {
        Path key = Files.writeString(dir.resolve("tls.key"), "not a key\n");
        Path certificate = Files.writeString(dir.resolve("tls.crt"), "not a certificate\n");
        assertThat(serveWithConfig("http:\n  tls:\n    certificate: /nope.crt\n    key: " + key + "\n"))
                .isEqualTo(failure("cannot use http.tls.certificate /nope.crt: no such file"));
        assertThat(serveWithConfig("http:\n  tls:\n    certificate: " + certificate + "\n    key: /nope.key\n"))
                .isEqualTo(failure("cannot use http.tls.key /nope.key: no such file"));
    }

    @Test
    void an_unknown_log_level_or_storage_type_is_refused_naming_key_value_and_the_allowed_values() throws Exception {
        assertThat(serveWithConfig("log:\n  level: verbose\n")).isEqualTo(failure(
                "log.level: unknown value 'verbose' (allowed: trace, debug, info, warn, error, off)"));
        assertThat(serve(Map.of("BERTH_LOG_LEVEL", "loud"))).isEqualTo(failure(
                "log.level: unknown value 'loud' (allowed: trace, debug, info, warn, error, off)"));
        assertThat(serveWithConfig("storage:\n  type: disk\n")).isEqualTo(failure(
                "storage.type: unknown value 'disk' (allowed: filesystem, s3)"));
        assertThat(serveWithConfig("metadata:\n  sqliteSynchronous: extra\n")).isEqualTo(failure(
                "metadata.sqliteSynchronous: unknown value 'extra' (allowed: normal, full)"));
    }

    @Test
    void an_enumerated_value_is_taken_in_any_case_and_read_in_lower_case() {
        assertThat(new ConfigLoader().load(null, Map.of("BERTH_LOG_LEVEL", "WARN", "BERTH_STORAGE_TYPE", "S3"), Map.of())
                .log().level()).isEqualTo("warn");
        assertThatThrownBy(() -> new ConfigLoader().load(null, Map.of(), Map.of("log.level", "")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("log.level: unknown value '' (allowed: trace, debug, info, warn, error, off)");
    }

    @Test
    void a_second_server_on_the_same_data_directory_refuses_naming_the_first_ones_pid() throws Exception {
        Path data = dir.resolve("data");
        try (BerthServer first = BerthServer.start(data, List.of())) {
            Exit second = BerthCommand.run("serve", "--listen", "127.0.0.1:" + Ports.freePort(), "--data",
                    data.toString());

            assertThat(second).isEqualTo(failure("the data directory " + data + " is in use by another Berth server (pid "
                    + first.process().pid() + "); lock file " + data.resolve("berth.lock")));
            assertThat(first.process().isAlive()).isTrue();
        }
        // The lock goes with the process: a new server starts on the directory at once.
        try (BerthServer again = BerthServer.start(data, List.of())) {
            assertThat(again.process().isAlive()).isTrue();
        }
    }

    /** The open-registry warning comes once the port is bound, and names the address clients reach. */
    @Test
    void the_open_registry_warning_follows_the_bound_port() throws Exception {
        try (BerthServer berth = BerthServer.start()) {
            String warning = "access control is off (auth.enabled=false): anyone who reaches http://"
                    + berth.hostPort() + " may push, pull and delete";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!berth.process().logText().contains(warning) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String log = berth.process().logText();

            assertThat(log).contains(warning);
            assertThat(log.indexOf("listening on http://" + berth.hostPort())).isNotNegative()
                    .isLessThan(log.indexOf(warning));
        }
    }
}
