package io.berth.registry;

import io.berth.metadata.MetadataStore;
import io.berth.metadata.MetadataStore.BlobRecord;
import io.berth.oci.Digest;
import io.berth.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Checks the blob store against the metadata (berth scrub): every stored blob is read and its digest and size compared
 * with its name and its record; stored blobs without a record and records without a stored blob are found. It runs
 * beside live servers: a commit writes the bytes, then the record, and garbage collection forgets the record, then
 * deletes the bytes, each under the digest's locks; so a finding is confirmed under the same locks before it is
 * reported or repaired, and a commit or collection that was halfway through when the walk passed is not a problem.
 *
 * <p>Repair: a corrupt blob is moved aside (quarantined) and forgotten (its record and links), so pulls answer 404
 * instead of wrong bytes and the next push of it uploads it again; a record whose bytes are gone is forgotten likewise;
 * stored bytes without a record are quarantined (nothing refers to them; garbage collection, which works from the
 * records, would never remove them).
 */
public final class Scrubber {
    private static final int PAGE = 1000;

    public enum Problem {
        /** The stored bytes do not hash to the blob's digest, or their size differs from the record's. */
        CORRUPT,
        /** The metadata records a blob the store does not hold. */
        MISSING,
        /** The store holds a blob the metadata does not record. */
        UNRECORDED
    }

    public record Finding(Problem problem, Digest digest, String detail, boolean repaired) {
        @Override
        public String toString() {
            return problem.name().toLowerCase(java.util.Locale.ROOT) + " " + digest + ": " + detail
                    + (repaired ? " (repaired)" : "");
        }
    }

    /** Where a run is: stored blobs read (and their bytes), records checked, problems found so far. */
    public record Progress(long blobsRead, long bytesRead, long recordsChecked, int problems) {}

    public record Report(long blobsRead, long bytesRead, long recordsChecked, List<Finding> findings, Duration took) {
        /** True when no problem was found, or every one was repaired. */
        public boolean healthy() {
            return findings.stream().allMatch(Finding::repaired);
        }
    }

    private final MetadataStore metadata;
    private final BlobStore blobs;
    private final DigestLocks digestLocks;

    public Scrubber(MetadataStore metadata, BlobStore blobs) {
        this.metadata = metadata;
        this.blobs = blobs;
        this.digestLocks = new DigestLocks(blobs, metadata);
    }

    /**
     * Scrubs the whole store. progress is called every progressBlobs blobs or records and at least every
     * progressInterval while the run lasts.
     */
    public Report run(boolean repair, Consumer<Progress> progress, int progressBlobs, Duration progressInterval)
            throws IOException {
        Run run = new Run(repair, progress, progressBlobs, progressInterval);
        long start = System.nanoTime();
        blobs.listBlobs(run::checkStored);
        Digest after = null;
        for (List<BlobRecord> page = metadata.blobRecords(null, PAGE); !page.isEmpty();
             page = metadata.blobRecords(after, PAGE)) {
            for (BlobRecord record : page) {
                run.checkRecord(record);
            }
            after = page.getLast().digest();
        }
        run.report();
        return new Report(run.blobsRead, run.bytesRead, run.recordsChecked, Collections.unmodifiableList(run.findings),
                Duration.ofNanos(System.nanoTime() - start));
    }

    /** One run's counters; used by one thread. */
    private final class Run {
        private final boolean repair;
        private final Consumer<Progress> progress;
        private final int progressBlobs;
        private final long progressNanos;
        private final List<Finding> findings = new ArrayList<>();
        private long blobsRead;
        private long bytesRead;
        private long recordsChecked;
        private long lastReport = System.nanoTime();

        Run(boolean repair, Consumer<Progress> progress, int progressBlobs, Duration progressInterval) {
            this.repair = repair;
            this.progress = progress;
            this.progressBlobs = Math.max(1, progressBlobs);
            this.progressNanos = progressInterval.toNanos();
        }

        void checkStored(Digest digest, long storedSize) throws IOException {
            Optional<Long> recorded = metadata.blobSize(digest);
            if (recorded.isEmpty()) {
                digestLocks.run(digest, () -> {
                    if (metadata.blobSize(digest).isEmpty() && blobs.size(digest).isPresent()) {
                        boolean repaired = repair && blobs.quarantine(digest);
                        findings.add(new Finding(Problem.UNRECORDED, digest, storedSize + " bytes stored, no record"
                                + (repaired ? "; moved to quarantine" : ""), repaired));
                    }
                });
            } else {
                String fault = verify(digest, recorded.get());
                if (fault != null) {
                    // Blobs never change, but collection and a new commit could have replaced these bytes meanwhile.
                    digestLocks.run(digest, () -> {
                        Optional<Long> now = metadata.blobSize(digest);
                        String confirmed = now.isPresent() ? verify(digest, now.get()) : null;
                        if (confirmed != null) {
                            boolean repaired = false;
                            if (repair) {
                                blobs.quarantine(digest);
                                repaired = metadata.forgetBlob(digest);
                            }
                            findings.add(new Finding(Problem.CORRUPT, digest, confirmed
                                    + (repaired ? "; moved to quarantine and forgotten" : ""), repaired));
                        }
                    });
                }
                blobsRead++;
            }
            tick();
        }

        void checkRecord(BlobRecord record) throws IOException {
            Digest digest = record.digest();
            if (blobs.size(digest).isEmpty()) {
                digestLocks.run(digest, () -> {
                    if (metadata.blobSize(digest).isPresent() && blobs.size(digest).isEmpty()) {
                        boolean repaired = repair && metadata.forgetBlob(digest);
                        findings.add(new Finding(Problem.MISSING, digest, "recorded (" + record.size()
                                + " bytes), not stored" + (repaired ? "; record and links forgotten" : ""), repaired));
                    }
                });
            }
            recordsChecked++;
            tick();
        }

        /** Reads the stored blob; null when it matches digest and size, else what is wrong (or it went meanwhile). */
        private String verify(Digest digest, long recordedSize) throws IOException {
            Optional<BlobStore.BlobContent> opened = blobs.open(digest, OptionalLong.empty());
            if (opened.isEmpty()) {
                return null;
            }
            try (BlobStore.BlobContent content = opened.get()) {
                if (content.size() != recordedSize) {
                    return "stored size " + content.size() + ", recorded " + recordedSize;
                }
                MessageDigest hash = digest.newMessageDigest();
                byte[] buffer = new byte[1 << 16];
                long read = 0;
                try (InputStream in = content.openStream(0, content.size())) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        hash.update(buffer, 0, n);
                        read += n;
                    }
                }
                bytesRead += read;
                if (read != recordedSize) {
                    return "read " + read + " bytes, recorded " + recordedSize;
                }
                if (!digest.matches(hash.digest())) {
                    return "content does not match its digest";
                }
                return null;
            }
        }

        private void tick() {
            long now = System.nanoTime();
            if ((blobsRead + recordsChecked) % progressBlobs == 0 || now - lastReport >= progressNanos) {
                report();
            }
        }

        void report() {
            lastReport = System.nanoTime();
            progress.accept(new Progress(blobsRead, bytesRead, recordsChecked, findings.size()));
        }
    }
}
