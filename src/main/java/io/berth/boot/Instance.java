package io.berth.boot;

import io.berth.auth.AccessAdmin;
import io.berth.auth.AccessPolicy;
import io.berth.config.BerthConfig;
import io.berth.metadata.AuthStore;
import io.berth.metadata.LifecycleStore;
import io.berth.metadata.MetadataDatabase;
import io.berth.metadata.MetadataStore;
import io.berth.registry.DistributionImport;
import io.berth.registry.GarbageCollector;
import io.berth.registry.Lifecycle;
import io.berth.registry.Listing;
import io.berth.registry.ManifestCache;
import io.berth.registry.Migration;
import io.berth.registry.Policies;
import io.berth.registry.Registry;
import io.berth.registry.Retention;
import io.berth.registry.Scrubber;
import io.berth.registry.Uploads;
import io.berth.scan.vulndb.VulnerabilityDatabase;
import io.berth.storage.BlobStore;
import io.berth.storage.DiskReserve;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;

/**
 * One instance's stores, opened from its configuration, and the domain services on them: the registry, uploads,
 * the lifecycle service and the access admin. The command line and {@code serve} get their services here; closing
 * it closes the stores.
 */
public final class Instance implements AutoCloseable {
    private final Clock clock;
    private final MetadataDatabase database;
    /** null when only the metadata database was opened. */
    private final BlobStore blobs;
    private final AccessAdmin admin;
    private final Uploads uploads;
    private final Registry registry;
    private final GarbageCollector gc;
    private final Lifecycle lifecycle;
    private final Listing listing;
    private final VulnerabilityDatabase vulnerabilities;
    private final io.berth.scan.Scanning scanning;

    private Instance(BerthConfig config, Clock clock, MetadataDatabase database, BlobStore blobs, String owner) {
        this(config, clock, database, blobs, owner, null);
    }

    /** metrics: the stores' calls are timed, and the services counted, in it (null: not measured). */
    private Instance(BerthConfig config, Clock clock, MetadataDatabase database, BlobStore blobs, String owner,
                     ServerMetrics metrics) {
        this.clock = clock;
        this.database = database;
        this.blobs = blobs;
        String dialect = Stores.jdbcUrl(config).startsWith("jdbc:postgresql:") ? "postgresql" : "sqlite";
        AuthStore auth = metrics == null ? database.auth()
                : metrics.timed(AuthStore.class, database.auth(), "metadata", dialect, false);
        this.admin = new AccessAdmin(auth, new AccessPolicy(auth, clock), clock);
        this.vulnerabilities = new VulnerabilityDatabase(database.vulnerabilities());
        if (blobs == null) {
            uploads = null;
            registry = null;
            gc = null;
            lifecycle = null;
            listing = null;
            scanning = null;
            return;
        }
        MetadataStore metadata = database.metadata();
        LifecycleStore store = database.lifecycle();
        if (metrics != null) {
            metadata = metrics.timed(MetadataStore.class, metadata, "metadata", dialect, false);
            store = metrics.timed(LifecycleStore.class, store, "metadata", dialect, false);
            blobs = metrics.timed(BlobStore.class, blobs, "blob", "s3".equals(config.storage().type()) ? "s3" : "filesystem",
                    true);
        }
        Policies policies = new Policies(store);
        ManifestCache manifests = new ManifestCache(64L * 1024 * 1024);
        this.uploads = new Uploads(metadata, blobs, clock);
        this.registry = new Registry(metadata, store, blobs, manifests, policies);
        this.gc = new GarbageCollector(store, metadata, blobs, clock, owner);
        if (metrics != null) {
            gc.observe(metrics::collected);
            metrics.gauge("berth.uploads.in.progress", "Uploads whose bytes a request of this node is writing now",
                    uploads, Uploads::writing);
            metrics.counter("berth.manifest.cache.requests", "Lookups of the in-memory manifest cache", "result", "hit",
                    manifests, ManifestCache::hits);
            metrics.counter("berth.manifest.cache.requests", "Lookups of the in-memory manifest cache", "result", "miss",
                    manifests, ManifestCache::misses);
        }
        Retention retention = new Retention(store, metadata, policies, clock);
        GarbageCollector.Settings settings = new GarbageCollector.Settings(config.gc().gracePeriod(),
                config.history().window(), config.gc().untaggedManifests());
        // With access control off, namespaces are implicit (repository prefixes): every valid name exists.
        java.util.function.Predicate<String> namespaceExists = config.auth().enabled()
                ? namespace -> auth.namespace(namespace).isPresent() : namespace -> true;
        this.lifecycle = new Lifecycle(store, retention, gc, settings, namespaceExists);
        this.listing = new Listing(metadata, store, registry, policies);
        this.scanning = io.berth.scan.Scanning.create(registry, uploads, vulnerabilities, database.scans(),
                config.data().resolve("scan-tmp"), io.berth.config.BuildInfo.current().version(), clock,
                config.scanning().onPush());
    }

    /** Opens both stores the configuration names; owner names this process in the garbage collector's lease. */
    public static Instance open(BerthConfig config, String owner) {
        return open(config, Clock.systemUTC(), null, owner);
    }

    /** Opens both stores; a filesystem store's writes release reserve when the disk fills up (null: none). */
    static Instance open(BerthConfig config, Clock clock, DiskReserve reserve, String owner) {
        return open(config, clock, reserve, owner, null);
    }

    /** Opens both stores, their calls timed in metrics (null: not measured). */
    static Instance open(BerthConfig config, Clock clock, DiskReserve reserve, String owner, ServerMetrics metrics) {
        BlobStore blobs = Stores.blobs(config, reserve);
        try {
            return new Instance(config, clock, Stores.database(config, clock), blobs, owner, metrics);
        } catch (RuntimeException e) {
            closeQuietly(blobs, e);
            throw e;
        }
    }

    /** Opens only the metadata database: enough for the access admin (users, namespaces, tokens, the audit log). */
    public static Instance openMetadata(BerthConfig config) {
        Clock clock = Clock.systemUTC();
        return new Instance(config, clock, Stores.database(config, clock), null, null);
    }

    private static void closeQuietly(BlobStore blobs, RuntimeException cause) {
        try {
            blobs.close();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private <T> T withBlobs(T service) {
        if (blobs == null) {
            throw new IllegalStateException("only the metadata database of this instance is open");
        }
        return service;
    }

    /** Users, namespaces, members, robot tokens and the audit log, with their permission checks. */
    public AccessAdmin admin() {
        return admin;
    }

    /** The imported OSV data (berth vulndb, matching); needs only the metadata database. */
    public VulnerabilityDatabase vulnerabilities() {
        return vulnerabilities;
    }

    /** Vulnerability scans: the queue, the reports, the scanner (io.berth.scan). */
    public io.berth.scan.Scanning scanning() {
        return withBlobs(scanning);
    }

    public Registry registry() {
        return withBlobs(registry);
    }

    public Uploads uploads() {
        return withBlobs(uploads);
    }

    /** Immutable-tag rules, quotas, retention and garbage collection. */
    public Lifecycle lifecycle() {
        return withBlobs(lifecycle);
    }

    /** Repositories, tags, manifests and usage as people browse them (management API, web UI). */
    public Listing listing() {
        return withBlobs(listing);
    }

    /** A check of every stored blob against its digest and the metadata (berth scrub). */
    public Scrubber scrubber() {
        return new Scrubber(database.metadata(), withBlobs(blobs));
    }

    /** An import of a CNCF Distribution registry's storage into this instance, its tag moves recorded as actor's. */
    public DistributionImport distributionImport(String actor) {
        return new DistributionImport(database.metadata(), withBlobs(blobs), actor);
    }

    /** A copy of this instance's blobs and metadata into target's stores (berth migrate). */
    public Migration migrationInto(Instance target) {
        return new Migration(database, withBlobs(blobs), target.database, target.withBlobs(target.blobs));
    }

    /**
     * Records a garbage collection that ran and was not a dry run (the API's runs are recorded by the audit filter).
     * actor is who started it: the command line's user, or "gc-scheduler" for the server's own runs.
     */
    public void auditGc(String actor, String source, GarbageCollector.Report report) {
        if (!report.ran() || report.dryRun()) {
            return;
        }
        admin.audit(actor, "gc.run", null, source, "manifests " + report.manifestsDeleted()
                + ", blob links " + report.linksRemoved() + ", blobs " + report.blobsDeleted() + ", bytes freed "
                + report.bytesFreed());
    }

    Clock clock() {
        return clock;
    }

    MetadataDatabase database() {
        return database;
    }

    @Override
    public void close() {
        try {
            database.close();
        } finally {
            if (blobs != null) {
                try {
                    blobs.close();
                } catch (IOException e) {
                    throw new UncheckedIOException("closing the blob store", e);
                }
            }
        }
    }
}
