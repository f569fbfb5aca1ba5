package io.berth.metadata;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.berth.oci.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.flywaydb.core.Flyway;

/**
 * One metadata database (an SQLite file or a PostgreSQL database), its schema brought up to date when it opens, and
 * the stores on it: metadata (blobs, manifests, tags, uploads), access control, and lifecycle. The stores share its
 * connection pool and its {@link Database} (SQLite's writer lock, the retry of deadlocked transactions).
 */
public final class MetadataDatabase implements AutoCloseable {
    private final HikariDataSource dataSource;
    /**
     * PostgreSQL only: the connections that hold digest locks (session advisory locks). A lock holder goes on to use
     * the main pool; holders never take from the pool they would wait on, so concurrent commits cannot starve it.
     */
    private HikariDataSource lockConnections;
    /** Opens a connection outside the pool and its timeouts, for a copy of every table ({@link #copyTablesInto}). */
    private final Connector direct;
    private final Dialect dialect;
    private final MetadataStore metadata;
    private final AuthStore auth;
    private final LifecycleStore lifecycle;
    private final VulnerabilityStore vulnerabilities;
    private final ScanStore scans;

    @FunctionalInterface
    private interface Connector {
        Connection open() throws SQLException;
    }

    private MetadataDatabase(HikariDataSource dataSource, Connector direct, Clock clock, Dialect dialect) {
        this.dataSource = dataSource;
        this.direct = direct;
        this.dialect = dialect;
        Database db = dialect == Dialect.SQLITE ? Database.singleWriter(dataSource) : Database.concurrent(dataSource);
        this.metadata = new JdbcMetadataStore(this, db, clock, dialect);
        this.auth = new JdbcAuthStore(db, dialect.forUpdate);
        this.lifecycle = new JdbcLifecycleStore(db, clock, dialect);
        this.vulnerabilities = new JdbcVulnerabilityStore(db, clock, dialect);
        this.scans = new JdbcScanStore(db);
    }

    /** An SQLite database file in WAL mode; writers take the lock up front and wait for each other. */
    public static MetadataDatabase sqlite(Path file, Clock clock) {
        return sqlite(file, clock, "normal");
    }

    /**
     * An SQLite database file in WAL mode. synchronous "normal" (the default) syncs the log at checkpoints: a process
     * crash loses nothing, a power loss may lose the last commits but never corrupts; "full" syncs every commit.
     */
    public static MetadataDatabase sqlite(Path file, Clock clock, String synchronous) {
        String sync = synchronous == null ? "normal" : synchronous.trim().toLowerCase(java.util.Locale.ROOT);
        if (!sync.equals("normal") && !sync.equals("full")) {
            throw new IllegalArgumentException("metadata.sqliteSynchronous must be normal or full, got " + synchronous);
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create " + file.getParent(), e);
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("berth-sqlite");
        config.setJdbcUrl("jdbc:sqlite:" + file.toAbsolutePath()
                + "?journal_mode=WAL&synchronous=" + sync.toUpperCase(java.util.Locale.ROOT) + "&busy_timeout=30000&transaction_mode=IMMEDIATE&foreign_keys=false");
        // A fixed pool of connections that live as long as the store, so their kept statements (StatementCache) do.
        config.setMaximumPoolSize(8);
        config.setMinimumIdle(8);
        config.setMaxLifetime(0);
        config.setIdleTimeout(0);
        config.setConnectionTimeout(30_000);
        return open(config, "", clock, Dialect.SQLITE, null,
                () -> DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath() + "?busy_timeout=30000"));
    }

    /** A PostgreSQL database; names compare in byte order; the default timeouts (1 s to connect, 60 s per answer). */
    public static MetadataDatabase postgres(String url, String user, String password, int poolSize, Clock clock) {
        return postgres(url, user, password, poolSize, Duration.ofSeconds(1), Duration.ofSeconds(60), clock);
    }

    /**
     * A PostgreSQL database; names compare in byte order. While the server is down, a request waits at most
     * connectTimeout for a connection (Hikari's default of 30 s held every request that long before it failed), and a
     * query on a server that stopped answering fails after socketTimeout instead of waiting on TCP for minutes.
     */
    public static MetadataDatabase postgres(String url, String user, String password, int poolSize,
                                            Duration connectTimeout, Duration socketTimeout, Clock clock) {
        if (connectTimeout.toMillis() < 250) {
            throw new IllegalArgumentException("metadata.connectTimeout must be at least 250ms, got " + connectTimeout);
        }
        if (socketTimeout.isNegative()) {
            throw new IllegalArgumentException("metadata.socketTimeout must not be negative, got " + socketTimeout);
        }
        HikariConfig config = postgresPool("berth-postgres", url, user, password, connectTimeout);
        config.setMaximumPoolSize(poolSize);
        config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        config.addDataSourceProperty("socketTimeout", Long.toString(ceilSeconds(socketTimeout)));
        // The migration runs without the socket timeout: an index built on a large table may take longer than it.
        org.postgresql.ds.PGSimpleDataSource migrations = new org.postgresql.ds.PGSimpleDataSource();
        migrations.setUrl(url);
        migrations.setUser(user);
        migrations.setPassword(password);
        MetadataDatabase store = open(config, "COLLATE \"C\"", clock, Dialect.POSTGRES, migrations,
                () -> DriverManager.getConnection(url, user, password));
        // No socket timeout here: a digest lock waits in pg_advisory_lock as long as the holder's commit takes.
        HikariConfig locks = postgresPool("berth-postgres-locks", url, user, password, connectTimeout);
        locks.setMaximumPoolSize(Math.max(8, poolSize));
        locks.setMinimumIdle(0);
        store.lockConnections = new HikariDataSource(locks);
        return store;
    }

    private static HikariConfig postgresPool(String name, String url, String user, String password, Duration connectTimeout) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setConnectionTimeout(connectTimeout.toMillis());
        // Hikari checks a connection idle for over 500 ms before it hands it out; a dead server must fail that check
        // within the connection timeout (Hikari's floor is 250 ms).
        config.setValidationTimeout(Math.max(250, connectTimeout.toMillis() - 250));
        // Opening a connection gets the time it always had (Hikari would derive 1 s from the connection timeout, too
        // short for a busy server): a server that is down refuses at once, and the pool's timeout bounds the wait.
        config.addDataSourceProperty("loginTimeout", Long.toString(CONNECTION_SETUP.toSeconds()));
        return config;
    }

    /** How long the driver may take to open and authenticate a connection. */
    private static final Duration CONNECTION_SETUP = Duration.ofSeconds(30);

    /** The PostgreSQL driver counts its timeouts in whole seconds; 0 means none. */
    private static long ceilSeconds(Duration duration) {
        return (duration.toMillis() + 999) / 1000;
    }

    /** migrations: where the schema migration runs; null means the pool itself. */
    private static MetadataDatabase open(HikariConfig config, String textCollation, Clock clock, Dialect dialect,
                                         javax.sql.DataSource migrations, Connector direct) {
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            Flyway.configure()
                    .dataSource(migrations == null ? dataSource : migrations)
                    .locations("classpath:db/migration")
                    .placeholders(Map.of("text_collation", textCollation,
                            "blob", dialect == Dialect.POSTGRES ? "BYTEA" : "BLOB"))
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new MetadataDatabase(dataSource, direct, clock, dialect);
    }

    /** The digest lock of {@link MetadataStore#lockDigest}: a PostgreSQL advisory lock, none on SQLite. */
    AutoCloseable lockDigest(Digest digest) {
        if (dialect != Dialect.POSTGRES) {
            return () -> { };
        }
        long key = java.nio.ByteBuffer.wrap(java.util.HexFormat.of().parseHex(digest.hex().substring(0, 16))).getLong();
        try {
            Connection connection = Sql.connect(lockConnections);
            try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_lock(?)")) {
                lock.setLong(1, key);
                lock.execute();
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
            return () -> {
                try (connection; PreparedStatement unlock = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                    unlock.setLong(1, key);
                    unlock.execute();
                }
            };
        } catch (SQLException e) {
            throw new MetadataException(e);
        }
    }

    /** The store of blobs, manifests, tags and uploads; closing it closes this database. */
    public MetadataStore metadata() {
        return metadata;
    }

    /** The access-control store (users, namespaces, roles, tokens, audit log). */
    public AuthStore auth() {
        return auth;
    }

    /** The lifecycle store (rules, quotas, leases, garbage collection). */
    public LifecycleStore lifecycle() {
        return lifecycle;
    }

    /** The vulnerability database's store (OSV records, their package index, imported sources). */
    public VulnerabilityStore vulnerabilities() {
        return vulnerabilities;
    }

    /** The scan queue and reports. */
    public ScanStore scans() {
        return scans;
    }

    /** What copying one table did: rows read from this database, rows written (new or changed) into the target. */
    public record TableCopy(String table, long rows, long written) {}

    /**
     * Copies every table but uploads, leases and the schema history into target, row by row with their timestamps,
     * upserted by primary key so that a second run writes only what is missing or changed; reports each table once
     * it is copied. Both schemas must be current (opening a database makes it so).
     */
    public void copyTablesInto(MetadataDatabase target, Consumer<TableCopy> copied) {
        try (Connection source = direct.open(); Connection into = target.direct.open()) {
            for (Map.Entry<String, java.util.List<String>> table : DatabaseCopy.TABLES.entrySet()) {
                long[] counts = DatabaseCopy.copyTable(source, into, table.getKey(), table.getValue());
                copied.accept(new TableCopy(table.getKey(), counts[0], counts[1]));
            }
        } catch (SQLException e) {
            throw new MetadataException(e);
        }
    }

    /** Uploads in progress, which a copy leaves behind (their bytes are not copied). */
    public long uploadsInProgress() {
        try (Connection source = direct.open()) {
            return DatabaseCopy.count(source, "SELECT count(*) FROM uploads");
        } catch (SQLException e) {
            throw new MetadataException(e);
        }
    }

    @Override
    public void close() {
        if (lockConnections != null) {
            lockConnections.close();
        }
        dataSource.close();
    }
}
