package io.berth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.testing.BerthServer;
import io.berth.testing.Ports;
import io.berth.testing.SelfSignedCertificate;
import io.berth.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The real server process: half a TLS configuration refuses to start; the start-up line names the scheme and address. */
@Timeout(120)
class TlsStartupTest {
    @TempDir
    Path dir;

    private static List<String> serve(int port, Path data, Path config) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.berth.cli.Main", "serve",
                "--listen", "127.0.0.1:" + port, "--data", data.toString(), "--config", config.toString());
    }

    /** Runs serve with config until it exits; returns its exit code and output. */
    private Exit runToExit(String yaml) throws Exception {
        Path config = Files.writeString(dir.resolve("berth.yaml"), yaml);
        Process process = new ProcessBuilder(serve(Ports.freePort(), dir.resolve("data"), config))
                .redirectErrorStream(true).start();
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        assertThat(exited).as("berth serve with half a TLS configuration is still running").isTrue();
        return new Exit(process.exitValue(), new String(process.getInputStream().readAllBytes()));
    }

    private record Exit(int code, String output) {}

    /** The log once it holds line (the start-up lines follow the first answer by a moment), or as it is at 60 s. */
    private static String awaitLog(ServerProcess process, String line) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!process.logText().contains(line) && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return process.logText();
    }

    private Path certificate() throws Exception {
        return SelfSignedCertificate.create(dir);
    }

    @Test
    void a_certificate_without_a_key_refuses_to_start_with_one_line() throws Exception {
        Path certificate = certificate();

        Exit exit = runToExit("http:\n  tls:\n    certificate: \"" + certificate + "\"\n");

        assertThat(exit.code()).as(exit.output()).isNotZero();
        assertThat(exit.output().strip()).isEqualTo("berth: http.tls.certificate is set but http.tls.key is not: "
                + "set both to serve HTTPS, or neither to serve plain HTTP");
    }

    @Test
    void a_key_without_a_certificate_refuses_to_start_with_one_line() throws Exception {
        certificate();

        Exit exit = runToExit("http:\n  tls:\n    key: \"" + dir.resolve("tls.key") + "\"\n");

        assertThat(exit.code()).as(exit.output()).isNotZero();
        assertThat(exit.output().strip()).isEqualTo("berth: http.tls.key is set but http.tls.certificate is not: "
                + "set both to serve HTTPS, or neither to serve plain HTTP");
    }

    @Test
    void the_start_up_line_says_http_and_the_address_bound() throws InterruptedException {
        try (BerthServer berth = BerthServer.start()) {
            String log = awaitLog(berth.process(), "Berth serving on");

            assertThat(log).contains("listening on http://" + berth.hostPort() + " (")
                    .contains("Berth serving on http://" + berth.hostPort() + " with data in");
        }
    }

    @Test
    void the_start_up_line_says_https_and_the_address_bound() throws Exception {
        Path certificate = certificate();
        Path config = Files.writeString(dir.resolve("berth.yaml"), "http:\n  tls:\n    certificate: \"" + certificate
                + "\"\n    key: \"" + dir.resolve("tls.key") + "\"\n");
        int port = Ports.freePort();

        try (ServerProcess berth = ServerProcess.start(serve(port, dir.resolve("data"), config), dir.resolve("serve.log"))) {
            String log = awaitLog(berth, "Berth serving on");

            assertThat(log).contains("listening on https://127.0.0.1:" + port + " (")
                    .contains("Berth serving on https://127.0.0.1:" + port + " with data in");
        }
    }

    @Test
    void the_loader_refuses_half_a_tls_configuration_from_the_environment() {
        assertThat(new ConfigLoader().load(null, Map.of("BERTH_HTTP_TLS_CERTIFICATE", "a.crt",
                "BERTH_HTTP_TLS_KEY", "a.key"), Map.of()).http().tls().enabled()).isTrue();
        assertThatThrownBy(() -> new ConfigLoader().load(null, Map.of("BERTH_HTTP_TLS_KEY", "a.key"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("http.tls.key is set but http.tls.certificate is not");
    }
}
