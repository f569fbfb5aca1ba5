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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.flywaydb.core.Flyway;

/** The metadata store on JDBC: SQLite for the embedded default, PostgreSQL for scale-out. Migrations run at start. */
public final class JdbcMetadataStore implements MetadataStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

    private final HikariDataSource dataSource;
    private final Clock clock;

    private JdbcMetadataStore(HikariDataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** An SQLite database file in WAL mode; writers take the lock up front and wait for each other. */
    public static JdbcMetadataStore sqlite(Path file, Clock clock) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create " + file.getParent(), e);
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("berth-sqlite");
        config.setJdbcUrl("jdbc:sqlite:" + file.toAbsolutePath()
                + "?journal_mode=WAL&synchronous=FULL&busy_timeout=30000&transaction_mode=IMMEDIATE&foreign_keys=false");
        config.setMaximumPoolSize(8);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(30_000);
        return open(config, "", clock);
    }

    /** A PostgreSQL database; names compare in byte order. */
    public static JdbcMetadataStore postgres(String url, String user, String password, int poolSize, Clock clock) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("berth-postgres");
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        return open(config, "COLLATE \"C\"", clock);
    }

    private static JdbcMetadataStore open(HikariConfig config, String textCollation, Clock clock) {
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration")
                    .placeholders(Map.of("text_collation", textCollation))
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new JdbcMetadataStore(dataSource, clock);
    }

    /** The access-control store on the same database. */
    public AuthStore authStore() {
        return new JdbcAuthStore(dataSource);
    }

    private long now() {
        return clock.millis();
    }

    private void ensureRepository(Connection c, RepositoryName repository) throws SQLException {
        Sql.update(c, "INSERT INTO repositories (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", repository, now());
    }

    // ---- blobs

    @Override
    public void recordBlob(Digest digest, long size) {
        Sql.transaction(dataSource, c -> Sql.update(c, "INSERT INTO blobs (digest, size, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                digest, size, now()));
    }

    @Override
    public Optional<Long> blobSize(Digest digest) {
        return Sql.read(dataSource, c -> Sql.one(c, rs -> rs.getLong(1), "SELECT size FROM blobs WHERE digest = ?", digest));
    }

    @Override
    public boolean linkBlob(RepositoryName repository, Digest digest) {
        return Sql.transaction(dataSource, c -> {
            if (!Sql.exists(c, "SELECT 1 FROM blobs WHERE digest = ?", digest)) {
                return false;
            }
            ensureRepository(c, repository);
            Sql.update(c, "INSERT INTO repository_blobs (repository, digest, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    repository, digest, now());
            return true;
        });
    }

    @Override
    public List<RepositoryName> repositoriesHolding(Digest digest, int limit) {
        return Sql.read(dataSource, c -> Sql.list(c, rs -> new RepositoryName(rs.getString(1)),
                "SELECT repository FROM repository_blobs WHERE digest = ? ORDER BY repository LIMIT ?", digest, limit));
    }

    @Override
    public Optional<Long> linkedBlobSize(RepositoryName repository, Digest digest) {
        return Sql.read(dataSource, c -> Sql.one(c, rs -> rs.getLong(1), """
                SELECT b.size FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest
                WHERE rb.repository = ? AND rb.digest = ?""", repository, digest));
    }

    @Override
    public boolean unlinkBlob(RepositoryName repository, Digest digest) {
        return Sql.transaction(dataSource, c -> {
            if (!Sql.exists(c, "SELECT 1 FROM repository_blobs WHERE repository = ? AND digest = ?", repository, digest)) {
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
    public void putManifest(ManifestRecord manifest, List<Digest> blobs, List<Digest> children, List<Tag> tags) {
        RepositoryName repository = manifest.repository();
        Sql.transaction(dataSource, c -> {
            for (Digest blob : blobs) {
                if (!Sql.exists(c, "SELECT 1 FROM repository_blobs WHERE repository = ? AND digest = ?", repository, blob)) {
                    throw new RegistryException(ErrorCode.MANIFEST_BLOB_UNKNOWN,
                            "manifest references a blob that is not in this repository", Map.of("digest", blob.toString()));
                }
            }
            for (Digest child : children) {
                if (!Sql.exists(c, "SELECT 1 FROM manifests WHERE repository = ? AND digest = ?", repository, child)) {
                    throw new RegistryException(ErrorCode.MANIFEST_BLOB_UNKNOWN,
                            "index references a manifest that is not in this repository", Map.of("digest", child.toString()));
                }
            }
            ensureRepository(c, repository);
            int inserted = Sql.update(c, """
                    INSERT INTO manifests (repository, digest, media_type, size, subject, artifact_type, annotations, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                    repository, manifest.digest(), manifest.mediaType(), manifest.size(),
                    manifest.subject() == null ? null : manifest.subject().toString(), manifest.artifactType(),
                    manifest.annotations().isEmpty() ? null : toJson(manifest.annotations()), now());
            if (inserted > 0) {
                insertReferences(c, manifest, blobs, "b");
                insertReferences(c, manifest, children, "m");
            }
            for (Tag tag : tags) {
                Sql.update(c, """
                        INSERT INTO tags (repository, name, manifest_digest, updated_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (repository, name) DO UPDATE SET manifest_digest = excluded.manifest_digest,
                        updated_at = excluded.updated_at""", repository, tag, manifest.digest(), now());
            }
            return null;
        });
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

    private static ManifestRecord manifestRow(ResultSet rs) throws SQLException {
        String subject = rs.getString(5);
        return new ManifestRecord(new RepositoryName(rs.getString(1)), Digest.parse(rs.getString(2)), rs.getString(3),
                rs.getLong(4), subject == null ? null : Digest.parse(subject), rs.getString(6), fromJson(rs.getString(7)));
    }

    @Override
    public Optional<ManifestRecord> manifest(RepositoryName repository, Digest digest) {
        return Sql.read(dataSource, c -> {
            try (PreparedStatement s = Sql.prepare(c, "SELECT " + MANIFEST_COLUMNS + " FROM manifests m WHERE m.repository = ? AND m.digest = ?",
                    repository, digest); ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(manifestRow(rs)) : Optional.empty();
            }
        });
    }

    @Override
    public Optional<ManifestRecord> manifestByTag(RepositoryName repository, Tag tag) {
        return Sql.read(dataSource, c -> {
            try (PreparedStatement s = Sql.prepare(c, "SELECT " + MANIFEST_COLUMNS
                    + " FROM tags t JOIN manifests m ON m.repository = t.repository AND m.digest = t.manifest_digest"
                    + " WHERE t.repository = ? AND t.name = ?", repository, tag); ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(manifestRow(rs)) : Optional.empty();
            }
        });
    }

    @Override
    public boolean deleteManifest(RepositoryName repository, Digest digest) {
        return Sql.transaction(dataSource, c -> {
            if (!Sql.exists(c, "SELECT 1 FROM manifests WHERE repository = ? AND digest = ?", repository, digest)) {
                return false;
            }
            if (Sql.exists(c, "SELECT 1 FROM manifest_references WHERE repository = ? AND child_digest = ? AND kind = 'm'",
                    repository, digest)) {
                throw new RegistryException(ErrorCode.DENIED,
                        "manifest is referenced by an index of this repository; delete the index first",
                        Map.of("digest", digest.toString()), 405, Map.of());
            }
            Sql.update(c, "DELETE FROM tags WHERE repository = ? AND manifest_digest = ?", repository, digest);
            Sql.update(c, "DELETE FROM manifest_references WHERE repository = ? AND manifest_digest = ?", repository, digest);
            Sql.update(c, "DELETE FROM manifests WHERE repository = ? AND digest = ?", repository, digest);
            return true;
        });
    }

    @Override
    public boolean deleteTag(RepositoryName repository, Tag tag) {
        return Sql.transaction(dataSource, c -> Sql.update(c, "DELETE FROM tags WHERE repository = ? AND name = ?", repository, tag) > 0);
    }

    @Override
    public boolean repositoryExists(RepositoryName repository) {
        return Sql.read(dataSource, c -> Sql.exists(c, "SELECT 1 FROM repositories WHERE name = ?", repository));
    }

    @Override
    public Page<String> tags(RepositoryName repository, String last, int limit) {
        return Sql.read(dataSource, c -> page(c, last == null
                ? "SELECT name FROM tags WHERE repository = ? ORDER BY name LIMIT ?"
                : "SELECT name FROM tags WHERE repository = ? AND name > ? ORDER BY name LIMIT ?",
                limit, last == null ? new Object[] {repository, limit + 1} : new Object[] {repository, last, limit + 1}));
    }

    @Override
    public Page<String> repositories(String last, int limit) {
        return Sql.read(dataSource, c -> page(c, last == null
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
        return Sql.read(dataSource, c -> {
            List<ManifestRecord> result = new ArrayList<>();
            try (PreparedStatement s = Sql.prepare(c, "SELECT " + MANIFEST_COLUMNS
                    + " FROM manifests m WHERE m.repository = ? AND m.subject = ? ORDER BY m.digest", repository, subject);
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    result.add(manifestRow(rs));
                }
            }
            return result;
        });
    }

    @Override
    public boolean deleteRepository(RepositoryName repository) {
        return Sql.transaction(dataSource, c -> {
            Sql.update(c, "DELETE FROM tags WHERE repository = ?", repository);
            Sql.update(c, "DELETE FROM manifest_references WHERE repository = ?", repository);
            Sql.update(c, "DELETE FROM manifests WHERE repository = ?", repository);
            Sql.update(c, "DELETE FROM repository_blobs WHERE repository = ?", repository);
            return Sql.update(c, "DELETE FROM repositories WHERE name = ?", repository) > 0;
        });
    }

    // ---- uploads

    @Override
    public void createUpload(UploadSession session) {
        Sql.transaction(dataSource, c -> {
            ensureRepository(c, session.repository());
            return Sql.update(c, """
                    INSERT INTO uploads (id, repository, algorithm, byte_offset, started_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?)""", session.id(), session.repository(), session.algorithm(), session.offset(),
                    session.startedAt().toEpochMilli(), session.updatedAt().toEpochMilli());
        });
    }

    @Override
    public Optional<UploadSession> upload(String id) {
        return Sql.read(dataSource, c -> {
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
        return Sql.transaction(dataSource, c -> Sql.update(c, "UPDATE uploads SET byte_offset = ?, updated_at = ? WHERE id = ? AND byte_offset = ?",
                offset, now.toEpochMilli(), id, expected) > 0);
    }

    @Override
    public void deleteUpload(String id) {
        Sql.transaction(dataSource, c -> Sql.update(c, "DELETE FROM uploads WHERE id = ?", id));
    }

    @Override
    public List<UploadSession> uploadsIdleSince(Instant before, int limit) {
        return Sql.read(dataSource, c -> {
            List<UploadSession> result = new ArrayList<>();
            try (PreparedStatement s = Sql.prepare(c, """
                    SELECT id, repository, algorithm, byte_offset, started_at, updated_at FROM uploads
                    WHERE updated_at < ? ORDER BY updated_at LIMIT ?""", before.toEpochMilli(), limit);
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    result.add(uploadRow(rs));
                }
            }
            return result;
        });
    }

    @Override
    public boolean ping() {
        try {
            return Sql.read(dataSource, c -> Sql.exists(c, "SELECT 1"));
        } catch (MetadataException e) {
            return false;
        }
    }

    @Override
    public void close() {
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
