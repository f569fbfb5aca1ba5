package io.berth.registry;

import io.berth.metadata.LifecycleStore;
import io.berth.metadata.LifecycleStore.Link;
import io.berth.metadata.LifecycleStore.Orphan;
import io.berth.storage.BlobStore;
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
 * at a time collects (a lease in the metadata store).
 */
public final class GarbageCollector {
    private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);
    private static final int BATCH = 1000;
    private static final int MAX_PASSES = 20;

    /** @param grace how long a candidate waits; @param historyWindow how long tag history keeps manifests */
    public record Settings(Duration grace, Duration historyWindow, boolean untaggedManifests) {}

    /** What a collection did (or, dry, would do). items names each deletion, for the command line. */
    public record Report(boolean ran, boolean dryRun, int candidates, int manifestsDeleted, int linksRemoved,
                         int blobsDeleted, long bytesFreed, Duration took, List<String> items) {}

    private final LifecycleStore store;
    private final io.berth.metadata.MetadataStore metadata;
    private final BlobStore blobs;
    private final Clock clock;
    private final String owner;

    public GarbageCollector(LifecycleStore store, io.berth.metadata.MetadataStore metadata, BlobStore blobs, Clock clock,
                            String owner) {
        this.store = store;
        this.metadata = metadata;
        this.blobs = blobs;
        this.clock = clock;
        this.owner = owner;
    }

    public Report run(Settings settings, boolean dryRun) {
        long start = System.nanoTime();
        if (!store.acquireLease("gc", owner, Duration.ofMinutes(30))) {
            return new Report(false, dryRun, 0, 0, 0, 0, 0, Duration.ZERO, List.of());
        }
        try {
            Report report = dryRun ? plan(settings) : collect(settings);
            Report done = new Report(true, dryRun, report.candidates(), report.manifestsDeleted(), report.linksRemoved(),
                    report.blobsDeleted(), report.bytesFreed(), Duration.ofNanos(System.nanoTime() - start), report.items());
            if (!dryRun && done.candidates() > 0) {
                LOG.info("gc: {} candidates, {} manifests, {} blob links, {} blobs deleted, {} bytes freed in {} ms",
                        done.candidates(), done.manifestsDeleted(), done.linksRemoved(), done.blobsDeleted(),
                        done.bytesFreed(), done.took().toMillis());
            }
            return done;
        } finally {
            store.releaseLease("gc", owner);
        }
    }

    private Report collect(Settings settings) {
        int candidates = 0;
        int manifests = 0;
        int links = 0;
        int blobCount = 0;
        long bytes = 0;
        List<String> items = new ArrayList<>();
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            Instant now = clock.instant();
            Instant cutoff = now.minus(settings.grace());
            Instant historyCutoff = now.minus(settings.historyWindow());
            int progress = 0;
            if (settings.untaggedManifests()) {
                for (Link m : store.collectableManifests(cutoff, historyCutoff, BATCH)) {
                    candidates++;
                    if (store.deleteManifestIfCollectable(m, cutoff, historyCutoff)) {
                        manifests++;
                        progress++;
                        items.add("manifest " + m.repository() + "@" + m.digest());
                    }
                }
            }
            for (Link link : store.unreferencedLinks(cutoff, BATCH)) {
                candidates++;
                if (store.unlinkIfUnreferenced(link, cutoff)) {
                    links++;
                    progress++;
                    items.add("link " + link.repository() + " -> " + link.digest());
                }
            }
            for (Orphan orphan : store.orphans(BATCH)) {
                candidates++;
                try (AutoCloseable lock = blobs.lock(orphan.digest());
                     AutoCloseable nodes = metadata.lockDigest(orphan.digest())) {
                    if (store.forgetIfOrphan(orphan.digest())) {
                        blobs.delete(orphan.digest());
                        blobCount++;
                        bytes += orphan.size();
                        progress++;
                        items.add("blob " + orphan.digest() + " (" + orphan.size() + " bytes)");
                    }
                } catch (Exception e) {
                    LOG.warn("gc: could not delete blob {}: {}", orphan.digest(), e.toString());
                }
            }
            if (progress == 0) {
                break;
            }
        }
        return new Report(true, false, candidates, manifests, links, blobCount, bytes, Duration.ZERO, items);
    }

    /** What a collection would delete now: first-level candidates (deleting them may free more on the next run). */
    private Report plan(Settings settings) {
        Instant now = clock.instant();
        Instant cutoff = now.minus(settings.grace());
        List<String> items = new ArrayList<>();
        List<Link> manifests = settings.untaggedManifests()
                ? store.collectableManifests(cutoff, now.minus(settings.historyWindow()), BATCH) : List.of();
        manifests.forEach(m -> items.add("manifest " + m.repository() + "@" + m.digest()));
        List<Link> links = store.unreferencedLinks(cutoff, BATCH);
        links.forEach(l -> items.add("link " + l.repository() + " -> " + l.digest()));
        long bytes = 0;
        List<Orphan> orphans = store.orphans(BATCH);
        for (Orphan o : orphans) {
            items.add("blob " + o.digest() + " (" + o.size() + " bytes)");
            bytes += o.size();
        }
        return new Report(true, true, manifests.size() + links.size() + orphans.size(), manifests.size(), links.size(),
                orphans.size(), bytes, Duration.ZERO, items);
    }

}
