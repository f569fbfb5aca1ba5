package io.berth.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the berth command line as its own JVM (the classes the jar holds, started as the launcher starts them) in a
 * working directory, with an environment of its own: no BERTH_* variable of the test's leaks in, HOME is given.
 */
final class Cli {
    private Cli() {}

    /** Exit code, standard output and standard error of one run. */
    record Run(int exit, String out, String err) {
        /** The lines of standard error without the JVM's own warnings (native access, Unsafe). */
        List<String> errLines() {
            return err.lines().filter(l -> !l.startsWith("WARNING:")).toList();
        }
    }

    static Run run(Path dir, Map<String, String> env, String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.berth.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("BERTH_"));
        builder.environment().put("HOME", dir.toString());
        builder.environment().putAll(env);
        try {
            Process p = builder.start();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            String out = read(p.getInputStream());
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("berth " + String.join(" ", args) + " did not end within 120 s");
            }
            return new Run(p.exitValue(), out, err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
