package io.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.testing.BerthServer;
import io.berth.testing.Ports;
import io.berth.testing.SelfSignedCertificate;
import io.berth.testing.ServerProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's log as an operator reads it (issue 14 item 9), on the real server process: {@code log.format: json}
 * makes every line a JSON object and access lines carry fixed fields; health probes stay out of INFO; every request,
 * routed or not, has one access line with its request id; a failed TLS handshake and plain HTTP sent to the TLS port
 * are one WARN line each without a stack trace; {@code log.level: debug} shows Berth's own auth decisions.
 */
@Timeout(180)
class LoggingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final List<String> ACCESS_FIELDS = List.of("time", "request_id", "method", "path", "route",
            "repository", "status", "bytes", "bytes_in", "duration_ms", "user", "user_agent", "remote");

    @TempDir
    Path dir;

    @Test
    void in_json_every_line_is_an_object_and_access_lines_carry_every_field() throws Exception {
        try (Served berth = serve(Map.of("BERTH_LOG_FORMAT", "json"))) {
            String base = berth.base();
            assertThat(get(base + "/v2/", "logging-test/1.0").statusCode()).isEqualTo(200);
            HttpResponse<String> missing = get(base + "/v2/team/app/tags/list", "logging-test/1.0");
            assertThat(missing.statusCode()).isEqualTo(404);
            String requestId = missing.headers().firstValue("X-Request-Id").orElseThrow();

            List<JsonNode> lines = awaitJsonLines(berth.process(),
                    all -> all.stream().anyMatch(l -> requestId.equals(l.path("request_id").asText())));

            JsonNode line = lines.stream().filter(l -> requestId.equals(l.path("request_id").asText())).findFirst()
                    .orElseThrow();
            assertThat(ACCESS_FIELDS).allSatisfy(field -> assertThat(line.has(field)).as(field + " in " + line).isTrue());
            assertThat(line.path("logger").asText()).isEqualTo("access");
            assertThat(line.path("method").asText()).isEqualTo("GET");
            assertThat(line.path("path").asText()).isEqualTo("/v2/team/app/tags/list");
            assertThat(line.path("route").asText()).isEqualTo("tags");
            assertThat(line.path("repository").asText()).isEqualTo("team/app");
            assertThat(line.path("status").isInt()).isTrue();
            assertThat(line.path("status").asInt()).isEqualTo(404);
            assertThat(line.path("bytes").asLong()).isEqualTo(missing.body().getBytes(StandardCharsets.UTF_8).length);
            assertThat(line.path("duration_ms").isNumber()).isTrue();
            assertThat(line.path("user").asText()).isEqualTo("anonymous");
            assertThat(line.path("user_agent").asText()).isEqualTo("logging-test/1.0");
            assertThat(line.path("remote").asText()).startsWith("127.0.0.1:");
            assertThat(java.time.Instant.parse(line.path("time").asText())).isNotNull();
            JsonNode base2 = lines.stream().filter(l -> "access".equals(l.path("logger").asText())
                    && "base".equals(l.path("route").asText())).findFirst().orElseThrow();
            assertThat(base2.path("repository").isNull()).isTrue();
            assertThat(lines).as("the start-up lines are JSON too")
                    .anyMatch(l -> l.path("message").asText().startsWith("Berth serving on"));
            assertThat(lines).as("health probes are not logged at INFO")
                    .noneMatch(l -> "ready".equals(l.path("route").asText()) || "health".equals(l.path("route").asText()));
        }
    }

    @Test
    void in_text_probes_are_absent_and_unrouted_requests_have_one_access_line_with_their_request_id() throws Exception {
        try (BerthServer berth = BerthServer.start()) {
            String base = "http://" + berth.hostPort();
            assertThat(get(base + "/healthz", "probe").statusCode()).isEqualTo(200);
            assertThat(get(base + "/readyz", "probe").statusCode()).isEqualTo(200);
            // Outside /v2/, /api/ and /auth/ the web UI's catch-all answers every GET: this path reaches no route.
            HttpResponse<String> nowhere = get(base + "/api/nowhere", "logging-test/1.0");
            assertThat(nowhere.statusCode()).isEqualTo(404);
            String id = nowhere.headers().firstValue("X-Request-Id").orElseThrow();
            HttpResponse<String> wrongMethod = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v2/_catalog"))
                    .DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(wrongMethod.statusCode()).isEqualTo(405);
            String id405 = wrongMethod.headers().firstValue("X-Request-Id").orElseThrow();

            String log = awaitLog(berth.process(), text -> text.contains("request_id=" + id405));

            assertThat(log.lines().filter(l -> l.contains(" access request_id=" + id + " "))).singleElement()
                    .satisfies(l -> assertThat(l).contains("path=\"/api/nowhere\" status=404").contains("route=-")
                            .contains(" repository=-"));
            String named = log.lines().filter(l -> l.contains(" access request_id=" + id + " ")).findFirst().orElseThrow();
            List<String> textFields = java.util.regex.Pattern.compile(" ([a-z_]+)=").matcher(named).results()
                    .map(m -> m.group(1)).toList();
            assertThat(textFields).as("the text line carries the JSON line's fields, by the same names")
                    .containsExactlyInAnyOrderElementsOf(ACCESS_FIELDS.subList(1, ACCESS_FIELDS.size()));
            assertThat(log.lines().filter(l -> l.contains(" access request_id=" + id405 + " "))).hasSize(1);
            assertThat(log).doesNotContain("path=\"/healthz\"").doesNotContain("path=\"/readyz\"");
        }
    }

    @Test
    void a_debug_run_shows_the_auth_decisions_and_not_nettys_internals() throws Exception {
        try (Served berth = serve(Map.of("BERTH_AUTH_ENABLED", "true", "BERTH_ADMIN_PASSWORD", "admin-password-1",
                "BERTH_LOG_LEVEL", "debug", "BERTH_LOG_FORMAT", "json"))) {
            String base = berth.base();
            assertThat(get(base + "/v2/", "logging-test/1.0").statusCode()).isEqualTo(401);
            HttpResponse<String> admitted = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v2/"))
                    .header("Authorization", "Basic " + Base64.getEncoder()
                            .encodeToString("admin:admin-password-1".getBytes(StandardCharsets.UTF_8)))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(admitted.statusCode()).isEqualTo(200);
            String id = admitted.headers().firstValue("X-Request-Id").orElseThrow();
            String malformedId = malformedRequest(berth.port());

            List<JsonNode> lines = awaitJsonLines(berth.process(), all -> all.stream()
                    .anyMatch(l -> l.path("message").asText().contains("request " + id + ": auth granted"))
                    && all.stream().anyMatch(l -> malformedId.equals(l.path("request_id").asText())));

            assertThat(lines).anyMatch(l -> l.path("message").asText()
                    .equals("request " + id + ": auth granted admin for base: authenticated"));
            assertThat(lines).anyMatch(l -> l.path("message").asText()
                    .matches("request [0-9a-f]{16}: auth refused anonymous for base: authentication required"));
            assertThat(lines).as("routing decisions").anyMatch(l -> l.path("message").asText()
                    .equals("request " + id + ": GET /v2/ -> route base"));
            assertThat(lines).as("at debug, probes have their access lines")
                    .anyMatch(l -> "ready".equals(l.path("route").asText()) && "DEBUG".equals(l.path("level").asText()));
            assertThat(lines.stream().filter(l -> malformedId.equals(l.path("request_id").asText())))
                    .as("a request that is not HTTP has one access line, at DEBUG").singleElement()
                    .satisfies(l -> assertThat(l.path("status").asInt()).isEqualTo(400))
                    .satisfies(l -> assertThat(l.path("level").asText()).isEqualTo("DEBUG"));
            assertThat(lines).as("the libraries' loggers stay at INFO")
                    .noneMatch(l -> l.path("level").asText().equals("DEBUG")
                            && !l.path("logger").asText().startsWith("io.berth.")
                            && !l.path("logger").asText().equals("access"));
        }
    }

    @Test
    void a_debug_run_shows_who_asked_the_token_endpoint_for_what_and_what_was_granted() throws Exception {
        try (Served berth = serve(Map.of("BERTH_AUTH_ENABLED", "true", "BERTH_ADMIN_PASSWORD", "admin-password-1",
                "BERTH_LOG_LEVEL", "debug", "BERTH_LOG_FORMAT", "json"))) {
            String base = berth.base();
            HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/auth/token"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=password&username=alice&password=wrong-secret-9"
                            + "&service=berth&scope=repository:team/app:pull")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(401);
            String refusedId = refused.headers().firstValue("X-Request-Id").orElseThrow();
            HttpResponse<String> granted = HTTP.send(HttpRequest.newBuilder(URI.create(base
                            + "/auth/token?service=berth&scope=repository:team/app:pull"))
                    .header("Authorization", "Basic " + Base64.getEncoder()
                            .encodeToString("admin:admin-password-1".getBytes(StandardCharsets.UTF_8)))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(granted.statusCode()).isEqualTo(200);
            String grantedId = granted.headers().firstValue("X-Request-Id").orElseThrow();

            List<JsonNode> lines = awaitJsonLines(berth.process(), all -> all.stream()
                    .filter(l -> "access".equals(l.path("logger").asText()))
                    .anyMatch(l -> grantedId.equals(l.path("request_id").asText())));

            assertThat(lines).anyMatch(l -> l.path("message").asText()
                    .equals("request " + refusedId + ": token refused for alice: incorrect username or password"));
            assertThat(lines).anyMatch(l -> l.path("message").asText()
                    .matches("login alice from \\S+ refused: no such user"));
            assertThat(lines).anyMatch(l -> l.path("message").asText().equals("request " + grantedId
                    + ": token for admin asked [repository:team/app:pull] granted [repository:team/app:pull]"));
            assertThat(lines.stream().filter(l -> refusedId.equals(l.path("request_id").asText())
                    && "access".equals(l.path("logger").asText()))).singleElement()
                    .satisfies(l -> assertThat(l.path("user").asText()).isEqualTo("alice?"));
            assertThat(lines).as("no password in the log").noneMatch(l -> l.toString().contains("wrong-secret-9")
                    || l.toString().contains("admin-password-1"));
        }
    }

    @Test
    void a_failed_tls_handshake_and_plain_http_on_the_tls_port_are_one_warn_line_each() throws Exception {
        Path config = Files.writeString(dir.resolve("berth.yaml"), "http:\n  tls:\n    certificate: \""
                + certificate() + "\"\n    key: \"" + dir.resolve("tls.key") + "\"\n");
        int port = Ports.freePort();
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.berth.cli.Main", "serve",
                "--listen", "127.0.0.1:" + port, "--data", dir.resolve("data").toString(), "--config", config.toString());
        try (ServerProcess berth = ServerProcess.start(command, dir.resolve("serve.log"))) {
            awaitLog(berth, text -> text.contains("Berth serving on"));

            int untrusting;
            // The JDK's default trust store does not hold the self-signed certificate: the client refuses it.
            try (SSLSocket tls = (SSLSocket) SSLSocketFactory.getDefault().createSocket("127.0.0.1", port)) {
                untrusting = tls.getLocalPort();
                tls.setSoTimeout(10_000);
                try {
                    tls.startHandshake();
                } catch (SSLException expected) {
                    // the point of the test
                }
            }
            int plain;
            try (Socket socket = new Socket("127.0.0.1", port)) {
                plain = socket.getLocalPort();
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                drain(socket.getInputStream());
            }

            String log = awaitLog(berth, text -> text.contains(":" + untrusting) && text.contains(":" + plain));
            Thread.sleep(500);
            log = berth.logText();

            assertThat(log.lines().filter(l -> l.contains("127.0.0.1:" + untrusting))).singleElement()
                    .satisfies(l -> assertThat(l).contains(" WARN ").contains("TLS handshake with /127.0.0.1:" + untrusting
                            + " failed: "));
            assertThat(log.lines().filter(l -> l.contains("127.0.0.1:" + plain))).singleElement()
                    .satisfies(l -> assertThat(l).contains(" WARN ").contains("plain HTTP (not TLS) sent to the TLS port"));
            assertThat(log).doesNotContain("at io.netty").doesNotContain("Exception:");
        }
    }

    @Test
    void an_unknown_log_format_refuses_to_start_with_one_line_naming_the_key() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.berth.cli.Main", "serve",
                "--listen", "127.0.0.1:" + Ports.freePort(), "--data", dir.resolve("data").toString())
                .redirectErrorStream(true);
        builder.environment().put("BERTH_LOG_FORMAT", "xml");
        Process process = builder.start();
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(exited).as(output).isTrue();
        assertThat(process.exitValue()).as(output).isNotZero();
        assertThat(output.strip()).isEqualTo("berth: log.format: unknown value 'xml' (allowed: text, json)");
    }

    /** The server process as the launcher starts it (native access allowed: no JVM warnings in the log). */
    private record Served(ServerProcess process, int port) implements AutoCloseable {
        String base() {
            return "http://127.0.0.1:" + port;
        }

        @Override
        public void close() {
            process.close();
        }
    }

    private Served serve(Map<String, String> env) {
        int port = Ports.freePort();
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.berth.cli.Main", "serve", "--listen", "127.0.0.1:" + port, "--data", dir.resolve("data").toString());
        ServerProcess process = ServerProcess.start(command, dir.resolve("serve.log"), env);
        process.awaitReady(URI.create("http://127.0.0.1:" + port + "/readyz"), Duration.ofSeconds(30));
        return new Served(process, port);
    }

    /** Sends a request line that is not HTTP; returns the request id of the 400 answer. */
    private static String malformedRequest(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 400");
            java.util.regex.Matcher id = java.util.regex.Pattern.compile("(?i)x-request-id: ([0-9a-f]{16})").matcher(answer);
            assertThat(id.find()).as(answer).isTrue();
            return id.group(1);
        }
    }

    private static HttpResponse<String> get(String url, String agent) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("User-Agent", agent).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Every line of the log as JSON, once done holds of them (the access lines are written by a background thread). */
    private static List<JsonNode> awaitJsonLines(ServerProcess process, Predicate<List<JsonNode>> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            List<JsonNode> lines = new ArrayList<>();
            for (String line : process.logText().lines().toList()) {
                try {
                    lines.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new AssertionError("not a JSON line: " + line, e);
                }
            }
            if (done.test(lines) || System.nanoTime() > deadline) {
                return lines;
            }
            Thread.sleep(100);
        }
    }

    private static String awaitLog(ServerProcess process, Predicate<String> done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.test(process.logText()) && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return process.logText();
    }

    private static void drain(InputStream in) {
        try {
            byte[] buffer = new byte[4096];
            while (in.read(buffer) >= 0) {
                // until the server closes
            }
        } catch (IOException e) {
            // closed or reset: either way the server is done with it
        }
    }

    private Path certificate() throws Exception {
        return SelfSignedCertificate.create(dir);
    }
}
