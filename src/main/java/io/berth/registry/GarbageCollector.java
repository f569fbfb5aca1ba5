package io.berth.registry;

import io.berth.metadata.CollectionSteps;
import io.berth.metadata.LifecycleStore;
import io.berth.metadata.LifecycleStore.Link;
import io.berth.metadata.LifecycleStore.Orphan;
import io.berth.storage.BlobStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online garbage collection (docs/design/gc.md). Untagged manifests (unless an index, a living subject or the tag
 * history window keeps them) and blob links no manifest references become candidates once untouched for the grace
 * period; each is deleted in a transaction that re-checks it. Blobs no repository reaches any more are then
 * forgotten and their bytes deleted under the digest's lock, which every commit of that digest also takes. One node
 * at a time collects: a lease in the metadata store, renewed while the run lasts. A dry run walks the same steps in a
 * transaction that is rolled back, so it reports exactly what a run would delete.
 */
public final class GarbageCollector {
    private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);
    private static final int BATCH = 1000;
    private static final int MAX_PASSES = 20;
    private static final String LEASE = "gc";
    /** How long the lease outlives its last renewal; a node that dies holding it blocks others this long. */
    public static final Duration LEASE_TTL = Duration.ofMinutes(30);

    /** @param grace how long a candidate waits; @param historyWindow how long tag history keeps manifests */
    public record Settings(Duration grace, Duration historyWindow, boolean untaggedManifests) {}

    /**
     * What a collection did (or, dry, would do). items names each deletion, for the command line. leaseLost: the
     * run stopped early because it could not renew its lease (another node may be collecting now).
     */
    public record Report(boolean ran, boolean dryRun, int candidates, int manifestsDeleted, int linksRemoved,
                         int blobsDeleted, long bytesFreed, Duration took, List<String> items, boolean leaseLost) {}

    private final LifecycleStore store;
    private final BlobStore blobs;
    private final DigestLocks digestLocks;
    private final Clock clock;
    private final String owner;
    private final Duration leaseTtl;
    private volatile java.util.function.Consumer<Report> observer = report -> {};

    public GarbageCollector(LifecycleStore store, io.berth.metadata.MetadataStore metadata, BlobStore blobs, Clock clock,
                            String owner) {
        this(store, metadata, blobs, clock, owner, LEASE_TTL);
    }

    public GarbageCollector(LifecycleStore store, io.berth.metadata.MetadataStore metadata, BlobStore blobs, Clock clock,
                            String owner, Duration leaseTtl) {
        this.store = store;
        this.blobs = blobs;
        this.digestLocks = new DigestLocks(blobs, metadata);
        this.clock = clock;
        this.owner = owner;
        this.leaseTtl = leaseTtl;
    }

    public Report run(Settings settings, boolean dryRun) {
        long start = System.nanoTime();
        if (!store.acquireLease(LEASE, owner, leaseTtl)) {
            return new Report(false, dryRun, 0, 0, 0, 0, 0, Duration.ZERO, List.of(), false);
        }
        Report report;
        try (Lease lease = new Lease(start)) {
            report = dryRun
                    ? store.rehearse(steps -> walk(settings, steps, lease, true))
                    : walk(settings, store, lease, false);
        } finally {
            store.releaseLease(LEASE, owner);
        }
        Report done = new Report(true, dryRun, report.candidates(), report.manifestsDeleted(), report.linksRemoved(),
                report.blobsDeleted(), report.bytesFreed(), Duration.ofNanos(System.nanoTime() - start), report.items(),
                report.leaseLost());
        if (done.leaseLost()) {
            LOG.warn("gc: stopped early, the lease could not be renewed; {} candidates so far", done.candidates());
        }
        if (!dryRun && done.candidates() > 0) {
            LOG.info("gc: {} candidates, {} manifests, {} blob links, {} blobs deleted, {} bytes freed in {} ms",
                    done.candidates(), done.manifestsDeleted(), done.linksRemoved(), done.blobsDeleted(),
                    done.bytesFreed(), done.took().toMillis());
        }
        observer.accept(done);
        return done;
    }

    /** Tells observer every run's report (the metrics' runs, blobs and bytes freed); one observer. */
    public void observe(java.util.function.Consumer<Report> observer) {
        this.observer = observer;
    }

    /**
     * The collection, on steps that either each commit (a run) or share one transaction that is rolled back (a dry
     * run, which forgets orphans' records but leaves their bytes): both walk the same candidates in the same order.
     * Before each candidate the lease must still be held.
     */
    private Report walk(Settings settings, CollectionSteps steps, Lease lease, boolean dryRun) {
        int candidates = 0;
        int manifests = 0;
        int links = 0;
        int blobCount = 0;
        long bytes = 0;
        List<String> items = new ArrayList<>();
        boolean stopped = false;
        passes:
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            Instant now = clock.instant();
            Instant cutoff = now.minus(settings.grace());
            Instant historyCutoff = now.minus(settings.historyWindow());
            int progress = 0;
            if (settings.untaggedManifests()) {
                for (Link m : steps.collectableManifests(cutoff, historyCutoff, BATCH)) {
                    if (!lease.held()) {
                        stopped = true;
                        break passes;
                    }
                    candidates++;
                    if (steps.deleteManifestIfCollectable(m, cutoff, historyCutoff)) {
                        manifests++;
                        progress++;
                        items.add("manifest " + m.repository() + "@" + m.digest());
                    }
                }
            }
            for (Link link : steps.unreferencedLinks(cutoff, BATCH)) {
                if (!lease.held()) {
                    stopped = true;
                    break passes;
                }
                candidates++;
                if (steps.unlinkIfUnreferenced(link, cutoff)) {
                    links++;
                    progress++;
                    items.add("link " + link.repository() + " -> " + link.digest());
                }
            }
            for (Orphan orphan : steps.orphans(BATCH)) {
                if (!lease.held()) {
                    stopped = true;
                    break passes;
                }
                candidates++;
                if (dryRun ? steps.forgetIfOrphan(orphan.digest()) : deleteOrphan(orphan)) {
                    blobCount++;
                    bytes += orphan.size();
                    progress++;
                    items.add("blob " + orphan.digest() + " (" + orphan.size() + " bytes)");
                }
            }
            if (progress == 0) {
                break;
            }
        }
        return new Report(true, dryRun, candidates, manifests, links, blobCount, bytes, Duration.ZERO, items, stopped);
    }

    /** Forgets an orphan's record and deletes its bytes, under the digest's locks; true when both went. */
    private boolean deleteOrphan(Orphan orphan) {
        try {
            return digestLocks.call(orphan.digest(), () -> {
                if (store.forgetIfOrphan(orphan.digest())) {
                    blobs.delete(orphan.digest());
                    return true;
                }
                return false;
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("gc: could not delete blob {}: {}", orphan.digest(), e.toString());
            return false;
        }
    }

    /**
     * The lease while a run lasts: renewed every third of its TTL, so a run longer than the TTL keeps it and no
     * other node starts one meanwhile. It counts as lost once a renewal fails (another node holds it, or the store
     * cannot be reached) or when no renewal succeeded within the TTL; the run then stops before its next candidate.
     */
    private final class Lease implements AutoCloseable {
        private final Thread renewer;
        /** System.nanoTime() until which the lease is surely ours: a TTL after the last successful renewal was asked. */
        private volatile long validUntil;
        private volatile boolean lost;
        private volatile boolean closed;

        Lease(long acquiredAt) {
            validUntil = acquiredAt + leaseTtl.toNanos();
            renewer = Thread.ofVirtual().name("gc-lease").start(this::renewWhileRunning);
        }

        boolean held() {
            return !lost && System.nanoTime() - validUntil < 0;
        }

        private void renewWhileRunning() {
            Duration period = leaseTtl.dividedBy(3);
            while (!lost) {
                try {
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                }
                long asked = System.nanoTime();
                try {
                    if (store.acquireLease(LEASE, owner, leaseTtl)) {
                        validUntil = asked + leaseTtl.toNanos();
                        continue;
                    }
                    LOG.warn("gc: another node took the collection lease; stopping this run");
                } catch (RuntimeException e) {
                    if (closed) {
                        return;
                    }
                    LOG.warn("gc: could not renew the collection lease ({}); stopping this run", e.toString());
                }
                lost = true;
            }
        }

        /** Stops renewing, and waits for a renewal under way, so none comes after the lease is released. */
        @Override
        public void close() {
            closed = true;
            renewer.interrupt();
            boolean interrupted = false;
            while (true) {
                try {
                    renewer.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
