package io.berth.metadata;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import org.flywaydb.core.Flyway;

/**
 * The metadata store on JDBC: SQLite for the embedded default, PostgreSQL for scale-out. Migrations run at start.
 *
 * <p>Check-then-act steps stay correct when several processes share the database. SQLite takes its write lock when a
 * transaction begins, so write transactions run one at a time. PostgreSQL runs them side by side in READ COMMITTED,
 * so each one locks the rows its checks depend on: a push holds a share lock on its repository, on the blob links and
 * child manifests it checks, and an update lock on its manifest and tags; a delete holds an update lock on the row it
 * deletes. Whichever comes second waits, then sees the other's committed result (a refused push, a refused delete,
 * or a push that starts over). Locks are taken in one order (repository, blob links, manifests, tags by name); a
 * deadlock or serialization failure that slips through is retried.
 */
public final class JdbcMetadataStore implements MetadataStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

    /** Row-lock clauses for the SELECTs that check-then-act steps depend on; SQLite needs (and parses) none. */
    enum Dialect {
        SQLITE("", ""),
        POSTGRES(" FOR SHARE", " FOR UPDATE");

        final String forShare;
        final String forUpdate;

        Dialect(String forShare, String forUpdate) {
            this.forShare = forShare;
            this.forUpdate = forUpdate;
        }
    }

    private final HikariDataSource dataSource;
    /**
     * PostgreSQL only: the connections that hold digest locks (session advisory locks). A lock holder goes on to use
     * the main pool; holders never take from the pool they would wait on, so concurrent commits cannot starve it.
     */
    private HikariDataSource lockConnections;
    private final Database db;
    private final Clock clock;
    private final Dialect dialect;

    private JdbcMetadataStore(HikariDataSource dataSource, Clock clock, Dialect dialect) {
        this.dataSource = dataSource;
        this.db = dialect == Dialect.SQLITE ? Database.singleWriter(dataSource) : Database.concurrent(dataSource);
        this.clock = clock;
        this.dialect = dialect;
    }

    /** An SQLite database file in WAL mode; writers take the lock up front and wait for each other. */
    public static JdbcMetadataStore sqlite(Path file, Clock clock) {
        return sqlite(file, clock, "normal");
    }

    /**
     * An SQLite database file in WAL mode. synchronous "normal" (the default) syncs the log at checkpoints: a process
     * crash loses nothing, a power loss may lose the last commits but never corrupts; "full" syncs every commit.
     */
    public static JdbcMetadataStore sqlite(Path file, Clock clock, String synchronous) {
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
        return open(config, "", clock, Dialect.SQLITE);
    }

    /** A PostgreSQL database; names compare in byte order; the default timeouts (1 s to connect, 60 s per answer). */
    public static JdbcMetadataStore postgres(String url, String user, String password, int poolSize, Clock clock) {
        return postgres(url, user, password, poolSize, Duration.ofSeconds(1), Duration.ofSeconds(60), clock);
    }

    /**
     * A PostgreSQL database; names compare in byte order. While the server is down, a request waits at most
     * connectTimeout for a connection (Hikari's default of 30 s held every request that long before it failed), and a
     * query on a server that stopped answering fails after socketTimeout instead of waiting on TCP for minutes.
     */
    public static JdbcMetadataStore postgres(String url, String user, String password, int poolSize,
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
        JdbcMetadataStore store = open(config, "COLLATE \"C\"", clock, Dialect.POSTGRES, migrations);
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

    private static JdbcMetadataStore open(HikariConfig config, String textCollation, Clock clock, Dialect dialect) {
        return open(config, textCollation, clock, dialect, null);
    }

    /** migrations: where the schema migration runs; null means the pool itself. */
    private static JdbcMetadataStore open(HikariConfig config, String textCollation, Clock clock, Dialect dialect,
                                          javax.sql.DataSource migrations) {
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            Flyway.configure()
                    .dataSource(migrations == null ? dataSource : migrations)
                    .locations("classpath:db/migration")
                    .placeholders(Map.of("text_collation", textCollation))
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new JdbcMetadataStore(dataSource, clock, dialect);
    }

    @Override
    public AutoCloseable lockDigest(Digest digest) {
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

    /** The access-control store on the same database. */
    public AuthStore authStore() {
        return new JdbcAuthStore(db, dialect.forUpdate);
    }

    /** The lifecycle store (rules, quotas, garbage collection) on the same database. */
    public LifecycleStore lifecycleStore() {
        return new JdbcLifecycleStore(db, clock, dialect);
    }

    private long now() {
        return clock.millis();
    }

    /** A write transaction, run again on a deadlock or a concurrent change ({@link Database#retrying}). */
    private <T> T transaction(Sql.Work<T> work) {
        return db.retrying(work);
    }

    private void ensureRepository(Connection c, RepositoryName repository) throws SQLException {
        Sql.update(c, "INSERT INTO repositories (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", repository, now());
    }

    /**
     * Creates the repository if needed and holds a share lock on it until the transaction ends, so a concurrent
     * deleteRepository waits for this transaction (or this one waits for it, then starts over and creates the
     * repository anew).
     */
    private void lockRepository(Connection c, RepositoryName repository) throws SQLException {
        ensureRepository(c, repository);
        if (!dialect.forShare.isEmpty()
                && !Sql.exists(c, "SELECT 1 FROM repositories WHERE name = ?" + dialect.forShare, repository)) {
            throw new Database.ConcurrentChange("repository " + repository + " was deleted meanwhile");
        }
    }

    // ---- blobs

    @Override
    public void recordBlob(Digest digest, long size) {
        db.transaction(c -> {
            insertBlob(c, digest, size);
            return null;
        });
    }

    @Override
    public Optional<Long> blobSize(Digest digest) {
        return db.read(c -> Sql.one(c, rs -> rs.getLong(1), "SELECT size FROM blobs WHERE digest = ?", digest));
    }

    @Override
    public List<BlobRecord> blobRecords(Digest after, int limit) {
        return db.read(c -> Sql.list(c, rs -> new BlobRecord(Digest.parse(rs.getString(1)), rs.getLong(2)),
                "SELECT digest, size FROM blobs WHERE digest > ? ORDER BY digest LIMIT ?", after == null ? "" : after.toString(),
                limit));
    }

    /** Locks the record first, so a mount (which holds it FOR SHARE while it links) either links before or finds none. */
    @Override
    public boolean forgetBlob(Digest digest) {
        return transaction(c -> {
            if (!Sql.exists(c, "SELECT 1 FROM blobs WHERE digest = ?" + dialect.forUpdate, digest)) {
                return false;
            }
            Sql.update(c, "DELETE FROM repository_blobs WHERE digest = ?", digest);
            return Sql.update(c, "DELETE FROM blobs WHERE digest = ?", digest) > 0;
        });
    }

    @Override
    public void commitUpload(String uploadId, RepositoryName repository, Digest digest, long size) {
        transaction(c -> {
            JdbcLifecycleStore.checkQuota(c, JdbcLifecycleStore.lockQuota(c, dialect.forUpdate, repository), repository,
                    digest, size);
            insertBlob(c, digest, size);
            lockRepository(c, repository);
            insertLink(c, repository, digest);
            Sql.update(c, "DELETE FROM uploads WHERE id = ?", uploadId);
            return null;
        });
    }

    private void insertBlob(Connection c, Digest digest, long size) throws SQLException {
        Sql.update(c, """
                INSERT INTO blobs (digest, size, created_at, state) VALUES (?, ?, ?, 'live')
                ON CONFLICT (digest) DO UPDATE SET state = 'live'""", digest, size, now());
    }

    private void insertLink(Connection c, RepositoryName repository, Digest digest) throws SQLException {
        Sql.update(c, """
                INSERT INTO repository_blobs (repository, digest, created_at, touched_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (repository, digest) DO UPDATE SET touched_at = excluded.touched_at""",
                repository, digest, now(), now());
    }

    @Override
    public boolean linkBlob(RepositoryName repository, Digest digest) {
        return transaction(c -> {
            Long quota = JdbcLifecycleStore.lockQuota(c, dialect.forUpdate, repository);
            Optional<Long> size = Sql.one(c, rs -> rs.getLong(1), "SELECT size FROM blobs WHERE digest = ?" + dialect.forShare,
                    digest);
            if (size.isEmpty()) {
                return false;
            }
            JdbcLifecycleStore.checkQuota(c, quota, repository, digest, size.get());
            lockRepository(c, repository);
            insertLink(c, repository, digest);
            return true;
        });
    }

    @Override
    public List<RepositoryName> repositoriesHolding(Digest digest, int limit) {
        return db.read(c -> Sql.list(c, rs -> new RepositoryName(rs.getString(1)),
                "SELECT repository FROM repository_blobs WHERE digest = ? ORDER BY repository LIMIT ?", digest, limit));
    }

    @Override
    public Optional<Long> linkedBlobSize(RepositoryName repository, Digest digest) {
        return db.read(c -> Sql.one(c, rs -> rs.getLong(1), """
                SELECT b.size FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest
                WHERE rb.repository = ? AND rb.digest = ?""", repository, digest));
    }

    @Override
    public boolean unlinkBlob(RepositoryName repository, Digest digest) {
        return transaction(c -> {
            if (!Sql.exists(c, "SELECT 1 FROM repository_blobs WHERE repository = ? AND digest = ?" + dialect.forUpdate,
                    repository, digest)) {
                return false;
            }
            if (Sql.exists(c, "SELECT 1 FROM manifest_references WHERE repository = ? AND child_digest = ? AND kind = 'b'",
                    repository, digest)) {
                throw new RegistryException(ErrorCode.DENIED,
                        "blob is referenced by a manifest of this repository; delete the manifest first",
                        Map.of("digest", digest.toString()), 405, Map.of());
            }
            Sql.update(c, "DELETE FROM repository_blobs WHERE repository = ? AND digest = ?", repository, digest);
            return true;
        });
    }

    // ---- manifests

    @Override
    public void putManifest(ManifestRecord manifest, List<Digest> blobs, List<Digest> children, List<Tag> tags,
                            TagChange change) {
        RepositoryName repository = manifest.repository();
        transaction(c -> {
            Long quota = JdbcLifecycleStore.lockQuota(c, dialect.forUpdate, repository);
            lockRepository(c, repository);
            insertBlob(c, manifest.digest(), manifest.size());
            for (Digest blob : blobs) {
                if (!Sql.exists(c, "SELECT 1 FROM repository_blobs WHERE repository = ? AND digest = ?" + dialect.forShare,
                        repository, blob)) {
                    throw new RegistryException(ErrorCode.MANIFEST_BLOB_UNKNOWN,
                            "manifest references a blob that is not in this repository", Map.of("digest", blob.toString()));
                }
            }
            for (Digest child : children) {
                if (!Sql.exists(c, "SELECT 1 FROM manifests WHERE repository = ? AND digest = ?" + dialect.forShare,
                        repository, child)) {
                    throw new RegistryException(ErrorCode.MANIFEST_BLOB_UNKNOWN,
                            "index references a manifest that is not in this repository", Map.of("digest", child.toString()));
                }
            }
            // Its blobs and children are counted already (they are in the repository): only its own bytes may add.
            JdbcLifecycleStore.checkQuota(c, quota, repository, manifest.digest(), manifest.size());
            int inserted = Sql.update(c, """
                    INSERT INTO manifests (repository, digest, media_type, size, subject, artifact_type, annotations, created_at,
                    touched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                    repository, manifest.digest(), manifest.mediaType(), manifest.size(),
                    manifest.subject() == null ? null : manifest.subject().toString(), manifest.artifactType(),
                    manifest.annotations().isEmpty() ? null : toJson(manifest.annotations()), now(), now());
            if (inserted > 0) {
                insertReferences(c, manifest, blobs, "b");
                insertReferences(c, manifest, children, "m");
            } else if (Sql.update(c, "UPDATE manifests SET touched_at = ? WHERE repository = ? AND digest = ?", now(),
                    repository, manifest.digest()) == 0) {
                // The manifest was there when we inserted and deleted before we could lock it (PostgreSQL).
                throw new Database.ConcurrentChange("manifest " + manifest.digest() + " was deleted meanwhile");
            }
            boolean moved = false;
            for (Tag tag : tags.stream().sorted(Comparator.comparing(Tag::toString)).toList()) {
                moved |= setTag(c, repository, tag, manifest.digest(), change);
            }
            if (moved) {
                bumpTagsVersion(c, repository);
            }
            return null;
        });
    }

    /** Points tag at digest (null: removes it), refusing a move of a protected tag, and records the move. */
    private boolean setTag(Connection c, RepositoryName repository, Tag tag, Digest digest, TagChange change) throws SQLException {
        Optional<String> current = currentTag(c, repository, tag);
        String next = digest == null ? null : digest.toString();
        if (change.expected() != null && !current.equals(Optional.of(change.expected().toString()))) {
            throw new RegistryException(ErrorCode.DENIED, "tag " + tag + " moved meanwhile: it no longer points at "
                    + change.expected() + "; nothing was changed", Map.of("tag", tag.value(),
                    "expected", change.expected().toString(), "current", current.orElse("none")), 409, Map.of());
        }
        if (current.isEmpty() && next != null && !dialect.forUpdate.isEmpty()) {
            // FOR UPDATE locks no row of a tag that does not exist yet, so two transactions creating the same tag
            // would both record it as new. Inserting it first makes the second wait for the first's row, then move
            // it like any tag, with the first's digest as its previous one.
            if (Sql.update(c, """
                    INSERT INTO tags (repository, name, manifest_digest, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (repository, name) DO NOTHING""", repository, tag, next, now()) == 1) {
                recordMove(c, repository, tag, null, next, change);
                return true;
            }
            current = currentTag(c, repository, tag);
        }
        if (current.isPresent() && current.get().equals(next)) {
            return false;
        }
        if (current.isEmpty() && next == null) {
            return false;
        }
        String rule = current.isPresent() ? change.immutableRule().apply(tag) : null;
        if (rule != null) {
            throw new RegistryException(ErrorCode.DENIED, "tag " + tag + " is immutable (rule '" + rule + "' of namespace "
                    + repository.namespace() + "); push a new tag instead", Map.of("tag", tag.value(), "rule", rule));
        }
        if (next == null) {
            Sql.update(c, "DELETE FROM tags WHERE repository = ? AND name = ?", repository, tag);
        } else {
            Sql.update(c, """
                    INSERT INTO tags (repository, name, manifest_digest, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (repository, name) DO UPDATE SET manifest_digest = excluded.manifest_digest,
                    updated_at = excluded.updated_at""", repository, tag, next, now());
        }
        recordMove(c, repository, tag, current.orElse(null), next, change);
        return true;
    }

    /** The digest tag points at, with the tag's row locked for update (PostgreSQL); empty when there is no tag. */
    private Optional<String> currentTag(Connection c, RepositoryName repository, Tag tag) throws SQLException {
        return Sql.one(c, rs -> rs.getString(1),
                "SELECT manifest_digest FROM tags WHERE repository = ? AND name = ?" + dialect.forUpdate, repository, tag);
    }

    private void recordMove(Connection c, RepositoryName repository, Tag tag, String previous, String next, TagChange change)
            throws SQLException {
        Sql.update(c, """
                INSERT INTO tag_history (id, repository, tag, previous_digest, new_digest, actor, operation, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", java.util.UUID.randomUUID().toString().replace("-", ""), repository, tag,
                previous, next, change.actor(), change.operation(), now());
    }

    /**
     * Gives the repository's tag set a new version. Called once per transaction, after its tags were written: the
     * version row is the last lock a transaction takes (PostgreSQL), so two writers of one repository's tags queue
     * here instead of deadlocking.
     */
    private static void bumpTagsVersion(Connection c, RepositoryName repository) throws SQLException {
        long version;
        do {
            version = ThreadLocalRandom.current().nextLong();
        } while (version == 0);
        Sql.update(c, """
                INSERT INTO tag_versions (repository, version) VALUES (?, ?)
                ON CONFLICT (repository) DO UPDATE SET version = excluded.version""", repository, version);
    }

    @Override
    public boolean moveTag(RepositoryName repository, Tag tag, Digest digest, TagChange change) {
        return transaction(c -> {
            if (!Sql.exists(c, "SELECT 1 FROM manifests WHERE repository = ? AND digest = ?" + dialect.forShare,
                    repository, digest)) {
                return false;
            }
            if (setTag(c, repository, tag, digest, change)) {
                bumpTagsVersion(c, repository);
            }
            return true;
        });
    }

    @Override
    public List<TagMove> tagHistory(RepositoryName repository, Tag tag, int limit) {
        return db.read(c -> Sql.list(c, rs -> new TagMove(rs.getString(1), rs.getString(2),
                        rs.getString(3) == null ? null : Digest.parse(rs.getString(3)),
                        rs.getString(4) == null ? null : Digest.parse(rs.getString(4)), rs.getString(5), rs.getString(6),
                        Instant.ofEpochMilli(rs.getLong(7))), """
                SELECT repository, tag, previous_digest, new_digest, actor, operation, at FROM tag_history
                WHERE repository = ? AND tag = ? ORDER BY at DESC, id DESC LIMIT ?""", repository, tag, limit));
    }

    private static void insertReferences(Connection c, ManifestRecord manifest, List<Digest> children, String kind)
            throws SQLException {
        if (children.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = c.prepareStatement("""
                INSERT INTO manifest_references (repository, manifest_digest, child_digest, kind) VALUES (?, ?, ?, ?)
                ON CONFLICT DO NOTHING""")) {
            for (Digest child : children) {
                statement.setString(1, manifest.repository().value());
                statement.setString(2, manifest.digest().toString());
                statement.setString(3, child.toString());
                statement.setString(4, kind);
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    private static final String MANIFEST_COLUMNS = "m.repository, m.digest, m.media_type, m.size, m.subject, m.artifact_type, m.annotations";

    /** A manifest row of repository (the caller's validated name; the row's own is the same). */
    private static ManifestRecord manifestRow(ResultSet rs, RepositoryName repository) throws SQLException {
        String subject = rs.getString(5);
        return new ManifestRecord(repository, Digest.parse(rs.getString(2)), rs.getString(3),
                rs.getLong(4), subject == null ? null : Digest.parse(subject), rs.getString(6), fromJson(rs.getString(7)));
    }

    @Override
    public Optional<ManifestRecord> manifest(RepositoryName repository, Digest digest) {
        return db.read(c -> {
            try (PreparedStatement s = Sql.prepare(c, "SELECT " + MANIFEST_COLUMNS + " FROM manifests m WHERE m.repository = ? AND m.digest = ?",
                    repository, digest); ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(manifestRow(rs, repository)) : Optional.empty();
            }
        });
    }

    @Override
    public Optional<ManifestRecord> manifestByTag(RepositoryName repository, Tag tag) {
        return db.read(c -> {
            try (PreparedStatement s = Sql.prepare(c, "SELECT " + MANIFEST_COLUMNS
                    + " FROM tags t JOIN manifests m ON m.repository = t.repository AND m.digest = t.manifest_digest"
                    + " WHERE t.repository = ? AND t.name = ?", repository, tag); ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(manifestRow(rs, repository)) : Optional.empty();
            }
        });
    }

    @Override
    public boolean deleteManifest(RepositoryName repository, Digest digest, TagChange change) {
        return transaction(c -> {
            if (!Sql.exists(c, "SELECT 1 FROM manifests WHERE repository = ? AND digest = ?" + dialect.forUpdate,
                    repository, digest)) {
                return false;
            }
            if (Sql.exists(c, "SELECT 1 FROM manifest_references WHERE repository = ? AND child_digest = ? AND kind = 'm'",
                    repository, digest)) {
                throw new RegistryException(ErrorCode.DENIED,
                        "manifest is referenced by an index of this repository; delete the index first",
                        Map.of("digest", digest.toString()), 405, Map.of());
            }
            boolean untagged = false;
            for (String tag : Sql.list(c, rs -> rs.getString(1),
                    "SELECT name FROM tags WHERE repository = ? AND manifest_digest = ? ORDER BY name", repository, digest)) {
                untagged |= setTag(c, repository, new Tag(tag), null, change);
            }
            if (untagged) {
                bumpTagsVersion(c, repository);
            }
            Sql.update(c, "DELETE FROM manifest_references WHERE repository = ? AND manifest_digest = ?", repository, digest);
            Sql.update(c, "DELETE FROM manifests WHERE repository = ? AND digest = ?", repository, digest);
            return true;
        });
    }

    @Override
    public boolean deleteTag(RepositoryName repository, Tag tag, TagChange change) {
        return transaction(c -> {
            if (!Sql.exists(c, "SELECT 1 FROM tags WHERE repository = ? AND name = ?" + dialect.forUpdate, repository, tag)) {
                return false;
            }
            if (setTag(c, repository, tag, null, change)) {
                bumpTagsVersion(c, repository);
            }
            return true;
        });
    }

    @Override
    public boolean repositoryExists(RepositoryName repository) {
        return db.read(c -> Sql.exists(c, "SELECT 1 FROM repositories WHERE name = ?", repository));
    }

    @Override
    public Page<String> tags(RepositoryName repository, String last, int limit) {
        return db.read(c -> page(c, last == null
                ? "SELECT name FROM tags WHERE repository = ? ORDER BY name LIMIT ?"
                : "SELECT name FROM tags WHERE repository = ? AND name > ? ORDER BY name LIMIT ?",
                limit, last == null ? new Object[] {repository, limit + 1} : new Object[] {repository, last, limit + 1}));
    }

    @Override
    public OptionalLong tagsVersion(RepositoryName repository) {
        return db.read(c -> Sql.one(c, rs -> rs.getLong(1), """
                SELECT COALESCE(v.version, 0) FROM repositories r LEFT JOIN tag_versions v ON v.repository = r.name
                WHERE r.name = ?""", repository)).map(OptionalLong::of).orElseGet(OptionalLong::empty);
    }

    @Override
    public Page<String> repositories(String last, int limit) {
        return db.read(c -> page(c, last == null
                ? "SELECT name FROM repositories ORDER BY name LIMIT ?"
                : "SELECT name FROM repositories WHERE name > ? ORDER BY name LIMIT ?",
                limit, last == null ? new Object[] {limit + 1} : new Object[] {last, limit + 1}));
    }

    private static Page<String> page(Connection c, String sql, int limit, Object[] args) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement s = Sql.prepare(c, sql, args); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        boolean more = names.size() > limit;
        return new Page<>(more ? names.subList(0, limit) : names, more);
    }

    @Override
    public List<ManifestRecord> referrers(RepositoryName repository, Digest subject) {
        return db.read(c -> {
            List<ManifestRecord> result = new ArrayList<>();
            try (PreparedStatement s = Sql.prepare(c, "SELECT " + MANIFEST_COLUMNS
                    + " FROM manifests m WHERE m.repository = ? AND m.subject = ? ORDER BY m.digest", repository, subject);
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    result.add(manifestRow(rs, repository));
                }
            }
            return result;
        });
    }

    @Override
    public boolean deleteRepository(RepositoryName repository, TagChange change) {
        return transaction(c -> {
            if (!dialect.forUpdate.isEmpty()) {
                // Waits for pushes into the repository (they hold a share lock on it) and keeps new ones out; then
                // for tag moves (they share-lock the manifest they point a tag at), so the tags read below are all.
                Sql.exists(c, "SELECT 1 FROM repositories WHERE name = ?" + dialect.forUpdate, repository);
                Sql.list(c, rs -> rs.getString(1), "SELECT digest FROM manifests WHERE repository = ?" + dialect.forUpdate,
                        repository);
            }
            List<String[]> tags = Sql.list(c, rs -> new String[] {rs.getString(1), rs.getString(2)},
                    "SELECT name, manifest_digest FROM tags WHERE repository = ? ORDER BY name" + dialect.forUpdate,
                    repository);
            for (String[] row : tags) {
                Tag tag = new Tag(row[0]);
                String rule = change.immutableRule().apply(tag);
                if (rule != null) {
                    throw new RegistryException(ErrorCode.DENIED, "repository " + repository + " holds tag " + tag
                            + ", immutable by rule '" + rule + "' of namespace " + repository.namespace()
                            + "; only an admin may delete it, with force", Map.of("tag", tag.value(), "rule", rule));
                }
            }
            for (String[] row : tags) {
                recordMove(c, repository, new Tag(row[0]), row[1], null, change);
            }
            Sql.update(c, "DELETE FROM tags WHERE repository = ?", repository);
            Sql.update(c, "DELETE FROM tag_versions WHERE repository = ?", repository);
            Sql.update(c, "DELETE FROM manifest_references WHERE repository = ?", repository);
            Sql.update(c, "DELETE FROM manifests WHERE repository = ?", repository);
            Sql.update(c, "DELETE FROM repository_blobs WHERE repository = ?", repository);
            return Sql.update(c, "DELETE FROM repositories WHERE name = ?", repository) > 0;
        });
    }

    // ---- uploads

    @Override
    public void createUpload(UploadSession session) {
        transaction(c -> {
            lockRepository(c, session.repository());
            return Sql.update(c, """
                    INSERT INTO uploads (id, repository, algorithm, byte_offset, started_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?)""", session.id(), session.repository(), session.algorithm(), session.offset(),
                    session.startedAt().toEpochMilli(), session.updatedAt().toEpochMilli());
        });
    }

    @Override
    public Optional<UploadSession> upload(String id) {
        return db.read(c -> {
            try (PreparedStatement s = Sql.prepare(c,
                    "SELECT id, repository, algorithm, byte_offset, started_at, updated_at FROM uploads WHERE id = ?", id);
                 ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(uploadRow(rs)) : Optional.empty();
            }
        });
    }

    private static UploadSession uploadRow(ResultSet rs) throws SQLException {
        return new UploadSession(rs.getString(1), new RepositoryName(rs.getString(2)), rs.getString(3), rs.getLong(4),
                Instant.ofEpochMilli(rs.getLong(5)), Instant.ofEpochMilli(rs.getLong(6)));
    }

    @Override
    public boolean advanceUpload(String id, long expected, long offset, Instant now) {
        return db.transaction(c -> Sql.update(c, "UPDATE uploads SET byte_offset = ?, updated_at = ? WHERE id = ? AND byte_offset = ?",
                offset, now.toEpochMilli(), id, expected) > 0);
    }

    @Override
    public boolean claimUpload(String id, long offset, String writer, Instant until, Instant now, String staleWriterPrefix) {
        // Writer ids never start with '~': without a prefix, the LIKE matches nothing.
        String stale = staleWriterPrefix == null ? "~" : staleWriterPrefix.replace("%", "").replace("_", "") + "%";
        return db.transaction(c -> Sql.update(c, """
                UPDATE uploads SET writer = ?, writer_until = ? WHERE id = ? AND byte_offset = ?
                AND (writer IS NULL OR writer = ? OR writer_until < ? OR writer LIKE ?)""",
                writer, until.toEpochMilli(), id, offset, writer, now.toEpochMilli(), stale) > 0);
    }

    @Override
    public boolean advanceClaimedUpload(String id, long expected, long offset, String writer, Instant now) {
        return db.transaction(c -> Sql.update(c, """
                UPDATE uploads SET byte_offset = ?, updated_at = ?, writer = NULL, writer_until = 0
                WHERE id = ? AND byte_offset = ? AND writer = ?""", offset, now.toEpochMilli(), id, expected, writer) > 0);
    }

    @Override
    public void releaseUpload(String id, String writer) {
        db.transaction(c -> Sql.update(c, "UPDATE uploads SET writer = NULL, writer_until = 0 WHERE id = ? AND writer = ?",
                id, writer));
    }

    @Override
    public int releaseUploadClaims(String writerPrefix) {
        if (!writerPrefix.matches("[a-zA-Z0-9-]+")) {
            throw new IllegalArgumentException("invalid writer prefix");
        }
        return db.transaction(c -> Sql.update(c, "UPDATE uploads SET writer = NULL, writer_until = 0 WHERE writer LIKE ?",
                writerPrefix + "%"));
    }

    @Override
    public void deleteUpload(String id) {
        db.transaction(c -> Sql.update(c, "DELETE FROM uploads WHERE id = ?", id));
    }

    @Override
    public List<UploadSession> uploadsIdleSince(Instant before, int limit) {
        return db.read(c -> {
            List<UploadSession> result = new ArrayList<>();
            try (PreparedStatement s = Sql.prepare(c, """
                    SELECT id, repository, algorithm, byte_offset, started_at, updated_at FROM uploads
                    WHERE updated_at < ? AND writer_until < ? ORDER BY updated_at LIMIT ?""", before.toEpochMilli(),
                    clock.millis(), limit);
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    result.add(uploadRow(rs));
                }
            }
            return result;
        });
    }

    /**
     * Readiness has its own deadline: a server that accepts connections but never answers (stopped, partitioned) would
     * otherwise hold the check for the socket timeout. The probe thread is left to end on that timeout.
     */
    @Override
    public boolean ping() {
        java.util.concurrent.CompletableFuture<Boolean> answer = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().name("berth-ping").start(() -> {
            try {
                answer.complete(db.read(c -> Sql.exists(c, "SELECT 1")));
            } catch (RuntimeException e) {
                answer.complete(false);
            }
        });
        try {
            return answer.get(PING_DEADLINE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** How long a readiness check waits for the database; /readyz answers well within 2 s. */
    private static final Duration PING_DEADLINE = Duration.ofMillis(1500);

    @Override
    public void close() {
        if (lockConnections != null) {
            lockConnections.close();
        }
        dataSource.close();
    }

    private static String toJson(Map<String, String> map) {
        try {
            return JSON.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> fromJson(String json) {
        if (json == null) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, STRING_MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored annotations are not JSON", e);
        }
    }
}
