package io.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.testing.BerthCommand;
import io.berth.testing.BerthCommand.Exit;
import io.berth.testing.BerthServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The berth command line as a user meets it, through real processes: version, help, and mistyped commands. */
@Timeout(120)
class CliTest {
    /** "berth 0.1.0-SNAPSHOT (commit 385646b29f8e, built 2026-12-07T20:30:00Z)": the build fills in all three. */
    private static final Pattern VERSION = Pattern.compile(
            "berth ([0-9][^ ]*) \\(commit ([0-9a-f]{7,40}), built (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ)\\)");

    @Test
    void version_prints_the_version_the_git_commit_and_the_build_time() {
        Exit version = BerthCommand.run("version");

        assertThat(version.code()).as(version.output()).isZero();
        assertThat(version.output().strip()).matches(VERSION);
        assertThat(BerthCommand.run("--version")).isEqualTo(version);
        assertThat(BerthCommand.run("-V")).isEqualTo(version);
    }

    @Test
    void help_gc_prints_the_usage_of_gc() {
        Exit help = BerthCommand.run("help", "gc");

        assertThat(help.code()).as(help.output()).isZero();
        assertThat(help.output()).startsWith("Usage: berth gc ").contains("--dry-run", "--grace");
        assertThat(BerthCommand.run("gc", "--help")).isEqualTo(help);
    }

    @Test
    void help_follows_a_path_of_subcommands() {
        Exit help = BerthCommand.run("help", "namespace", "grant");

        assertThat(help.code()).as(help.output()).isZero();
        assertThat(help.output()).startsWith("Usage: berth namespace grant ").contains("NAMESPACE USER ROLE");
        assertThat(BerthCommand.run("namespace", "grant", "--help")).isEqualTo(help);
        assertThat(BerthCommand.run("help", "repo", "delete")).isEqualTo(BerthCommand.run("repo", "delete", "--help"));
        assertThat(BerthCommand.run("help", "namespace", "grnt")).isEqualTo(new Exit(2,
                "berth: unknown command 'namespace grnt' (did you mean namespace grant?)\n"));
    }

    @Test
    void help_lists_every_command_with_its_description() {
        Exit help = BerthCommand.run("help");

        assertThat(help.code()).as(help.output()).isZero();
        assertThat(help.output()).contains("  version ", "  serve ", "Run the registry.", "  namespace ",
                "Manage namespaces and their members.", "  gc ", "  scrub ");
    }

    @Test
    void berth_alone_prints_the_commands_and_exits_2() {
        Exit alone = BerthCommand.run();

        assertThat(alone.code()).as(alone.output()).isEqualTo(2);
        assertThat(alone.output()).startsWith("Usage: berth [-hV] [COMMAND]").contains("  version ", "  serve ");
    }

    @Test
    void a_mistyped_command_names_the_nearest_real_one_and_exits_2() {
        assertThat(BerthCommand.run("namspace"))
                .isEqualTo(new Exit(2, "berth: unknown command 'namspace' (did you mean namespace?)\n"));
        assertThat(BerthCommand.run("namespace", "lst"))
                .isEqualTo(new Exit(2, "berth: unknown command 'namespace lst' (did you mean namespace list?)\n"));
        assertThat(BerthCommand.run("help", "sreve"))
                .isEqualTo(new Exit(2, "berth: unknown command 'sreve' (did you mean serve?)\n"));
        assertThat(BerthCommand.run("xyzzy"))
                .isEqualTo(new Exit(2, "berth: unknown command 'xyzzy': 'berth help' lists the commands\n"));
    }

    @Test
    void a_bad_option_is_one_line_naming_the_command_and_its_help() {
        assertThat(BerthCommand.run("gc", "--bogus"))
                .isEqualTo(new Exit(2, "berth: gc: unknown option: '--bogus' (see 'berth help gc')\n"));
        assertThat(BerthCommand.run("repo", "delete"))
                .isEqualTo(new Exit(2, "berth: repo delete: missing required parameter: 'NAME' (see 'berth help repo delete')\n"));
    }

    /** Help builds no store, server or logging: none of their classes is loaded to print it. */
    @Test
    void help_loads_no_store_server_or_logging_class() {
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"help", "serve"},
                new String[] {"help", "import-distribution"}, new String[] {"version"})) {
            Exit help = BerthCommand.run(List.of("-Xlog:class+load=info:stdout:tags"), Map.of(), args);

            assertThat(help.code()).as(help.output()).isZero();
            assertThat(help.output()).contains("picocli.CommandLine").doesNotContain("io.netty.", "org.sqlite.",
                    "com.zaxxer.", "org.flywaydb.", "ch.qos.logback.", "com.fasterxml.jackson.", "software.amazon.");
        }
    }

    /** The running server says which Berth it is: a Berth-Version header on /v2/ and GET /version. */
    @Test
    void the_server_names_its_version_and_commit() throws Exception {
        Matcher cli = VERSION.matcher(BerthCommand.run("version").output().strip());
        assertThat(cli.matches()).isTrue();
        try (BerthServer berth = BerthServer.start(); HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> base = http.send(HttpRequest.newBuilder(URI.create("http://" + berth.hostPort() + "/v2/"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> version = http.send(HttpRequest.newBuilder(
                    URI.create("http://" + berth.hostPort() + "/version")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(base.statusCode()).isEqualTo(200);
            assertThat(base.headers().firstValue("Berth-Version")).hasValue(cli.group(1) + " " + cli.group(2));
            assertThat(version.statusCode()).isEqualTo(200);
            assertThat(version.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(version.body().strip()).isEqualTo("{\"version\":\"" + cli.group(1) + "\",\"commit\":\""
                    + cli.group(2) + "\",\"built\":\"" + cli.group(3) + "\"}");
        }
        // With access control on, the anonymous probe of /v2/ is a 401 that names the Berth too.
        try (BerthServer berth = BerthServer.with().auth("admin-secret-1").start();
             HttpClient http = HttpClient.newHttpClient()) {
            for (String method : List.of("GET", "HEAD")) {
                HttpResponse<String> base = http.send(HttpRequest.newBuilder(URI.create("http://" + berth.hostPort()
                        + "/v2/")).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(base.statusCode()).as(method).isEqualTo(401);
                assertThat(base.headers().firstValue("Berth-Version")).as(method)
                        .hasValue(cli.group(1) + " " + cli.group(2));
            }
        }
    }
}
