package io.berth.metadata;

import io.berth.model.Page;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.metadata.MetadataStore.BlobRecord;
import io.berth.oci.RepositoryName;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Blobs, their links into repositories, and the repositories themselves. A link is made and checked against the
 * namespace's quota in one transaction ({@link JdbcLifecycleStore#checkQuota}).
 */
final class JdbcBlobLinks {
    private final Database db;
    private final Clock clock;
    private final Dialect dialect;

    JdbcBlobLinks(Database db, Clock clock, Dialect dialect) {
        this.db = db;
        this.clock = clock;
        this.dialect = dialect;
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
    void lockRepository(Connection c, RepositoryName repository) throws SQLException {
        ensureRepository(c, repository);
        if (!dialect.forShare.isEmpty()
                && !Sql.exists(c, "SELECT 1 FROM repositories WHERE name = ?" + dialect.forShare, repository)) {
            throw new Database.ConcurrentChange("repository " + repository + " was deleted meanwhile");
        }
    }

    // ---- blobs

    void recordBlob(Digest digest, long size) {
        db.transaction(c -> {
            insertBlob(c, digest, size);
            return null;
        });
    }

    Optional<Long> blobSize(Digest digest) {
        return db.read(c -> Sql.one(c, rs -> rs.getLong(1), "SELECT size FROM blobs WHERE digest = ?", digest));
    }

    List<BlobRecord> blobRecords(Digest after, int limit) {
        return db.read(c -> Sql.list(c, rs -> new BlobRecord(Digest.parse(rs.getString(1)), rs.getLong(2)),
                "SELECT digest, size FROM blobs WHERE digest > ? ORDER BY digest LIMIT ?", after == null ? "" : after.toString(),
                limit));
    }

    /** Locks the record first, so a mount (which holds it FOR SHARE while it links) either links before or finds none. */
    boolean forgetBlob(Digest digest) {
        return transaction(c -> {
            if (!Sql.exists(c, "SELECT 1 FROM blobs WHERE digest = ?" + dialect.forUpdate, digest)) {
                return false;
            }
            Sql.update(c, "DELETE FROM repository_blobs WHERE digest = ?", digest);
            return Sql.update(c, "DELETE FROM blobs WHERE digest = ?", digest) > 0;
        });
    }

    void commitUpload(String uploadId, RepositoryName repository, Digest digest, long size) {
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

    void insertBlob(Connection c, Digest digest, long size) throws SQLException {
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

    boolean linkBlob(RepositoryName repository, Digest digest) {
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

    List<RepositoryName> repositoriesHolding(Digest digest, int limit) {
        return db.read(c -> Sql.list(c, rs -> new RepositoryName(rs.getString(1)),
                "SELECT repository FROM repository_blobs WHERE digest = ? ORDER BY repository LIMIT ?", digest, limit));
    }

    Optional<Long> linkedBlobSize(RepositoryName repository, Digest digest) {
        return db.read(c -> Sql.one(c, rs -> rs.getLong(1), """
                SELECT b.size FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest
                WHERE rb.repository = ? AND rb.digest = ?""", repository, digest));
    }

    boolean unlinkBlob(RepositoryName repository, Digest digest) {
        return transaction(c -> {
            if (!Sql.exists(c, "SELECT 1 FROM repository_blobs WHERE repository = ? AND digest = ?" + dialect.forUpdate,
                    repository, digest)) {
                return false;
            }
            if (Sql.exists(c, "SELECT 1 FROM manifest_references WHERE repository = ? AND child_digest = ? AND kind = 'b'",
                    repository, digest)) {
                throw new RegistryException(ErrorCode.STILL_REFERENCED,
                        "blob is referenced by a manifest of this repository; delete the manifest first",
                        Map.of("digest", digest.toString()));
            }
            Sql.update(c, "DELETE FROM repository_blobs WHERE repository = ? AND digest = ?", repository, digest);
            return true;
        });
    }

    boolean repositoryExists(RepositoryName repository) {
        return db.read(c -> Sql.exists(c, "SELECT 1 FROM repositories WHERE name = ?", repository));
    }

    Page<String> repositories(String last, int limit) {
        return db.read(c -> Sql.page(c, last == null
                ? "SELECT name FROM repositories ORDER BY name LIMIT ?"
                : "SELECT name FROM repositories WHERE name > ? ORDER BY name LIMIT ?",
                limit, last == null ? new Object[] {limit + 1} : new Object[] {last, limit + 1}));
    }
}
