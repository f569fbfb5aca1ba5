package io.berth.docs;

import io.berth.testing.PostgresServer;
import io.berth.testing.S3Server;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the docs' scale-out commands name, made real: a PostgreSQL server with the user and database {@code berth},
 * and an S3 API server (S3Proxy) with the bucket {@code my-registry}, both on loopback, started once for every page
 * that needs them and ended by close().
 */
final class ScaleOutServices implements AutoCloseable {
    /** The bucket and the database user and name the docs use. */
    static final String BUCKET = "my-registry";
    static final String DATABASE = "berth";

    private PostgresServer postgres;
    private S3Server s3;

    void start() {
        if (postgres != null) {
            return;
        }
        postgres = PostgresServer.start();
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl("postgres"), PostgresServer.USER, "");
             Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + DATABASE + " LOGIN CREATEDB");
            s.execute("CREATE DATABASE " + DATABASE + " OWNER " + DATABASE);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the docs' database: " + e.getMessage(), e);
        }
        s3 = S3Server.start();
        s3.createBucket(BUCKET);
    }

    /** What DocScript puts in place of the docs' S3 endpoint and PostgreSQL address; empty before start(). */
    Map<String, String> substitutions() {
        Map<String, String> map = new LinkedHashMap<>();
        if (postgres != null) {
            map.put(DocScript.S3_ENDPOINT, s3.endpoint().toString());
            map.put(DocScript.POSTGRES, "127.0.0.1:" + postgres.port());
        }
        return map;
    }

    /** The S3 credentials (for the AWS SDK's default chain, as the docs say) and PostgreSQL's tools on the PATH. */
    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        if (postgres != null) {
            env.put("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY);
            env.put("AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY);
            env.put("PATH", PostgresServer.binaries() + ":" + System.getenv("PATH"));
        }
        return env;
    }

    @Override
    public void close() {
        if (s3 != null) {
            s3.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }
}
