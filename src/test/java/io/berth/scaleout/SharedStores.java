package io.berth.scaleout;

import io.berth.testing.PostgresServer;
import io.berth.testing.S3Server;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The stores a fleet of Berth nodes shares: a real PostgreSQL (one fresh database) and a real S3 API server
 * (S3Proxy, one bucket), started side by side, with the YAML that points a node at them. Public for the real-client
 * tests (io.berth.clients), which run one node on these stores.
 */
public final class SharedStores implements AutoCloseable {
    /** Smallest part size S3 allows, so that a few MiB already make multipart uploads. */
    static final int PART_SIZE = 5 << 20;
    /** Node JVMs stay small: four JVMs and PostgreSQL share the test machine. */
    public static final java.util.Map<String, String> NODE_ENV = java.util.Map.of("JAVA_TOOL_OPTIONS",
            "-Xmx256m -XX:MaxDirectMemorySize=192m -XX:+UseSerialGC");

    final PostgresServer postgres;
    final S3Server s3;
    final String database;
    final String bucket;

    private SharedStores(PostgresServer postgres, S3Server s3, String database, String bucket) {
        this.postgres = postgres;
        this.s3 = s3;
        this.database = database;
        this.bucket = bucket;
    }

    /**
     * A fresh database and a fresh bucket on the PostgreSQL and S3 API servers this test JVM shares (each started
     * once, on first use, side by side).
     */
    public static SharedStores start() {
        CompletableFuture<S3Server> s3 = CompletableFuture.supplyAsync(S3Server::shared);
        PostgresServer postgres = PostgresServer.shared();
        S3Server server = s3.join();
        return new SharedStores(postgres, server, postgres.createDatabase(), server.newBucket());
    }

    /** Where the S3 API server listens: the host presigned URLs name. */
    public java.net.URI s3Endpoint() {
        return s3.endpoint();
    }

    String jdbcUrl() {
        return postgres.jdbcUrl(database);
    }

    /** Writes a node configuration for these stores, followed by extra YAML, to file. */
    public Path writeConfig(Path file, String extraYaml) {
        String yaml = """
                storage:
                  type: s3
                  s3:
                    endpoint: "%s"
                    region: %s
                    bucket: %s
                    pathStyle: true
                    accessKey: %s
                    secretKey: %s
                    partSize: %d
                metadata:
                  url: "%s"
                  user: %s
                  poolSize: 8
                """.formatted(s3.endpoint(), S3Server.REGION, bucket, S3Server.ACCESS_KEY, S3Server.SECRET_KEY, PART_SIZE,
                jdbcUrl(), PostgresServer.USER) + extraYaml;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Connection sql() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), PostgresServer.USER, "");
    }

    long count(String query) {
        try (Connection c = sql(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(query + ": " + e.getMessage(), e);
        }
    }

    /**
     * Keys in the bucket under prefix. S3Proxy's filesystem backend answers a listing with 500 now and then while
     * files under the prefix are being deleted (a purge running beside the test); such a listing is asked again.
     */
    List<String> keys(String prefix) {
        for (int attempt = 1; ; attempt++) {
            List<String> keys = new ArrayList<>();
            try (S3Client client = s3.client()) {
                for (S3Object object : client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
                    keys.add(object.key());
                }
                return keys;
            } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
                if (e.statusCode() != 500 || attempt == 10) {
                    throw e;
                }
                try {
                    Thread.sleep(300L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Multipart uploads begun and neither completed nor aborted. */
    List<String> multipartUploads() {
        List<String> uploads = new ArrayList<>();
        try (S3Client client = s3.client()) {
            for (MultipartUpload upload : client.listMultipartUploads(b -> b.bucket(bucket)).uploads()) {
                uploads.add(upload.key() + " " + upload.uploadId());
            }
        }
        return uploads;
    }

    /** The servers stay up for the next test of this JVM; this test's database and bucket are its own. */
    @Override
    public void close() {
        // nothing of the servers to stop: they are shared, and stopped when the JVM exits
    }
}
