package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
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

/**
 * The berth command line as a user runs it: a separate JVM on the test class path (the classes the jar holds), in a
 * working directory of the test's choice, with exactly the arguments given (no --data added), and the HTTP calls the
 * tests make to a server started from what the commands wrote.
 */
final class Launcher {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A finished command: its exit code, standard output and standard error. */
    record Run(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    private Launcher() {}

    /** The java command that runs berth with args. */
    static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), "io.berth.cli.Main"));
        command.addAll(List.of(args));
        return command;
    }

    /** Runs berth args in dir with extra environment variables; at most 60 s. */
    static Run run(Path dir, Map<String, String> env, String... args) {
        try {
            Files.createDirectories(dir);
            Path out = Files.createTempFile("berth-cli", ".out");
            Path err = Files.createTempFile("berth-cli", ".err");
            ProcessBuilder builder = new ProcessBuilder(command(args)).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(env);
            Process p = builder.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("berth " + String.join(" ", args) + " did not finish in 60 s");
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Run run(Path dir, String... args) {
        return run(dir, Map.of(), args);
    }

    /** The status of GET path on hostPort, with Basic credentials when user is not null. */
    static int get(String hostPort, String path, String user, String password) {
        return send(hostPort, path, user, password).statusCode();
    }

    /** A token from the server's token endpoint for user, as docker login gets one. */
    static String token(String hostPort, String user, String password) {
        HttpResponse<String> r = send(hostPort, "/auth/token?service=berth", user, password);
        if (r.statusCode() != 200) {
            throw new AssertionError("token endpoint answered " + r.statusCode() + ": " + r.body());
        }
        try {
            JsonNode json = new ObjectMapper().readTree(r.body());
            return json.get("token").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpResponse<String> send(String hostPort, String path, String user, String password) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + hostPort + path))
                .timeout(Duration.ofSeconds(10));
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
