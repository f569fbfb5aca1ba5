package io.berth.metadata;

import io.berth.model.ManifestRecord;
import io.berth.model.TagChange;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Manifests, their references (blobs, child manifests, subjects), and the deletion of a whole repository. A push
 * links the manifest, checks the quota and moves its tags in one transaction.
 */
final class JdbcManifests {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

    private final Database db;
    private final Clock clock;
    private final Dialect dialect;
    private final JdbcBlobLinks linkStore;
    private final JdbcTags tagStore;

    JdbcManifests(Database db, Clock clock, Dialect dialect, JdbcBlobLinks linkStore, JdbcTags tagStore) {
        this.db = db;
        this.clock = clock;
        this.dialect = dialect;
        this.linkStore = linkStore;
        this.tagStore = tagStore;
    }

    private long now() {
        return clock.millis();
    }

    /** A write transaction, run again on a deadlock or a concurrent change ({@link Database#retrying}). */
    private <T> T transaction(Sql.Work<T> work) {
        return db.retrying(work);
    }

    void putManifest(ManifestRecord manifest, List<Digest> blobs, List<Digest> children, List<Tag> tags,
                     TagChange change) {
        RepositoryName repository = manifest.repository();
        transaction(c -> {
            Long quota = JdbcLifecycleStore.lockQuota(c, dialect.forUpdate, repository);
            linkStore.lockRepository(c, repository);
            linkStore.insertBlob(c, manifest.digest(), manifest.size());
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
                moved |= tagStore.setTag(c, repository, tag, manifest.digest(), change);
            }
            if (moved) {
                JdbcTags.bumpTagsVersion(c, repository);
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

    /** A manifest row of repository (the caller's validated name; the row's own is the same). */
    private static ManifestRecord manifestRow(ResultSet rs, RepositoryName repository) throws SQLException {
        String subject = rs.getString(5);
        return new ManifestRecord(repository, Digest.parse(rs.getString(2)), rs.getString(3),
                rs.getLong(4), subject == null ? null : Digest.parse(subject), rs.getString(6), fromJson(rs.getString(7)));
    }

    Optional<ManifestRecord> manifest(RepositoryName repository, Digest digest) {
        return db.read(c -> {
            try (PreparedStatement s = Sql.prepare(c, "SELECT " + MANIFEST_COLUMNS + " FROM manifests m WHERE m.repository = ? AND m.digest = ?",
                    repository, digest); ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(manifestRow(rs, repository)) : Optional.empty();
            }
        });
    }

    Optional<ManifestRecord> manifestByTag(RepositoryName repository, Tag tag) {
        return db.read(c -> {
            try (PreparedStatement s = Sql.prepare(c, "SELECT " + MANIFEST_COLUMNS
                    + " FROM tags t JOIN manifests m ON m.repository = t.repository AND m.digest = t.manifest_digest"
                    + " WHERE t.repository = ? AND t.name = ?", repository, tag); ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(manifestRow(rs, repository)) : Optional.empty();
            }
        });
    }

    boolean deleteManifest(RepositoryName repository, Digest digest, TagChange change) {
        return transaction(c -> {
            if (!Sql.exists(c, "SELECT 1 FROM manifests WHERE repository = ? AND digest = ?" + dialect.forUpdate,
                    repository, digest)) {
                return false;
            }
            if (Sql.exists(c, "SELECT 1 FROM manifest_references WHERE repository = ? AND child_digest = ? AND kind = 'm'",
                    repository, digest)) {
                throw new RegistryException(ErrorCode.STILL_REFERENCED,
                        "manifest is referenced by an index of this repository; delete the index first",
                        Map.of("digest", digest.toString()));
            }
            boolean untagged = false;
            for (String tag : Sql.list(c, rs -> rs.getString(1),
                    "SELECT name FROM tags WHERE repository = ? AND manifest_digest = ? ORDER BY name", repository, digest)) {
                untagged |= tagStore.setTag(c, repository, new Tag(tag), null, change);
            }
            if (untagged) {
                JdbcTags.bumpTagsVersion(c, repository);
            }
            Sql.update(c, "DELETE FROM manifest_references WHERE repository = ? AND manifest_digest = ?", repository, digest);
            Sql.update(c, "DELETE FROM manifests WHERE repository = ? AND digest = ?", repository, digest);
            return true;
        });
    }

    List<RepositoryName> repositoriesWithManifest(Digest digest) {
        return db.read(c -> Sql.list(c, rs -> new RepositoryName(rs.getString(1)),
                "SELECT repository FROM manifests WHERE digest = ? ORDER BY repository", digest));
    }

    List<ManifestRecord> referrers(RepositoryName repository, Digest subject) {
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

    boolean deleteRepository(RepositoryName repository, TagChange change) {
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
                tagStore.recordMove(c, repository, new Tag(row[0]), row[1], null, change);
            }
            Sql.update(c, "DELETE FROM tags WHERE repository = ?", repository);
            Sql.update(c, "DELETE FROM tag_versions WHERE repository = ?", repository);
            Sql.update(c, "DELETE FROM manifest_references WHERE repository = ?", repository);
            Sql.update(c, "DELETE FROM manifests WHERE repository = ?", repository);
            Sql.update(c, "DELETE FROM repository_blobs WHERE repository = ?", repository);
            return Sql.update(c, "DELETE FROM repositories WHERE name = ?", repository) > 0;
        });
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
