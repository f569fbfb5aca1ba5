package io.berth.metadata;

import io.berth.model.Scans.Job;
import io.berth.model.Scans.Report;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The scan queue and the reports. Jobs are shared by every node on the database: any node may take a queued job,
 * or one whose node's lease ran out; a request for a job already queued is one write that changes nothing else.
 */
public interface ScanStore {
    /** Queues a scan of digest in repository (one insert, or one update of the existing job). */
    void enqueue(String repository, String digest, String reason, Instant now);

    /**
     * Takes the oldest job that is queued, or running under a lease that expired before now, for owner until
     * leaseUntil, and counts the attempt; empty when there is none. A job taken maxAttempts times without finishing
     * is marked failed instead.
     */
    Optional<Job> claim(String owner, Instant now, Instant leaseUntil, int maxAttempts);

    /** Extends owner's lease of the job; false when owner no longer holds it. */
    boolean renew(Job job, String owner, Instant leaseUntil);

    /**
     * Ends owner's run of the job: done (error null) or failed. When the job was requested again meanwhile (its
     * seq moved on) it is queued again instead. False when owner no longer held it.
     */
    boolean finish(Job job, String owner, String error, Instant now);

    /** A failed run that may be tried again: queued again without waiting for the lease to run out. */
    boolean release(Job job, String owner, String error);

    Optional<Job> job(String repository, String digest);

    /** Jobs in a state, oldest first, at most limit. */
    List<Job> jobs(io.berth.model.Scans.State state, int limit);

    /** Writes a manifest's report (replacing its last one) and the package keys of the image, in one transaction. */
    void putReport(Report report, Collection<String> packageKeys);

    Optional<Report> report(String digest);

    /** The lowest database generation a stored report was matched against; empty without reports. */
    Optional<Long> oldestReportGeneration();

    /** The package keys written with a manifest's report. */
    List<String> packageKeys(String digest);

    /** Records the SBOM referrer stored for a manifest and the digest of the inventory it describes. */
    void setSbom(String digest, String sbomDigest, String inventoryDigest);

    /** The scanned manifests (digest and the repository of their last report) holding a package under one of keys. */
    Set<Scanned> scannedWith(Collection<String> packageKeys);

    /** A scanned manifest and the repository its last report was made in. */
    record Scanned(String repository, String digest) {}
}
