package io.berth.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests: a fresh cluster (initdb) in a temp directory, on a free loopback port, with
 * durability switched off for speed. The server binaries come from Debian's postgresql package
 * (/usr/lib/postgresql/VERSION/bin, the newest version found). initdb refuses to run as root, so as root the
 * cluster belongs to the postgres user the package creates. Stopped with pg_ctl on its own data directory.
 */
public final class PostgresServer implements AutoCloseable {
    public static final String USER = "postgres";
    private static final Path INSTALL_ROOT = Path.of("/usr/lib/postgresql");
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final Path bin;
    private final Path directory;
    private final Path data;
    private final int port;
    private final boolean asPostgresUser;

    private PostgresServer(Path bin, Path directory, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.directory = directory;
        this.data = directory.resolve("data");
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /** The bin directory of the newest PostgreSQL server installed, or a failure that says what to install. */
    public static Path binaries() {
        Path override = ServerProcess.pathFromEnvironment("BERTH_POSTGRES_BIN");
        if (override != null) {
            return override;
        }
        try (Stream<Path> versions = Files.isDirectory(INSTALL_ROOT) ? Files.list(INSTALL_ROOT) : Stream.empty()) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparing(b -> versionOf(b.getParent().getFileName().toString())))
                    .orElseThrow(() -> new IllegalStateException("PostgreSQL server binaries (initdb, pg_ctl) not found under "
                            + INSTALL_ROOT + "/*/bin. Install the Debian package: apt-get install postgresql"
                            + " (or set BERTH_POSTGRES_BIN to a bin directory)."));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int versionOf(String name) {
        try {
            return Integer.parseInt(name.replaceAll("[^0-9].*", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static final PerJvm<PostgresServer> SHARED = new PerJvm<>(PostgresServer::start);

    /**
     * The one server of this test JVM, started on first use and stopped when the JVM exits. Tests that share it take
     * a database of their own ({@link #createDatabase}) and never stop it; a test that stops or restarts PostgreSQL
     * starts its own with {@link #start}.
     */
    public static PostgresServer shared() {
        return SHARED.get();
    }

    /** A server of the caller's own, to stop and restart; most tests want {@link #shared}. */
    public static PostgresServer start() {
        Path bin = binaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            Path directory = Files.createTempDirectory("berth-pg-");
            if (root) {
                UserPrincipal postgres = directory.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(USER);
                Files.setOwner(directory, postgres);
            }
            PostgresServer server = new PostgresServer(bin, directory, Ports.freePort(), root);
            try {
                server.run(List.of(bin.resolve("initdb").toString(), "-D", server.data.toString(), "-U", USER, "-A", "trust",
                        "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"), 120);
                server.startPostmaster();
                return server;
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startPostmaster() {
        String options = String.join(" ", "-h 127.0.0.1", "-p " + port, "-k " + directory,
                "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=200",
                "-c shared_buffers=32MB");
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l",
                directory.resolve("postgres.log").toString(), "-o", options, "-w", "-t", "60", "start"), 90);
    }

    /**
     * Stops the server, cutting its clients off (fast mode). Not immediate mode: with synchronous_commit off, a
     * crash would lose the last commits, which the tests' servers are set up to allow.
     */
    public void stop() {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "30", "stop"), 60);
    }

    /** Starts the server again on its data directory and port, after {@link #stop}. */
    public void restart() {
        startPostmaster();
    }

    /** Runs a server tool (as the postgres user when we are root) and fails with its output if it fails. */
    private void run(List<String> command, int timeoutSeconds) {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", USER, "--"));
        }
        full.addAll(command);
        try {
            Path output = Files.createTempFile("berth-pg-tool-", ".log");
            try {
                Process process = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(output.toFile()).start();
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", full) + " did not finish in " + timeoutSeconds + "s:\n"
                            + Files.readString(output));
                }
                if (process.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", full) + " failed with " + process.exitValue() + ":\n"
                            + Files.readString(output) + logText());
                }
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** A new, empty database (a fresh one per test keeps tests apart). */
    public String createDatabase() {
        String name = "berth_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), USER, "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
        return name;
    }

    /** The postmaster's PID, from its pid file. */
    public long pid() {
        try {
            return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String logText() {
        try {
            Path log = directory.resolve("postgres.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            if (Files.exists(data.resolve("postmaster.pid"))) {
                run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "30", "stop"), 60);
            }
        } finally {
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temp directory left behind
            }
        }
    }
}
