package io.berth.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of the real berth command line in a process of its own (the test class path holds the jar's classes), as
 * a user would run it: its exit code and everything it printed, stdout and stderr together, in order.
 */
public final class BerthCommand {
    private BerthCommand() {}

    public record Exit(int code, String output) {}

    public static Exit run(String... args) {
        return run(List.of(), Map.of(), args);
    }

    /** Runs berth with JVM options and environment variables; a run still going after 60 s is killed and fails. */
    public static Exit run(List<String> jvmOptions, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.berth.cli.Main"));
        command.addAll(List.of(args));
        try {
            // Into a file, not a pipe: a server that starts by mistake keeps a pipe open, and the wait below is bounded.
            Path out = java.nio.file.Files.createTempFile("berth-command-", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
                builder.environment().keySet().removeIf(name -> name.startsWith("BERTH_"));
                builder.environment().putAll(env);
                Process process = builder.start();
                process.getOutputStream().close();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new IllegalStateException("berth " + String.join(" ", args) + " still ran after 60 s: "
                            + java.nio.file.Files.readString(out));
                }
                return new Exit(process.exitValue(), java.nio.file.Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                java.nio.file.Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
