package io.berth.metadata;

import io.berth.model.RetentionRule;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The {@link LifecycleStore} on the metadata database. Each check-then-delete runs in one transaction.
 *
 * <p>On SQLite a write transaction holds the database's write lock from its start, so a check and the write after it
 * see the same state. PostgreSQL runs transactions side by side in READ COMMITTED, and a {@code DELETE ... WHERE
 * <check>} is not enough there: a statement that waits for a row another transaction holds only locked (a push's
 * {@code FOR SHARE} on the blob or manifest it depends on) goes on with the check it evaluated before the wait. So each
 * collection step first locks the row it deletes ({@code FOR UPDATE}), then checks in a new statement, which sees
 * whatever the push committed, then deletes; a push that comes after the lock waits and then finds the row gone, as
 * {@link JdbcMetadataStore} documents. The lease is one {@code INSERT ... ON CONFLICT DO UPDATE ... WHERE}, whose
 * condition PostgreSQL evaluates on the locked, newest row.
 */
public final class JdbcLifecycleStore implements LifecycleStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {};

    private final Database db;
    private final Clock clock;
    /** The row-lock clause of the SELECTs the collection steps depend on; SQLite (one writer at a time) needs none. */
    private final String forUpdate;

    JdbcLifecycleStore(Database db, Clock clock, Dialect dialect) {
        this.db = db;
        this.clock = clock;
        this.forUpdate = dialect.forUpdate;
    }

    /** A write transaction, run again on a deadlock or a serialization failure ({@link Database#retrying}). */
    private <T> T transaction(Sql.Work<T> work) {
        return db.retrying(work);
    }

    /** SQL condition on a repository column for the repositories of a namespace ("library": names without '/'). */
    private static String inNamespace(String column) {
        return "(CASE WHEN ? = 'library' THEN " + column + " NOT LIKE '%/%' ELSE " + column + " >= ? AND " + column
                + " < ? END)";
    }

    private static Object[] namespaceArgs(String namespace) {
        // '/' + 1 is '0': [ns/, ns0) holds exactly the names that start with "ns/".
        return new Object[] {namespace, namespace + "/", namespace + "0"};
    }

    // ---- immutable tags

    @Override
    public void addImmutableRule(String namespace, String pattern, String actor) {
        db.transaction(c -> Sql.update(c, """
                INSERT INTO immutable_rules (namespace, pattern, created_by, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT DO NOTHING""", namespace, pattern, actor, clock.millis()));
    }

    @Override
    public boolean removeImmutableRule(String namespace, String pattern) {
        return db.transaction(c -> Sql.update(c,
                "DELETE FROM immutable_rules WHERE namespace = ? AND pattern = ?", namespace, pattern) > 0);
    }

    @Override
    public List<String> immutableRules(String namespace) {
        return db.read(c -> Sql.list(c, rs -> rs.getString(1),
                "SELECT pattern FROM immutable_rules WHERE namespace = ? ORDER BY pattern", namespace));
    }

    // ---- retention

    private static RetentionRule ruleRow(ResultSet rs) throws SQLException {
        try {
            return new RetentionRule(rs.getString(1), rs.getString(2), rs.getString(3), (Integer) intOrNull(rs, 4),
                    (Integer) intOrNull(rs, 5), JSON.readValue(rs.getString(6), STRING_LIST), rs.getString(7),
                    Instant.ofEpochMilli(rs.getLong(8)));
        } catch (JsonProcessingException e) {
            throw new SQLException("unreadable retention rule " + rs.getString(1), e);
        }
    }

    private static Object intOrNull(ResultSet rs, int column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? null : value;
    }

    private static final String RULE_COLUMNS =
            "SELECT id, namespace, pattern, keep_last, max_age_days, keep_patterns, created_by, created_at FROM retention_rules";

    @Override
    public void addRetentionRule(RetentionRule rule) {
        String keep;
        try {
            keep = JSON.writeValueAsString(rule.keepPatterns());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        db.transaction(c -> Sql.update(c, """
                INSERT INTO retention_rules (id, namespace, pattern, keep_last, max_age_days, keep_patterns, created_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", rule.id(), rule.namespace(), rule.pattern(), rule.keepLast(),
                rule.maxAgeDays(), keep, rule.createdBy(), rule.createdAt().toEpochMilli()));
    }

    @Override
    public boolean removeRetentionRule(String namespace, String id) {
        return db.transaction(c -> Sql.update(c, "DELETE FROM retention_rules WHERE namespace = ? AND id = ?",
                namespace, id) > 0);
    }

    @Override
    public boolean wasInHistory(RepositoryName repository, Tag tag, Digest digest) {
        return db.read(c -> Sql.exists(c, """
                SELECT 1 FROM tag_history WHERE repository = ? AND tag = ?
                AND (previous_digest = ? OR new_digest = ?)""", repository, tag, digest, digest));
    }

    @Override
    public List<RetentionRule> retentionRules(String namespace) {
        return db.read(c -> Sql.list(c, JdbcLifecycleStore::ruleRow,
                RULE_COLUMNS + " WHERE namespace = ? ORDER BY created_at, id", namespace));
    }

    @Override
    public List<RetentionRule> allRetentionRules() {
        return db.read(c -> Sql.list(c, JdbcLifecycleStore::ruleRow, RULE_COLUMNS + " ORDER BY namespace, created_at"));
    }

    @Override
    public List<TagAge> tagsOfNamespace(String namespace) {
        return db.read(c -> Sql.list(c, rs -> new TagAge(rs.getString(1), rs.getString(2),
                        Digest.parse(rs.getString(3)), Instant.ofEpochMilli(rs.getLong(4))),
                "SELECT repository, name, manifest_digest, updated_at FROM tags WHERE " + inNamespace("repository")
                        + " ORDER BY repository, updated_at DESC, name", namespaceArgs(namespace)));
    }

    // ---- quotas

    @Override
    public void setQuota(String namespace, Long limitBytes) {
        db.transaction(c -> limitBytes == null
                ? Sql.update(c, "DELETE FROM quotas WHERE namespace = ?", namespace)
                : Sql.update(c, """
                        INSERT INTO quotas (namespace, limit_bytes) VALUES (?, ?)
                        ON CONFLICT (namespace) DO UPDATE SET limit_bytes = excluded.limit_bytes""", namespace, limitBytes));
    }

    @Override
    public Optional<Long> quota(String namespace) {
        return db.read(c -> Sql.one(c, rs -> rs.getLong(1), "SELECT limit_bytes FROM quotas WHERE namespace = ?", namespace));
    }

    @Override
    public long usage(String namespace) {
        return db.read(c -> usage(c, namespace));
    }

    private static final String USAGE = """
            SELECT COALESCE(SUM(size), 0) FROM (
              SELECT b.digest, b.size FROM blobs b WHERE b.digest IN
                (SELECT rb.digest FROM repository_blobs rb WHERE """ + inNamespace("rb.repository") + """
            )
              UNION
              SELECT m.digest, MAX(m.size) FROM manifests m WHERE """ + inNamespace("m.repository") + """
             GROUP BY m.digest
            ) AS reachable""";

    /** Whether usage already counts digest: a repository of the namespace links it or holds it as a manifest. */
    private static final String COUNTED = "SELECT 1 FROM repository_blobs rb WHERE rb.digest = ? AND "
            + inNamespace("rb.repository") + " UNION ALL SELECT 1 FROM manifests m WHERE m.digest = ? AND "
            + inNamespace("m.repository");

    static long usage(Connection c, String namespace) throws SQLException {
        return Sql.one(c, rs -> rs.getLong(1), USAGE, twice(namespace, null)).orElse(0L);
    }

    /** The namespace's arguments twice, each set after digest when one is given. */
    private static Object[] twice(String namespace, Digest digest) {
        List<Object> args = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            if (digest != null) {
                args.add(digest);
            }
            args.addAll(List.of(namespaceArgs(namespace)));
        }
        return args.toArray();
    }

    /**
     * The quota of repository's namespace (null: none), read first in a transaction that may link bytes into the
     * namespace. On PostgreSQL it locks the quota's row until the transaction ends: the namespace's pushes then pass
     * {@link #checkQuota} one at a time, each seeing what the one before it committed, so racing pushes cannot
     * overshoot together. Taken before any other lock of the transaction, so it adds no lock-order cycle.
     */
    static Long lockQuota(Connection c, String forUpdate, RepositoryName repository) throws SQLException {
        return Sql.one(c, rs -> rs.getLong(1), "SELECT limit_bytes FROM quotas WHERE namespace = ?" + forUpdate,
                repository.namespace()).orElse(null);
    }

    /**
     * Refuses (DENIED) to add digest, of size bytes, to repository's namespace when that takes the usage past limit
     * (null: no quota). Bytes the namespace already counts add nothing, so they are never refused, even over quota.
     */
    static void checkQuota(Connection c, Long limit, RepositoryName repository, Digest digest, long size)
            throws SQLException {
        if (limit == null) {
            return;
        }
        String namespace = repository.namespace();
        if (Sql.exists(c, COUNTED, twice(namespace, digest))) {
            return;
        }
        long used = usage(c, namespace);
        if (used + size > limit) {
            throw new RegistryException(ErrorCode.DENIED, "storage quota of namespace " + namespace + " exceeded: "
                    + used + " bytes used + " + size + " bytes of " + digest + " > quota of " + limit + " bytes",
                    Map.of("namespace", namespace, "usedBytes", used, "quotaBytes", limit, "requestedBytes", size,
                            "digest", digest.toString()));
        }
    }

    // ---- leases

    /**
     * One statement: two nodes that both find the lease free (absent or expired) cannot both take it. The second
     * waits for the first's row and evaluates the condition on it (PostgreSQL), or runs after it (SQLite).
     */
    @Override
    public boolean acquireLease(String name, String owner, Duration ttl) {
        long now = clock.millis();
        return db.transaction(c -> Sql.update(c, """
                INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                WHERE leases.owner = excluded.owner OR leases.expires_at <= ?""",
                name, owner, now + ttl.toMillis(), now) > 0);
    }

    @Override
    public void releaseLease(String name, String owner) {
        db.transaction(c -> Sql.update(c, "DELETE FROM leases WHERE name = ? AND owner = ?", name, owner));
    }

    // ---- garbage collection

    @Override
    public void touchLink(RepositoryName repository, Digest digest) {
        db.transaction(c -> Sql.update(c,
                "UPDATE repository_blobs SET touched_at = ? WHERE repository = ? AND digest = ?", clock.millis(), repository, digest));
    }

    private static final String UNREFERENCED_LINK = """
            NOT EXISTS (SELECT 1 FROM manifest_references r WHERE r.repository = rb.repository
                        AND r.child_digest = rb.digest AND r.kind = 'b')
            AND rb.touched_at < ?""";

    @Override
    public List<Link> unreferencedLinks(Instant cutoff, int limit) {
        return db.read(c -> unreferencedLinks(c, cutoff, limit));
    }

    private static List<Link> unreferencedLinks(Connection c, Instant cutoff, int limit) throws SQLException {
        return Sql.list(c, rs -> new Link(new RepositoryName(rs.getString(1)), Digest.parse(rs.getString(2))),
                "SELECT rb.repository, rb.digest FROM repository_blobs rb WHERE " + UNREFERENCED_LINK + " LIMIT ?",
                cutoff.toEpochMilli(), limit);
    }

    @Override
    public boolean unlinkIfUnreferenced(Link link, Instant cutoff) {
        return transaction(c -> unlinkIfUnreferenced(c, link, cutoff));
    }

    /** Locks the link first: a manifest push holding it (FOR SHARE) commits its references before the check. */
    private boolean unlinkIfUnreferenced(Connection c, Link link, Instant cutoff) throws SQLException {
        if (!Sql.exists(c, "SELECT 1 FROM repository_blobs WHERE repository = ? AND digest = ?" + forUpdate,
                link.repository(), link.digest())) {
            return false;
        }
        if (!Sql.exists(c, "SELECT 1 FROM repository_blobs rb WHERE rb.repository = ? AND rb.digest = ? AND "
                + UNREFERENCED_LINK, link.repository(), link.digest(), cutoff.toEpochMilli())) {
            return false;
        }
        return Sql.update(c, "DELETE FROM repository_blobs WHERE repository = ? AND digest = ?",
                link.repository(), link.digest()) > 0;
    }

    private static final String COLLECTABLE_MANIFEST = """
            NOT EXISTS (SELECT 1 FROM tags t WHERE t.repository = m.repository AND t.manifest_digest = m.digest)
            AND NOT EXISTS (SELECT 1 FROM manifest_references r WHERE r.repository = m.repository
                            AND r.child_digest = m.digest AND r.kind = 'm')
            AND (m.subject IS NULL OR NOT EXISTS (SELECT 1 FROM manifests s WHERE s.repository = m.repository
                                                  AND s.digest = m.subject))
            AND NOT EXISTS (SELECT 1 FROM tag_history h WHERE h.repository = m.repository AND h.at >= ?
                            AND (h.previous_digest = m.digest OR h.new_digest = m.digest))
            AND m.touched_at < ?""";

    @Override
    public List<Link> collectableManifests(Instant cutoff, Instant historyCutoff, int limit) {
        return db.read(c -> collectableManifests(c, cutoff, historyCutoff, limit));
    }

    private static List<Link> collectableManifests(Connection c, Instant cutoff, Instant historyCutoff, int limit)
            throws SQLException {
        return Sql.list(c, rs -> new Link(new RepositoryName(rs.getString(1)), Digest.parse(rs.getString(2))),
                "SELECT m.repository, m.digest FROM manifests m WHERE " + COLLECTABLE_MANIFEST + " LIMIT ?",
                historyCutoff.toEpochMilli(), cutoff.toEpochMilli(), limit);
    }

    @Override
    public boolean deleteManifestIfCollectable(Link manifest, Instant cutoff, Instant historyCutoff) {
        return transaction(c -> deleteManifestIfCollectable(c, manifest, cutoff, historyCutoff));
    }

    /**
     * Locks the manifest first: a tag move, an index push or a re-push holding it (FOR SHARE, or its update of
     * touched_at) commits before the check, and one that comes later waits and then finds it gone.
     */
    private boolean deleteManifestIfCollectable(Connection c, Link manifest, Instant cutoff, Instant historyCutoff)
            throws SQLException {
        if (!Sql.exists(c, "SELECT 1 FROM manifests WHERE repository = ? AND digest = ?" + forUpdate,
                manifest.repository(), manifest.digest())) {
            return false;
        }
        boolean collectable = Sql.exists(c, "SELECT 1 FROM manifests m WHERE m.repository = ? AND m.digest = ? AND "
                + COLLECTABLE_MANIFEST, manifest.repository(), manifest.digest(), historyCutoff.toEpochMilli(),
                cutoff.toEpochMilli());
        if (!collectable) {
            return false;
        }
        Sql.update(c, "DELETE FROM manifest_references WHERE repository = ? AND manifest_digest = ?",
                manifest.repository(), manifest.digest());
        Sql.update(c, "DELETE FROM manifests WHERE repository = ? AND digest = ?", manifest.repository(), manifest.digest());
        return true;
    }

    private static final String ORPHAN = """
            NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = x.digest)
            AND NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = x.digest)""";

    @Override
    public List<Orphan> orphans(int limit) {
        return db.read(c -> orphans(c, limit));
    }

    /** Blob records without links, and manifest bytes no repository holds as a manifest (kept as blob records). */
    private static List<Orphan> orphans(Connection c, int limit) throws SQLException {
        return Sql.list(c, rs -> new Orphan(Digest.parse(rs.getString(1)), rs.getLong(2)),
                "SELECT x.digest, x.size FROM blobs x WHERE " + ORPHAN + " LIMIT ?", limit);
    }

    @Override
    public boolean forgetIfOrphan(Digest digest) {
        return transaction(c -> forgetIfOrphan(c, digest));
    }

    /**
     * Locks the record first: a mount holding it (FOR SHARE) commits its link before the check, and one that comes
     * later waits and then finds no record (the client uploads). Commits of the digest are kept out by the digest lock
     * the caller holds.
     */
    private boolean forgetIfOrphan(Connection c, Digest digest) throws SQLException {
        if (!Sql.exists(c, "SELECT 1 FROM blobs WHERE digest = ?" + forUpdate, digest)) {
            return false;
        }
        if (!Sql.exists(c, "SELECT 1 FROM blobs x WHERE x.digest = ? AND " + ORPHAN, digest)) {
            return false;
        }
        return Sql.update(c, "DELETE FROM blobs WHERE digest = ?", digest) > 0;
    }

    /**
     * The same steps, with the same statements, on one connection whose transaction is rolled back at the end: each
     * step sees what the steps before it deleted, as a real collection's next step would, and nothing changes.
     */
    @Override
    public <T> T rehearse(Function<CollectionSteps, T> work) {
        return db.rolledBack(c -> work.apply(new CollectionSteps() {
            @Override
            public List<Link> collectableManifests(Instant cutoff, Instant historyCutoff, int limit) {
                return on(() -> JdbcLifecycleStore.collectableManifests(c, cutoff, historyCutoff, limit));
            }

            @Override
            public boolean deleteManifestIfCollectable(Link manifest, Instant cutoff, Instant historyCutoff) {
                return on(() -> JdbcLifecycleStore.this.deleteManifestIfCollectable(c, manifest, cutoff, historyCutoff));
            }

            @Override
            public List<Link> unreferencedLinks(Instant cutoff, int limit) {
                return on(() -> JdbcLifecycleStore.unreferencedLinks(c, cutoff, limit));
            }

            @Override
            public boolean unlinkIfUnreferenced(Link link, Instant cutoff) {
                return on(() -> JdbcLifecycleStore.this.unlinkIfUnreferenced(c, link, cutoff));
            }

            @Override
            public List<Orphan> orphans(int limit) {
                return on(() -> JdbcLifecycleStore.orphans(c, limit));
            }

            @Override
            public boolean forgetIfOrphan(Digest digest) {
                return on(() -> JdbcLifecycleStore.this.forgetIfOrphan(c, digest));
            }
        }));
    }

    /** A step of a rehearsal, its SQL failure reported as the store's. */
    private interface Step<T> {
        T run() throws SQLException;
    }

    private static <T> T on(Step<T> step) {
        try {
            return step.run();
        } catch (SQLException e) {
            throw new MetadataException(e);
        }
    }

}
