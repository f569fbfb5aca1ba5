package io.berth.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The stores of a scale-out Berth for {@code --stores s3pg}: an S3Proxy process (filesystem backend, SigV4, one
 * bucket) and a private PostgreSQL cluster (initdb + pg_ctl, as the postgres user through runuser when run as root),
 * both on free 127.0.0.1 ports with data in fresh temp directories, as the tests' S3Server and PostgresServer start
 * them. PostgreSQL keeps its default durability (fsync on, synchronous commit). Stopped by PID (S3Proxy) and by
 * pg_ctl on its own data directory (PostgreSQL); the directories are deleted.
 */
final class ScaleOutStores implements AutoCloseable {
    static final String S3PROXY_VERSION = "2.7.0";
    static final String ACCESS_KEY = "berth-bench";
    static final String SECRET_KEY = "berth-bench-secret";
    static final String REGION = "us-east-1";
    static final String BUCKET = "berth";
    static final String DATABASE = "berth";
    static final String PG_USER = "postgres";
    /** Part size of Berth's multipart uploads: 16 MiB, so a 64 MiB layer is four parts. */
    static final int PART_SIZE = 16 << 20;

    private final Path s3Dir;
    private final Path pgDir;
    private final Path pgBin;
    private final boolean asPostgresUser;
    private Process s3proxy;
    private int s3Port;
    private int pgPort;
    private boolean pgStarted;

    private ScaleOutStores(Path s3Dir, Path pgDir, Path pgBin, boolean asPostgresUser) {
        this.s3Dir = s3Dir;
        this.pgDir = pgDir;
        this.pgBin = pgBin;
        this.asPostgresUser = asPostgresUser;
    }

    static ScaleOutStores start(Path java, Path work) throws Exception {
        Path jar = s3proxyJar();
        Path bin = postgresBinaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path s3Dir = Files.createDirectories(work.resolve("s3proxy"));
        // The postgres user must reach its data directory: a temp directory of its own, not under the run's 0700 one.
        Path pgDir = Files.createTempDirectory("berth-bench-pg-");
        if (root) {
            UserPrincipal postgres = pgDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(PG_USER);
            Files.setOwner(pgDir, postgres);
        }
        ScaleOutStores stores = new ScaleOutStores(s3Dir, pgDir, bin, root);
        try {
            stores.startS3proxy(java, jar);
            stores.startPostgres();
            stores.awaitS3proxy(60);
            return stores;
        } catch (Exception e) {
            stores.close();
            throw e;
        }
    }

    static Path s3proxyJar() {
        String override = System.getenv("BERTH_S3PROXY_JAR");
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        String repository = System.getProperty("maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString());
        Path jar = Path.of(repository, "org", "gaul", "s3proxy", S3PROXY_VERSION,
                "s3proxy-" + S3PROXY_VERSION + "-jar-with-dependencies.jar");
        if (!Files.isRegularFile(jar)) {
            throw new BenchException("S3Proxy " + S3PROXY_VERSION + " not found at " + jar + ": a build of Berth's tests "
                    + "downloads it (or ./mvnw dependency:get -Dartifact=org.gaul:s3proxy:" + S3PROXY_VERSION
                    + ":jar:jar-with-dependencies), or set BERTH_S3PROXY_JAR");
        }
        return jar;
    }

    static Path postgresBinaries() throws IOException {
        String override = System.getenv("BERTH_POSTGRES_BIN");
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        Path install = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(install)) {
            throw new BenchException("PostgreSQL server binaries not found under " + install + ": apt-get install postgresql");
        }
        try (var versions = Files.list(install)) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max((a, b) -> Integer.compare(version(a), version(b)))
                    .orElseThrow(() -> new BenchException("no initdb under " + install + "/*/bin: apt-get install postgresql"));
        }
    }

    private static int version(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString().replaceAll("[^0-9].*", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void startS3proxy(Path java, Path jar) throws IOException {
        Path data = Files.createDirectories(s3Dir.resolve("data"));
        // The filesystem backend keeps a bucket as a directory: creating it creates the bucket.
        Files.createDirectories(data.resolve(BUCKET));
        s3Port = ServerProcess.freePort();
        Path properties = s3Dir.resolve("s3proxy.properties");
        Files.writeString(properties, """
                s3proxy.endpoint=http://127.0.0.1:%d
                s3proxy.authorization=aws-v2-or-v4
                s3proxy.identity=%s
                s3proxy.credential=%s
                jclouds.provider=filesystem-nio2
                jclouds.identity=local
                jclouds.credential=local
                jclouds.filesystem.basedir=%s
                """.formatted(s3Port, ACCESS_KEY, SECRET_KEY, data));
        Path logback = s3Dir.resolve("logback.xml");
        Files.writeString(logback, """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} %msg%n</pattern></encoder>
                  </appender>
                  <root level="WARN"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        ProcessBuilder builder = new ProcessBuilder(java.toString(), "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC",
                "-Dlogback.configurationFile=" + logback, "-jar", jar.toString(), "--properties", properties.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(s3Dir.resolve("s3proxy.log").toFile()));
        builder.environment().keySet().removeIf(k -> k.startsWith("BERTH_") || k.equals("JAVA_TOOL_OPTIONS"));
        s3proxy = builder.start();
    }

    private void awaitS3proxy(double timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
        while (System.nanoTime() < deadline) {
            if (!s3proxy.isAlive()) {
                throw new BenchException("S3Proxy exited with status " + s3proxy.exitValue() + "; see " + s3Dir.resolve("s3proxy.log"));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", s3Port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new BenchException("S3Proxy not listening within " + timeoutSeconds + " s; see " + s3Dir.resolve("s3proxy.log"));
    }

    private void startPostgres() throws Exception {
        pgPort = ServerProcess.freePort();
        Path data = pgDir.resolve("data");
        runTool(List.of(pgBin.resolve("initdb").toString(), "-D", data.toString(), "-U", PG_USER, "-A", "trust", "-E", "UTF8",
                "--locale=C", "--no-instructions"), 120);
        String options = String.join(" ", "-h 127.0.0.1", "-p " + pgPort, "-k " + pgDir, "-c max_connections=100");
        runTool(List.of(pgBin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", pgDir.resolve("postgres.log").toString(),
                "-o", options, "-w", "-t", "60", "start"), 90);
        pgStarted = true;
        runTool(List.of(pgBin.resolve("createdb").toString(), "-h", "127.0.0.1", "-p", Integer.toString(pgPort), "-U", PG_USER,
                DATABASE), 60);
    }

    /** Runs a PostgreSQL tool (as the postgres user when root) and fails with its output when it fails. */
    private void runTool(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", PG_USER, "--"));
        }
        full.addAll(command);
        Path output = Files.createTempFile("berth-bench-pg-tool-", ".log");
        try {
            Process p = new ProcessBuilder(full).directory(pgDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BenchException(String.join(" ", full) + " did not finish in " + timeoutSeconds + " s");
            }
            if (p.exitValue() != 0) {
                throw new BenchException(String.join(" ", full) + " failed with " + p.exitValue() + ":\n" + Files.readString(output));
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** The configuration of every node, as the tests' SharedStores writes it. */
    Path writeConfig(Path file, int poolSize) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.writeString(file, """
                storage:
                  type: s3
                  s3:
                    endpoint: "http://127.0.0.1:%d"
                    region: %s
                    bucket: %s
                    pathStyle: true
                    accessKey: %s
                    secretKey: %s
                    partSize: %d
                metadata:
                  url: "jdbc:postgresql://127.0.0.1:%d/%s"
                  user: %s
                  poolSize: %d
                """.formatted(s3Port, REGION, BUCKET, ACCESS_KEY, SECRET_KEY, PART_SIZE, pgPort, DATABASE, PG_USER, poolSize));
    }

    long s3proxyPid() {
        return s3proxy.pid();
    }

    /** The postmaster's PID (its backends are child processes; their CPU is not in the postmaster's). */
    long postgresPid() throws IOException {
        return Long.parseLong(Files.readAllLines(pgDir.resolve("data").resolve("postmaster.pid")).get(0).trim());
    }

    String describe() {
        return "S3Proxy " + S3PROXY_VERSION + " (filesystem-nio2 backend, port " + s3Port + ", pid " + s3proxy.pid()
                + ") and PostgreSQL " + version(pgBin) + " (default durability, port " + pgPort + ")";
    }

    @Override
    public void close() {
        try {
            if (pgStarted) {
                runTool(List.of(pgBin.resolve("pg_ctl").toString(), "-D", pgDir.resolve("data").toString(), "-m", "fast", "-w",
                        "-t", "30", "stop"), 60);
            }
        } catch (Exception e) {
            System.err.println("bench: stopping PostgreSQL failed: " + e.getMessage());
        } finally {
            if (s3proxy != null && s3proxy.isAlive()) {
                s3proxy.destroy();
                try {
                    if (!s3proxy.waitFor(15, TimeUnit.SECONDS)) {
                        s3proxy.destroyForcibly();
                        s3proxy.waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    s3proxy.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
            try {
                Main.deleteTree(pgDir);
            } catch (IOException e) {
                System.err.println("bench: could not delete " + pgDir + ": " + e.getMessage());
            }
        }
    }
}
