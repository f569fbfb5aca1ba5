package io.berth.metadata;

import io.berth.model.UploadSession;
import io.berth.oci.RepositoryName;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Upload sessions: their offsets, and the claim one writer at a time holds on an upload (across nodes). */
final class JdbcUploadSessions {
    private final Database db;
    private final Clock clock;
    private final JdbcBlobLinks linkStore;

    JdbcUploadSessions(Database db, Clock clock, JdbcBlobLinks linkStore) {
        this.db = db;
        this.clock = clock;
        this.linkStore = linkStore;
    }

    /** A write transaction, run again on a deadlock or a concurrent change ({@link Database#retrying}). */
    private <T> T transaction(Sql.Work<T> work) {
        return db.retrying(work);
    }

    void createUpload(UploadSession session) {
        transaction(c -> {
            linkStore.lockRepository(c, session.repository());
            return Sql.update(c, """
                    INSERT INTO uploads (id, repository, algorithm, byte_offset, started_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?)""", session.id(), session.repository(), session.algorithm(), session.offset(),
                    session.startedAt().toEpochMilli(), session.updatedAt().toEpochMilli());
        });
    }

    Optional<UploadSession> upload(String id) {
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

    boolean advanceUpload(String id, long expected, long offset, Instant now) {
        return db.transaction(c -> Sql.update(c, "UPDATE uploads SET byte_offset = ?, updated_at = ? WHERE id = ? AND byte_offset = ?",
                offset, now.toEpochMilli(), id, expected) > 0);
    }

    boolean claimUpload(String id, long offset, String writer, Instant until, Instant now, String staleWriterPrefix) {
        // Writer ids never start with '~': without a prefix, the LIKE matches nothing.
        String stale = staleWriterPrefix == null ? "~" : staleWriterPrefix.replace("%", "").replace("_", "") + "%";
        return db.transaction(c -> Sql.update(c, """
                UPDATE uploads SET writer = ?, writer_until = ? WHERE id = ? AND byte_offset = ?
                AND (writer IS NULL OR writer = ? OR writer_until < ? OR writer LIKE ?)""",
                writer, until.toEpochMilli(), id, offset, writer, now.toEpochMilli(), stale) > 0);
    }

    boolean advanceClaimedUpload(String id, long expected, long offset, String writer, Instant now) {
        return db.transaction(c -> Sql.update(c, """
                UPDATE uploads SET byte_offset = ?, updated_at = ?, writer = NULL, writer_until = 0
                WHERE id = ? AND byte_offset = ? AND writer = ?""", offset, now.toEpochMilli(), id, expected, writer) > 0);
    }

    void releaseUpload(String id, String writer) {
        db.transaction(c -> Sql.update(c, "UPDATE uploads SET writer = NULL, writer_until = 0 WHERE id = ? AND writer = ?",
                id, writer));
    }

    int releaseUploadClaims(String writerPrefix) {
        if (!writerPrefix.matches("[a-zA-Z0-9-]+")) {
            throw new IllegalArgumentException("invalid writer prefix");
        }
        return db.transaction(c -> Sql.update(c, "UPDATE uploads SET writer = NULL, writer_until = 0 WHERE writer LIKE ?",
                writerPrefix + "%"));
    }

    void deleteUpload(String id) {
        db.transaction(c -> Sql.update(c, "DELETE FROM uploads WHERE id = ?", id));
    }

    List<UploadSession> uploadsIdleSince(Instant before, int limit) {
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
}
