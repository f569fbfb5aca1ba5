package io.berth.metadata;

import io.berth.model.Listings.LastPull;
import io.berth.model.Listings.RepositorySummary;
import io.berth.model.Listings.SearchHit;
import io.berth.model.Listings.TagSummary;
import io.berth.model.Listings.UntaggedManifest;
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

    /**
     * A repository's bytes: its blob links and manifests, a digest that is both counted once. The test for "both" is
     * a lookup per manifest by the link's primary key: as NOT EXISTS, PostgreSQL planned it as an anti join that
     * read every link of the repository once per manifest whenever its statistics were stale.
     */
    private static final String SUMMARIES = """
            SELECT r.name,
              (SELECT COUNT(*) FROM tags t WHERE t.repository = r.name),
              (SELECT COUNT(*) FROM manifests m WHERE m.repository = r.name),
              (SELECT COALESCE(SUM(b.size), 0) FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest
                WHERE rb.repository = r.name)
              + (SELECT COALESCE(SUM(CASE WHEN (SELECT 1 FROM repository_blobs rb WHERE rb.repository = m.repository
                  AND rb.digest = m.digest) IS NULL THEN m.size ELSE 0 END), 0) FROM manifests m WHERE m.repository = r.name),
              (SELECT MAX(t.updated_at) FROM tags t WHERE t.repository = r.name),
              (SELECT MAX(m.created_at) FROM manifests m WHERE m.repository = r.name),
              r.last_pulled_at
            FROM repositories r WHERE r.name IN""" + " " + IN_LIST;

    /**
     * A page of tags, each manifest's media type looked up by its primary key (as a join, PostgreSQL with stale
     * statistics read all of the repository's manifests for every tag).
     */
    private static final String TAGS = """
            SELECT t.name, t.manifest_digest, (SELECT m.media_type FROM manifests m
                WHERE m.repository = t.repository AND m.digest = t.manifest_digest), t.updated_at,
              (SELECT m.last_pulled_at FROM manifests m WHERE m.repository = t.repository AND m.digest = t.manifest_digest)
            FROM tags t WHERE t.repository = ? AND t.name > ? ORDER BY t.name LIMIT ?""";

    /**
     * The content of each root manifest: the manifests reachable from it through child references (itself, an
     * index's children, theirs), each once, and the blobs they reference, each once per root. CROSS JOIN makes
     * SQLite loop over the few tree rows and look each one up by primary key (its planner cannot know the tree is
     * small); PostgreSQL reads it as an inner join. The tree carries the repository so that every step is a lookup
     * by the full primary key, whatever the planner's statistics say.
     */
    private static final String CONTENT_SIZES = """
            WITH RECURSIVE tree(root, repo, digest) AS (
              SELECT m.digest, m.repository, m.digest FROM manifests m
                WHERE m.repository = ? AND m.digest IN""" + " " + IN_LIST + """

              UNION
              SELECT t.root, t.repo, r.child_digest FROM tree t CROSS JOIN manifest_references r
                WHERE r.repository = t.repo AND r.manifest_digest = t.digest AND r.kind = 'm'
            ),
            blob_refs(root, digest) AS (
              SELECT DISTINCT t.root, r.child_digest FROM tree t CROSS JOIN manifest_references r
                WHERE r.repository = t.repo AND r.manifest_digest = t.digest AND r.kind = 'b'
            )
            SELECT s.root, SUM(s.size) FROM (
              SELECT t.root, m.size FROM tree t CROSS JOIN manifests m WHERE m.repository = t.repo AND m.digest = t.digest
              UNION ALL
              SELECT u.root, b.size FROM blob_refs u CROSS JOIN blobs b WHERE b.digest = u.digest
            ) s GROUP BY s.root""";

    /** The indexes that list a manifest: manifest_references_by_child, then a sort of those few rows. */
    private static final String INDEXES_OF = """
            SELECT r.manifest_digest FROM manifest_references r
            WHERE r.repository = ? AND r.child_digest = ? AND r.kind = 'm' AND r.manifest_digest > ?
            ORDER BY r.manifest_digest LIMIT ?""";

    /**
     * Untagged manifests: the repository's manifests in primary-key order, each tested by a lookup in
     * tags_by_manifest (a scalar subquery with LIMIT 1, not NOT EXISTS, for the planner's sake as in SUMMARIES), each
     * with one index that includes it looked up in manifest_references_by_child. A page reads at most the
     * repository's manifests once.
     */
    private static final String UNTAGGED = """
            SELECT m.digest, m.media_type, m.artifact_type, m.size, m.subject, m.created_at,
              (SELECT r.manifest_digest FROM manifest_references r WHERE r.repository = m.repository
                AND r.child_digest = m.digest AND r.kind = 'm' ORDER BY r.manifest_digest LIMIT 1)
            FROM manifests m WHERE m.repository = ? AND m.digest > ?
              AND (SELECT 1 FROM tags t WHERE t.repository = m.repository AND t.manifest_digest = m.digest LIMIT 1) IS NULL
            ORDER BY m.digest LIMIT ?""";

    /**
     * Tags by name prefix: the range [from, successor of prefix) of tags_by_name (V12), from being the prefix or the
     * last tag shown, whose own repositories up to the last one shown are skipped.
     */
    private static final String TAGS_STARTING = """
            SELECT t.name, t.repository, t.manifest_digest FROM tags t
            WHERE t.name >= ? AND t.name < ? AND (t.name > ? OR t.repository > ?)
            ORDER BY t.name, t.repository LIMIT ?""";
    /** As TAGS_STARTING on manifests_by_digest (V12); substr makes the prefix exact whatever the collation. */
    private static final String MANIFESTS_STARTING = """
            SELECT m.digest, m.repository FROM manifests m
            WHERE m.digest >= ? AND m.digest < ? AND (m.digest > ? OR m.repository > ?) AND substr(m.digest, 1, ?) = ?
            ORDER BY m.digest, m.repository LIMIT ?""";

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
                        Long pulled = Sql.nullableLong(rs, 7);
                        rows.put(rs.getString(1), new RepositorySummary(rs.getString(1), rs.getLong(2), rs.getLong(3),
                                rs.getLong(4), last == null ? null : Instant.ofEpochMilli(last),
                                pulled == null ? null : Instant.ofEpochMilli(pulled)));
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
            record Row(String tag, Digest digest, String mediaType, long updatedAt, Long pulledAt) {}
            List<Row> rows = Sql.list(c, rs -> new Row(rs.getString(1), Digest.parse(rs.getString(2)), rs.getString(3),
                    rs.getLong(4), Sql.nullableLong(rs, 5)), TAGS, repository, last == null ? "" : last, limit + 1);
            boolean more = rows.size() > limit;
            List<Row> page = more ? rows.subList(0, limit) : rows;
            Map<Digest, Long> sizes = contentSizes(c, repository, page.stream().map(Row::digest).toList());
            List<TagSummary> tags = new ArrayList<>(page.size());
            for (Row row : page) {
                tags.add(new TagSummary(row.tag(), row.digest(), row.mediaType(), sizes.getOrDefault(row.digest(), 0L),
                        Instant.ofEpochMilli(row.updatedAt()), false,
                        row.pulledAt() == null ? null : Instant.ofEpochMilli(row.pulledAt())));
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
            Object[] args = new Object[BATCH + 1];
            args[0] = repository;
            System.arraycopy(batch.toArray(), 0, args, 1, BATCH);
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

    Page<Digest> indexesOf(RepositoryName repository, Digest digest, Digest last, int limit) {
        Page<String> page = db.read(c -> Sql.page(c, INDEXES_OF, limit,
                new Object[] {repository, digest, last == null ? "" : last.toString(), limit + 1}));
        return new Page<>(page.items().stream().map(Digest::parse).toList(), page.more());
    }

    Page<UntaggedManifest> untaggedManifests(RepositoryName repository, Digest last, int limit) {
        List<UntaggedManifest> rows = db.read(c -> Sql.list(c, rs -> new UntaggedManifest(Digest.parse(rs.getString(1)),
                rs.getString(2), rs.getString(3), rs.getLong(4), digestOrNull(rs.getString(5)),
                Instant.ofEpochMilli(rs.getLong(6)), digestOrNull(rs.getString(7))),
                UNTAGGED, repository, last == null ? "" : last.toString(), limit + 1));
        boolean more = rows.size() > limit;
        return new Page<>(more ? rows.subList(0, limit) : rows, more);
    }

    Page<SearchHit> tagsStartingWith(String prefix, String lastTag, String lastRepository, int limit) {
        List<SearchHit> rows = db.read(c -> Sql.list(c, rs -> new SearchHit(rs.getString(2), rs.getString(1),
                Digest.parse(rs.getString(3))), TAGS_STARTING, from(prefix, lastTag), successor(prefix),
                lastTag == null ? "" : lastTag, lastRepository == null ? "" : lastRepository, limit + 1));
        return page(rows, limit);
    }

    Page<SearchHit> manifestsStartingWith(String prefix, String lastDigest, String lastRepository, int limit) {
        List<SearchHit> rows = db.read(c -> Sql.list(c, rs -> new SearchHit(rs.getString(2), null,
                Digest.parse(rs.getString(1))), MANIFESTS_STARTING, from(prefix, lastDigest),
                successor(prefix), lastDigest == null ? "" : lastDigest, lastRepository == null ? "" : lastRepository,
                prefix.length(), prefix, limit + 1));
        return page(rows, limit);
    }

    /** Where a prefix range starts: at the last row shown when it is in the range. */
    private static String from(String prefix, String last) {
        return last == null || last.compareTo(prefix) < 0 ? prefix : last;
    }

    private static <T> Page<T> page(List<T> rows, int limit) {
        boolean more = rows.size() > limit;
        return new Page<>(more ? rows.subList(0, limit) : rows, more);
    }

    /** The least string above every string that starts with prefix (non-empty; its last character below U+FFFF). */
    static String successor(String prefix) {
        if (prefix.isEmpty() || prefix.charAt(prefix.length() - 1) == Character.MAX_VALUE) {
            throw new IllegalArgumentException("no successor of a prefix ending in U+FFFF or empty");
        }
        return prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
    }

    /** Each manifest's time, then each repository's latest, in key order (so concurrent flushes lock alike). */
    void recordPulls(Collection<LastPull> pulls) {
        List<LastPull> sorted = pulls.stream().sorted(java.util.Comparator.comparing((LastPull p) ->
                p.repository().value()).thenComparing(p -> p.digest().toString())).toList();
        Map<String, Long> repositories = new java.util.TreeMap<>();
        sorted.forEach(p -> repositories.merge(p.repository().value(), p.atMillis(), Math::max));
        db.retrying(c -> {
            try (PreparedStatement s = c.prepareStatement("""
                    UPDATE manifests SET last_pulled_at = ? WHERE repository = ? AND digest = ?
                      AND (last_pulled_at IS NULL OR last_pulled_at < ?)""")) {
                for (LastPull pull : sorted) {
                    s.setLong(1, pull.atMillis());
                    s.setString(2, pull.repository().value());
                    s.setString(3, pull.digest().toString());
                    s.setLong(4, pull.atMillis());
                    s.addBatch();
                }
                s.executeBatch();
            }
            try (PreparedStatement s = c.prepareStatement("""
                    UPDATE repositories SET last_pulled_at = ? WHERE name = ?
                      AND (last_pulled_at IS NULL OR last_pulled_at < ?)""")) {
                for (Map.Entry<String, Long> repository : repositories.entrySet()) {
                    s.setLong(1, repository.getValue());
                    s.setString(2, repository.getKey());
                    s.setLong(3, repository.getValue());
                    s.addBatch();
                }
                s.executeBatch();
            }
            return null;
        });
    }

    private static Digest digestOrNull(String value) {
        return value == null ? null : Digest.parse(value);
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
