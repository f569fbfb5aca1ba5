package io.berth.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The real Berth server as a separate process on a free loopback port, started from the test class path
 * (the same classes the jar holds), with its data in a fresh directory.
 */
public final class BerthServer implements RegistryUnderTest {
    private final ServerProcess process;
    private final int port;
    private final Path dataDir;

    private BerthServer(ServerProcess process, int port, Path dataDir) {
        this.process = process;
        this.port = port;
        this.dataDir = dataDir;
    }

    public static BerthServer start() {
        return start(newDataDir(), List.of());
    }

    /** Starts Berth on dataDir with extra "serve" arguments (e.g. "--config", path). */
    public static BerthServer start(Path dataDir, List<String> extraArgs) {
        return start(dataDir, extraArgs, java.util.Map.of());
    }

    /** Starts Berth with access control on and the given admin password (user "admin"). */
    public static BerthServer startWithAuth(Path dataDir, String adminPassword, List<String> extraArgs) {
        return start(dataDir, extraArgs, java.util.Map.of("BERTH_AUTH_ENABLED", "true", "BERTH_ADMIN_PASSWORD", adminPassword));
    }

    /** Starts Berth on dataDir with extra "serve" arguments and environment variables (BERTH_*). */
    public static BerthServer start(Path dataDir, List<String> extraArgs, java.util.Map<String, String> env) {
        int port = Ports.freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "io.berth.cli.Main", "serve",
                "--listen", "127.0.0.1:" + port,
                "--data", dataDir.toString()));
        command.addAll(extraArgs);
        ServerProcess process = ServerProcess.start(command, dataDir.resolveSibling(dataDir.getFileName() + ".log"), env);
        process.awaitReady(URI.create("http://127.0.0.1:" + port + "/readyz"), Duration.ofSeconds(30));
        return new BerthServer(process, port, dataDir);
    }

    /** Runs a Berth command line (e.g. "repo", "delete", "x") against dataDir and returns its output; fails on non-zero exit. */
    public static String runCli(Path dataDir, String... args) {
        CliRun run = runCliForExit(dataDir, args);
        if (run.exitCode() != 0) {
            throw new IllegalStateException("berth " + String.join(" ", args) + " exited " + run.exitCode() + ":\n" + run.output());
        }
        return run.output();
    }

    /** A command line's exit code and its output (stdout and stderr together). */
    public record CliRun(int exitCode, String output) {}

    /** Runs a Berth command line against dataDir and returns its exit code and output, whatever the exit code. */
    public static CliRun runCliForExit(Path dataDir, String... args) {
        // A command line run is short: the client JIT and a small heap start it faster.
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), "io.berth.cli.Main"));
        command.addAll(List.of(args));
        command.add("--data");
        command.add(dataDir.toString());
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            return new CliRun(p.waitFor(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Path newDataDir() {
        try {
            return Files.createTempDirectory("berth-test-").resolve("data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String name() {
        return "berth";
    }

    @Override
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    @Override
    public boolean supports(Feature feature) {
        return true;
    }

    public Path dataDir() {
        return dataDir;
    }

    public ServerProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.close();
    }
}
