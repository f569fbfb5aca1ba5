package io.berth.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 API server for tests: S3Proxy with its filesystem backend and SigV4 authentication, on a free loopback
 * port, run as a separate java process (its jar bundles its own Jackson, Netty and logback). The pom declares the jar
 * as a test dependency kept off the classpath, so Maven downloads it into the local repository, where this finds it.
 */
public final class S3Server implements AutoCloseable {
    public static final String VERSION = "2.7.0";
    public static final String ACCESS_KEY = "berth-test";
    public static final String SECRET_KEY = "berth-test-secret";
    public static final String REGION = "us-east-1";

    private final ServerProcess process;
    private final Path directory;
    private final int port;

    private S3Server(ServerProcess process, Path directory, int port) {
        this.process = process;
        this.directory = directory;
        this.port = port;
    }

    /** The S3Proxy jar in the local Maven repository (or BERTH_S3PROXY_JAR), or a failure saying how to get it. */
    public static Path jar() {
        Path override = ServerProcess.pathFromEnvironment("BERTH_S3PROXY_JAR");
        if (override != null) {
            return override;
        }
        String repository = System.getProperty("maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString());
        Path jar = Path.of(repository, "org", "gaul", "s3proxy", VERSION, "s3proxy-" + VERSION + "-jar-with-dependencies.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("S3Proxy " + VERSION + " not found at " + jar + ". The pom declares it, so a"
                    + " Maven build downloads it; or run ./mvnw dependency:get -Dartifact=org.gaul:s3proxy:" + VERSION
                    + ":jar:jar-with-dependencies, or set BERTH_S3PROXY_JAR to its path.");
        }
        return jar;
    }

    private static final PerJvm<S3Server> SHARED = new PerJvm<>(S3Server::start);
    private static final java.util.concurrent.atomic.AtomicInteger BUCKETS = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * The one S3 API server of this test JVM, started on first use and stopped when the JVM exits. Tests that share
     * it take a bucket of their own ({@link #newBucket}) and never stop it.
     */
    public static S3Server shared() {
        return SHARED.get();
    }

    /** A server of the caller's own; most tests want {@link #shared}. */
    public static S3Server start() {
        Path jar = jar();
        try {
            Path directory = Files.createTempDirectory("berth-s3-");
            Path data = Files.createDirectories(directory.resolve("data"));
            int port = Ports.freePort();
            Path properties = directory.resolve("s3proxy.properties");
            Files.writeString(properties, """
                    s3proxy.endpoint=http://127.0.0.1:%d
                    s3proxy.authorization=aws-v2-or-v4
                    s3proxy.identity=%s
                    s3proxy.credential=%s
                    jclouds.provider=filesystem-nio2
                    jclouds.identity=local
                    jclouds.credential=local
                    jclouds.filesystem.basedir=%s
                    """.formatted(port, ACCESS_KEY, SECRET_KEY, data));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ServerProcess process = ServerProcess.start(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-Dlogback.configurationFile=" + writeQuietLogback(directory),
                    "-jar", jar.toString(), "--properties", properties.toString()), directory.resolve("s3proxy.log"));
            S3Server server = new S3Server(process, directory, port);
            server.awaitListening(Duration.ofSeconds(60));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** S3Proxy logs every request at INFO; warnings are enough in a test log. */
    private static String writeQuietLogback(Path directory) throws IOException {
        Path file = directory.resolve("logback.xml");
        Files.writeString(file, """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} %msg%n</pattern></encoder>
                  </appender>
                  <root level="WARN"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        return file.toString();
    }

    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String log = process.logText();
                close();
                throw new IllegalStateException("S3Proxy exited:\n" + log);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return;
            } catch (IOException e) {
                ServerProcess.sleep(100);
            }
        }
        String log = process.logText();
        close();
        throw new IllegalStateException("S3Proxy not listening within " + timeout + ":\n" + log);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** A client for test set-up and inspection (create buckets, list what a store left behind). */
    public S3Client client() {
        return S3Client.builder()
                .endpointOverride(endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder())
                .build();
    }

    public void createBucket(String bucket) {
        try (S3Client client = client()) {
            client.createBucket(b -> b.bucket(bucket));
        }
    }

    /** Creates a new, empty bucket with a name no other test of this JVM uses, and returns the name. */
    public String newBucket() {
        String bucket = "berth-" + ProcessHandle.current().pid() + "-" + BUCKETS.incrementAndGet();
        createBucket(bucket);
        return bucket;
    }

    public String logText() {
        return process.logText();
    }

    @Override
    public void close() {
        process.close();
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind
        }
    }
}
