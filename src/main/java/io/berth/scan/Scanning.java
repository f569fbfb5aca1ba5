package io.berth.scan;

import io.berth.metadata.ScanStore;
import io.berth.model.ManifestRecord;
import io.berth.model.Scans.Job;
import io.berth.model.Scans.Report;
import io.berth.model.VulnDb.PackageRef;
import io.berth.oci.Digest;
import io.berth.oci.RepositoryName;
import io.berth.scan.osv.Matcher;
import io.berth.scan.osv.OsvRecord;
import io.berth.scan.vulndb.VulnerabilityDatabase;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The scanning service as the front doors and the wiring see it: queueing scans (on push, on demand, after an
 * import), the reports, and the scanner the workers run.
 */
public final class Scanning {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Scanning.class);

    private final ScanStore store;
    private final VulnerabilityDatabase vulndb;
    private final Scanner scanner;
    private final Clock clock;
    private final boolean onPush;
    /** Whether a database with records is imported (scan on push waits for one); refreshed by {@link #refresh}. */
    private volatile boolean databaseReady;
    private volatile long seenGeneration = -1;
    private volatile Runnable wakeUp = () -> { };

    public Scanning(ScanStore store, VulnerabilityDatabase vulndb, Scanner scanner, Clock clock, boolean onPush) {
        this.store = store;
        this.vulndb = vulndb;
        this.scanner = scanner;
        this.clock = clock;
        this.onPush = onPush;
    }

    /**
     * The service on the registry's stores: layers read through registry, SBOMs pushed through it and uploads,
     * temporary files (rpm databases) under tempDir; version is Berth's, written into reports and SBOMs. It is set
     * as the registry's push trigger.
     */
    public static Scanning create(io.berth.registry.Registry registry, io.berth.registry.Uploads uploads,
                                  VulnerabilityDatabase vulndb, ScanStore store, java.nio.file.Path tempDir,
                                  String version, Clock clock, boolean onPush) {
        try {
            java.nio.file.Files.createDirectories(tempDir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + tempDir, e);
        }
        var inventory = new io.berth.scan.inventory.ImageInventory(new io.berth.scan.inventory.LayerScanner(tempDir),
                new io.berth.scan.inventory.LayerCache(500_000));
        Scanner scanner = new Scanner(registry, vulndb, store, inventory,
                new SbomReferrer(registry, uploads, store, version), version, clock);
        Scanning scanning = new Scanning(store, vulndb, scanner, clock, onPush);
        registry.onPush(scanning::pushed);
        return scanning;
    }

    public Scanner scanner() {
        return scanner;
    }

    ScanStore store() {
        return store;
    }

    Clock clock() {
        return clock;
    }

    /** What a worker pool runs when told a job was queued on this node. */
    void wakeUpWith(Runnable wakeUp) {
        this.wakeUp = wakeUp;
    }

    /** The push trigger: a pushed image or index is queued (one insert) when scan on push is on and a database is in. */
    public void pushed(RepositoryName repository, ManifestRecord record) {
        if (!onPush || !databaseReady
                || !Scanner.scannable(record.mediaType(), record.artifactType(), record.subject())) {
            return;
        }
        try {
            enqueue(repository, record.digest(), "push");
        } catch (RuntimeException e) {
            // The push stands; a scan on demand or the next import's rescan covers it.
            LOG.warn("queueing the scan of {}@{}: {}", repository, record.digest(), e.toString());
        }
    }

    /** Queues a scan of the manifest digest of repository. */
    public void enqueue(RepositoryName repository, Digest digest, String reason) {
        store.enqueue(repository.toString(), digest.toString(), reason, clock.instant());
        wakeUp.run();
    }

    /** The last report of a manifest. */
    public Optional<Report> report(Digest digest) {
        return store.report(digest.toString());
    }

    /** The scan job of a manifest in a repository. */
    public Optional<Job> job(RepositoryName repository, Digest digest) {
        return store.job(repository.toString(), digest.toString());
    }

    /**
     * Looks at the vulnerability database's generation: when an import changed it since the last look, the images
     * whose packages the changed records name are queued again ("rescan"); the number queued.
     */
    public int refresh() {
        long generation = vulndb.generation();
        databaseReady = generation > 0;
        long previous = seenGeneration;
        if (previous < 0) {
            // First look since start: imports made while no server ran are caught up from the oldest report.
            previous = store.oldestReportGeneration().orElse(generation);
        }
        seenGeneration = generation;
        if (generation == previous) {
            return 0;
        }
        return rescanChangedSince(previous);
    }

    /** Queues the scanned images holding a package the imports after generation changed; how many. */
    public int rescanChangedSince(long generation) {
        Set<String> keys = new LinkedHashSet<>();
        for (PackageRef ref : vulndb.changedPackagesSince(generation)) {
            keys.add(Matcher.key(new OsvRecord.Package(ref.ecosystem(), ref.name(), null)));
        }
        int queued = 0;
        for (ScanStore.Scanned s : store.scannedWith(keys)) {
            store.enqueue(s.repository(), s.digest(), "rescan", clock.instant());
            queued++;
        }
        if (queued > 0) {
            LOG.info("vulnerability database generation {} -> {}: {} images to rescan", generation,
                    vulndb.generation(), queued);
            wakeUp.run();
        }
        return queued;
    }
}
