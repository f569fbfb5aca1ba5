package io.berth.metadata;

import io.berth.model.Page;
import io.berth.model.TagChange;
import io.berth.model.TagMove;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Tags with their history: every move of a tag (push, move, delete) is checked against the change's expectation and
 * immutable rules, written with a row of tag_history, and gives the repository's tag set a new version.
 */
final class JdbcTags {
    private final Database db;
    private final Clock clock;
    private final Dialect dialect;

    JdbcTags(Database db, Clock clock, Dialect dialect) {
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

    /** Points tag at digest (null: removes it), refusing a move of a protected tag, and records the move. */
    boolean setTag(Connection c, RepositoryName repository, Tag tag, Digest digest, TagChange change) throws SQLException {
        Optional<String> current = currentTag(c, repository, tag);
        String next = digest == null ? null : digest.toString();
        if (change.expected() != null && !current.equals(Optional.of(change.expected().toString()))) {
            throw new RegistryException(ErrorCode.TAG_MOVED, "tag " + tag + " moved meanwhile: it no longer points at "
                    + change.expected() + "; nothing was changed", Map.of("tag", tag.value(),
                    "expected", change.expected().toString(), "current", current.orElse("none")));
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

    void recordMove(Connection c, RepositoryName repository, Tag tag, String previous, String next, TagChange change)
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
    static void bumpTagsVersion(Connection c, RepositoryName repository) throws SQLException {
        long version;
        do {
            version = ThreadLocalRandom.current().nextLong();
        } while (version == 0);
        Sql.update(c, """
                INSERT INTO tag_versions (repository, version) VALUES (?, ?)
                ON CONFLICT (repository) DO UPDATE SET version = excluded.version""", repository, version);
    }

    boolean moveTag(RepositoryName repository, Tag tag, Digest digest, TagChange change) {
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

    List<TagMove> tagHistory(RepositoryName repository, Tag tag, int limit) {
        return db.read(c -> Sql.list(c, rs -> new TagMove(rs.getString(1), rs.getString(2),
                        rs.getString(3) == null ? null : Digest.parse(rs.getString(3)),
                        rs.getString(4) == null ? null : Digest.parse(rs.getString(4)), rs.getString(5), rs.getString(6),
                        Instant.ofEpochMilli(rs.getLong(7))), """
                SELECT repository, tag, previous_digest, new_digest, actor, operation, at FROM tag_history
                WHERE repository = ? AND tag = ? ORDER BY at DESC, id DESC LIMIT ?""", repository, tag, limit));
    }

    boolean deleteTag(RepositoryName repository, Tag tag, TagChange change) {
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

    Page<String> tags(RepositoryName repository, String last, int limit) {
        return db.read(c -> Sql.page(c, last == null
                ? "SELECT name FROM tags WHERE repository = ? ORDER BY name LIMIT ?"
                : "SELECT name FROM tags WHERE repository = ? AND name > ? ORDER BY name LIMIT ?",
                limit, last == null ? new Object[] {repository, limit + 1} : new Object[] {repository, last, limit + 1}));
    }

    OptionalLong tagsVersion(RepositoryName repository) {
        return db.read(c -> Sql.one(c, rs -> rs.getLong(1), """
                SELECT COALESCE(v.version, 0) FROM repositories r LEFT JOIN tag_versions v ON v.repository = r.name
                WHERE r.name = ?""", repository)).map(OptionalLong::of).orElseGet(OptionalLong::empty);
    }
}
