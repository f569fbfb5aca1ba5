package io.berth.model;

import java.time.Instant;

/** Scan jobs and reports as the scan store keeps them. */
public final class Scans {
    private Scans() {}

    /** The states of a scan job. */
    public enum State { QUEUED, RUNNING, DONE, FAILED }

    /**
     * One scan job: a manifest of a repository to scan. seq counts the requests for it (a request while it runs
     * queues it again); attempts counts the runs since it was last requested; leaseOwner and leaseUntil say which
     * node runs it and until when that node's claim holds.
     */
    public record Job(String repository, String digest, State state, String reason, long seq, int attempts,
                      String leaseOwner, Instant leaseUntil, Instant queuedAt, Instant finishedAt, String error) {}

    /** Counts of findings by severity (other: Unknown and None). */
    public record Counts(int critical, int high, int medium, int low, int other) {
        public int total() {
            return critical + high + medium + low + other;
        }
    }

    /**
     * A manifest's last report: its JSON (as the report API serves it), what made it, its counts and worst severity,
     * and the SBOM referrer stored for it with the digest of the inventory it describes (null: none yet).
     */
    public record Report(String digest, String repository, String scannerVersion, long vulndbGeneration,
                         Instant generatedAt, String worst, Counts counts, String json, String sbomDigest,
                         String inventoryDigest) {}
}
