package io.berth.metadata;

import io.berth.model.Listings.RepositorySummary;
import io.berth.model.Listings.TagSummary;
import io.berth.model.Page;
import io.berth.oci.Digest;
import io.berth.oci.RepositoryName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The listing queries (management API, web UI): repositories with their counts and sizes, tags with their manifests
 * and sizes, the tags on a digest. Every query reads by primary key or an index of the core schema (keyset pages
 * on repositories.name and tags (repository, name); counts and sums over a repository's rows by the leading column
 * of their primary keys; tags on a digest by tags_by_manifest); the same SQL runs on SQLite and PostgreSQL. Lists of
 * names are asked for in batches of a fixed size (padded by repeating the last), so each statement is prepared once.
 */
final class JdbcListings {
    /** Names per IN list. */
    static final int BATCH = 50;
    private static final String IN_LIST = "(" + "?, ".repeat(BATCH - 1) + "?)";

    private static final String REPOSITORIES_IN_RANGE = """
            SELECT name FROM repositories WHERE name > ? AND name >= ? AND name < ? ORDER BY name LIMIT ?""";
    /** "library" holds the names without '/' (and any under "library/"): not a range, so this one scans. */
    private static final String REPOSITORIES_OF_LIBRARY = """
            SELECT name FROM repositories WHERE name > ? AND (name NOT LIKE '%/%' OR (name >= ? AND name < ?))
            ORDER BY name LIMIT ?""";

    /** A repository's bytes: its blob links and manifests, a digest that is both counted once. */
    private static final String SUMMARIES = """
            SELECT r.name,
              (SELECT COUNT(*) FROM tags t WHERE t.repository = r.name),
              (SELECT COUNT(*) FROM manifests m WHERE m.repository = r.name),
              (SELECT COALESCE(SUM(b.size), 0) FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest
                WHERE rb.repository = r.name)
              + (SELECT COALESCE(SUM(m.size), 0) FROM manifests m WHERE m.repository = r.name AND NOT EXISTS
                  (SELECT 1 FROM repository_blobs rb WHERE rb.repository = m.repository AND rb.digest = m.digest)),
              (SELECT MAX(t.updated_at) FROM tags t WHERE t.repository = r.name),
              (SELECT MAX(m.created_at) FROM manifests m WHERE m.repository = r.name)
            FROM repositories r WHERE r.name IN""" + " " + IN_LIST;

    private static final String TAGS = """
            SELECT t.name, t.manifest_digest, m.media_type, t.updated_at
            FROM tags t JOIN manifests m ON m.repository = t.repository AND m.digest = t.manifest_digest
            WHERE t.repository = ? AND t.name > ? ORDER BY t.name LIMIT ?""";

    /**
     * The content of each root manifest: the manifests reachable from it through child references (itself, an
     * index's children, theirs), each once, and the blobs they reference, each once per root.
     */
    private static final String CONTENT_SIZES = """
            WITH RECURSIVE tree(root, digest) AS (
              SELECT m.digest, m.digest FROM manifests m WHERE m.repository = ? AND m.digest IN""" + " " + IN_LIST + """

              UNION
              SELECT t.root, r.child_digest FROM tree t JOIN manifest_references r ON r.manifest_digest = t.digest
                WHERE r.repository = ? AND r.kind = 'm'
            )
            SELECT s.root, SUM(s.size) FROM (
              SELECT t.root, m.size FROM tree t JOIN manifests m ON m.digest = t.digest WHERE m.repository = ?
              UNION ALL
              SELECT u.root, b.size FROM (SELECT DISTINCT t.root, r.child_digest AS digest FROM tree t
                  JOIN manifest_references r ON r.manifest_digest = t.digest WHERE r.repository = ? AND r.kind = 'b') u
                JOIN blobs b ON b.digest = u.digest
            ) s GROUP BY s.root""";

    private final Database db;

    JdbcListings(Database db) {
        this.db = db;
    }

    Page<String> repositories(String namespace, String last, int limit) {
        String sql = namespace.equals("library") ? REPOSITORIES_OF_LIBRARY : REPOSITORIES_IN_RANGE;
        // '/' + 1 is '0': [ns/, ns0) holds exactly the names that start with "ns/". Names are never empty.
        return db.read(c -> Sql.page(c, sql, limit,
                new Object[] {last == null ? "" : last, namespace + "/", namespace + "0", limit + 1}));
    }

    List<RepositorySummary> repositorySummaries(List<String> names) {
        if (names.isEmpty()) {
            return List.of();
        }
        Map<String, RepositorySummary> found = db.read(c -> {
            Map<String, RepositorySummary> rows = new HashMap<>();
            for (List<String> batch : batches(names)) {
                try (PreparedStatement s = Sql.prepare(c, SUMMARIES, batch.toArray()); ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        Long tagMoved = Sql.nullableLong(rs, 5);
                        Long manifestAdded = Sql.nullableLong(rs, 6);
                        Long last = tagMoved;
                        if (manifestAdded != null && (last == null || manifestAdded > last)) {
                            last = manifestAdded;
                        }
                        rows.put(rs.getString(1), new RepositorySummary(rs.getString(1), rs.getLong(2), rs.getLong(3),
                                rs.getLong(4), last == null ? null : Instant.ofEpochMilli(last)));
                    }
                }
            }
            return rows;
        });
        List<RepositorySummary> result = new ArrayList<>();
        for (String name : names) {
            RepositorySummary summary = found.get(name);
            if (summary != null) {
                result.add(summary);
            }
        }
        return result;
    }

    Page<TagSummary> tagSummaries(RepositoryName repository, String last, int limit) {
        return db.read(c -> {
            record Row(String tag, Digest digest, String mediaType, long updatedAt) {}
            List<Row> rows = Sql.list(c, rs -> new Row(rs.getString(1), Digest.parse(rs.getString(2)), rs.getString(3),
                    rs.getLong(4)), TAGS, repository, last == null ? "" : last, limit + 1);
            boolean more = rows.size() > limit;
            List<Row> page = more ? rows.subList(0, limit) : rows;
            Map<Digest, Long> sizes = contentSizes(c, repository, page.stream().map(Row::digest).toList());
            List<TagSummary> tags = new ArrayList<>(page.size());
            for (Row row : page) {
                tags.add(new TagSummary(row.tag(), row.digest(), row.mediaType(), sizes.getOrDefault(row.digest(), 0L),
                        Instant.ofEpochMilli(row.updatedAt()), false));
            }
            return new Page<>(tags, more);
        });
    }

    Map<Digest, Long> contentSizes(RepositoryName repository, Collection<Digest> digests) {
        return db.read(c -> contentSizes(c, repository, digests));
    }

    private static Map<Digest, Long> contentSizes(Connection c, RepositoryName repository, Collection<Digest> digests)
            throws SQLException {
        Map<Digest, Long> sizes = new LinkedHashMap<>();
        List<String> distinct = digests.stream().map(Digest::toString).distinct().toList();
        for (List<String> batch : batches(distinct)) {
            Object[] args = new Object[BATCH + 4];
            args[0] = repository;
            System.arraycopy(batch.toArray(), 0, args, 1, BATCH);
            args[BATCH + 1] = repository;
            args[BATCH + 2] = repository;
            args[BATCH + 3] = repository;
            try (PreparedStatement s = Sql.prepare(c, CONTENT_SIZES, args); ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    sizes.put(Digest.parse(rs.getString(1)), rs.getLong(2));
                }
            }
        }
        return sizes;
    }

    List<String> tagsOf(RepositoryName repository, Digest digest, int limit) {
        return db.read(c -> Sql.list(c, rs -> rs.getString(1),
                "SELECT name FROM tags WHERE repository = ? AND manifest_digest = ? ORDER BY name LIMIT ?",
                repository, digest, limit));
    }

    /** values in lists of BATCH, the last padded with its own last value (an IN list does not mind repeats). */
    private static List<List<String>> batches(List<String> values) {
        List<List<String>> batches = new ArrayList<>();
        for (int from = 0; from < values.size(); from += BATCH) {
            List<String> batch = new ArrayList<>(values.subList(from, Math.min(values.size(), from + BATCH)));
            String pad = batch.get(batch.size() - 1);
            while (batch.size() < BATCH) {
                batch.add(pad);
            }
            batches.add(batch);
        }
        return batches;
    }
}
