package io.berth.metadata;

import io.berth.model.Scans.Counts;
import io.berth.model.Scans.Job;
import io.berth.model.Scans.Report;
import io.berth.model.Scans.State;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link ScanStore} on the metadata database. Claims are compare-and-set updates (the job's state, seq and lease
 * as read), so two nodes asking at once never both take a job, on either database, without row locks.
 */
final class JdbcScanStore implements ScanStore {
    private static final String JOB_COLUMNS = "repository, digest, state, reason, seq, attempts, lease_owner,"
            + " lease_until, queued_at, finished_at, error";
    private static final int CHUNK = 500;

    private final Database db;

    JdbcScanStore(Database db) {
        this.db = db;
    }

    @Override
    public void enqueue(String repository, String digest, String reason, Instant now) {
        db.retrying(c -> Sql.update(c, "INSERT INTO scan_jobs (" + JOB_COLUMNS + ") VALUES (?, ?, 'queued', ?, 1, 0,"
                + " NULL, NULL, ?, NULL, NULL) ON CONFLICT (repository, digest) DO UPDATE SET seq = scan_jobs.seq + 1,"
                + " reason = excluded.reason, attempts = CASE WHEN scan_jobs.state = 'running' THEN scan_jobs.attempts"
                + " ELSE 0 END, state = CASE WHEN scan_jobs.state = 'running' THEN 'running' ELSE 'queued' END,"
                + " queued_at = CASE WHEN scan_jobs.state = 'queued' THEN scan_jobs.queued_at ELSE excluded.queued_at END",
                repository, digest, reason, now.toEpochMilli()));
    }

    @Override
    public Optional<Job> claim(String owner, Instant now, Instant leaseUntil, int maxAttempts) {
        long nowMillis = now.toEpochMilli();
        // Bounded: each candidate lost to another node is one more try, with the next candidates.
        for (int round = 0; round < 8; round++) {
            List<Job> candidates = db.read(c -> Sql.list(c, JdbcScanStore::job, "SELECT " + JOB_COLUMNS
                    + " FROM scan_jobs WHERE state = 'queued' OR (state = 'running' AND lease_until < ?)"
                    + " ORDER BY queued_at LIMIT 8", nowMillis));
            if (candidates.isEmpty()) {
                return Optional.empty();
            }
            for (Job candidate : candidates) {
                boolean exhausted = candidate.attempts() >= maxAttempts;
                int changed = db.retrying(c -> Sql.update(c, "UPDATE scan_jobs SET state = ?, attempts = attempts + ?,"
                        + " lease_owner = ?, lease_until = ?, finished_at = ?, error = ? WHERE repository = ? AND digest = ?"
                        + " AND seq = ? AND state = ? AND attempts = ?",
                        exhausted ? "failed" : "running", exhausted ? 0 : 1, exhausted ? null : owner,
                        exhausted ? null : leaseUntil.toEpochMilli(), exhausted ? nowMillis : null,
                        exhausted ? "gave up after " + candidate.attempts() + " attempts" + (candidate.error() == null
                                ? " (its node stopped)" : ": " + candidate.error()) : candidate.error(),
                        candidate.repository(), candidate.digest(), candidate.seq(),
                        candidate.state().name().toLowerCase(Locale.ROOT), candidate.attempts()));
                if (changed == 1 && !exhausted) {
                    return job(candidate.repository(), candidate.digest());
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean renew(Job job, String owner, Instant leaseUntil) {
        return db.retrying(c -> Sql.update(c, "UPDATE scan_jobs SET lease_until = ? WHERE repository = ? AND digest = ?"
                + " AND state = 'running' AND lease_owner = ?", leaseUntil.toEpochMilli(), job.repository(),
                job.digest(), owner)) == 1;
    }

    @Override
    public boolean finish(Job job, String owner, String error, Instant now) {
        return db.retrying(c -> Sql.update(c, "UPDATE scan_jobs SET state = CASE WHEN seq = ? THEN ? ELSE 'queued' END,"
                + " attempts = CASE WHEN seq = ? THEN attempts ELSE 0 END, lease_owner = NULL, lease_until = NULL,"
                + " finished_at = ?, error = ? WHERE repository = ? AND digest = ? AND state = 'running'"
                + " AND lease_owner = ?", job.seq(), error == null ? "done" : "failed", job.seq(), now.toEpochMilli(),
                error, job.repository(), job.digest(), owner)) == 1;
    }

    @Override
    public boolean release(Job job, String owner, String error) {
        return db.retrying(c -> Sql.update(c, "UPDATE scan_jobs SET state = 'queued', lease_owner = NULL,"
                + " lease_until = NULL, error = ? WHERE repository = ? AND digest = ? AND state = 'running'"
                + " AND lease_owner = ?", error, job.repository(), job.digest(), owner)) == 1;
    }

    @Override
    public Optional<Job> job(String repository, String digest) {
        return db.read(c -> Sql.one(c, JdbcScanStore::job, "SELECT " + JOB_COLUMNS
                + " FROM scan_jobs WHERE repository = ? AND digest = ?", repository, digest));
    }

    @Override
    public List<Job> jobs(State state, int limit) {
        return db.read(c -> Sql.list(c, JdbcScanStore::job, "SELECT " + JOB_COLUMNS
                + " FROM scan_jobs WHERE state = ? ORDER BY queued_at LIMIT ?", state.name().toLowerCase(Locale.ROOT),
                limit));
    }

    private static Job job(ResultSet rs) throws SQLException {
        Long lease = Sql.nullableLong(rs, 8);
        Long finished = Sql.nullableLong(rs, 10);
        return new Job(rs.getString(1), rs.getString(2), State.valueOf(rs.getString(3).toUpperCase(Locale.ROOT)),
                rs.getString(4), rs.getLong(5), rs.getInt(6), rs.getString(7),
                lease == null ? null : Instant.ofEpochMilli(lease), Instant.ofEpochMilli(rs.getLong(9)),
                finished == null ? null : Instant.ofEpochMilli(finished), rs.getString(11));
    }

    // ---- reports

    @Override
    public void putReport(Report r, Collection<String> packageKeys) {
        db.retrying(c -> {
            Sql.update(c, "DELETE FROM scan_reports WHERE digest = ?", r.digest());
            Sql.update(c, "INSERT INTO scan_reports (digest, repository, scanner_version, vulndb_generation,"
                    + " generated_at, worst, critical, high, medium, low, other, report, sbom_digest, inventory_digest)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", r.digest(), r.repository(),
                    r.scannerVersion(), r.vulndbGeneration(), r.generatedAt().toEpochMilli(), r.worst(),
                    r.counts().critical(), r.counts().high(), r.counts().medium(), r.counts().low(),
                    r.counts().other(), r.json(), r.sbomDigest(), r.inventoryDigest());
            Sql.update(c, "DELETE FROM scan_packages WHERE digest = ?", r.digest());
            try (PreparedStatement s = c.prepareStatement("INSERT INTO scan_packages (pkg_key, digest) VALUES (?, ?)")) {
                for (String key : new LinkedHashSet<>(packageKeys)) {
                    s.setString(1, key);
                    s.setString(2, r.digest());
                    s.addBatch();
                }
                s.executeBatch();
            }
            return null;
        });
    }

    @Override
    public Optional<Report> report(String digest) {
        return db.read(c -> Sql.one(c, rs -> new Report(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getLong(4), Instant.ofEpochMilli(rs.getLong(5)), rs.getString(6), new Counts(rs.getInt(7),
                rs.getInt(8), rs.getInt(9), rs.getInt(10), rs.getInt(11)), rs.getString(12), rs.getString(13),
                rs.getString(14)), "SELECT digest, repository, scanner_version, vulndb_generation, generated_at, worst,"
                + " critical, high, medium, low, other, report, sbom_digest, inventory_digest FROM scan_reports"
                + " WHERE digest = ?", digest));
    }

    @Override
    public Optional<Long> oldestReportGeneration() {
        // MIN over no rows is one row of NULL: -1 stands for it.
        return db.read(c -> Sql.one(c, rs -> {
            Long min = Sql.nullableLong(rs, 1);
            return min == null ? -1L : min;
        }, "SELECT MIN(vulndb_generation) FROM scan_reports")).filter(min -> min >= 0);
    }

    @Override
    public List<String> packageKeys(String digest) {
        return db.read(c -> Sql.list(c, rs -> rs.getString(1), "SELECT pkg_key FROM scan_packages WHERE digest = ?"
                + " ORDER BY pkg_key", digest));
    }

    @Override
    public void setSbom(String digest, String sbomDigest, String inventoryDigest) {
        db.retrying(c -> Sql.update(c, "UPDATE scan_reports SET sbom_digest = ?, inventory_digest = ? WHERE digest = ?",
                sbomDigest, inventoryDigest, digest));
    }

    @Override
    public Set<Scanned> scannedWith(Collection<String> packageKeys) {
        Set<Scanned> found = new LinkedHashSet<>();
        List<String> keys = new ArrayList<>(new LinkedHashSet<>(packageKeys));
        for (int i = 0; i < keys.size(); i += CHUNK) {
            List<String> chunk = keys.subList(i, Math.min(keys.size(), i + CHUNK));
            found.addAll(db.read(c -> {
                List<Scanned> rows = new ArrayList<>();
                try (PreparedStatement s = c.prepareStatement("SELECT DISTINCT r.repository, r.digest FROM scan_packages p"
                        + " JOIN scan_reports r ON r.digest = p.digest WHERE p.pkg_key IN ("
                        + String.join(", ", java.util.Collections.nCopies(chunk.size(), "?")) + ") ORDER BY r.digest")) {
                    for (int j = 0; j < chunk.size(); j++) {
                        s.setString(j + 1, chunk.get(j));
                    }
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            rows.add(new Scanned(rs.getString(1), rs.getString(2)));
                        }
                    }
                }
                return rows;
            }));
        }
        return found;
    }

}
