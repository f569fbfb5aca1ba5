package io.berth.cli;

import io.berth.config.BerthConfig;
import io.berth.metadata.LifecycleStore;
import io.berth.metadata.MetadataDatabase;
import io.berth.metadata.MetadataStore;
import io.berth.registry.GarbageCollector;
import io.berth.registry.ManifestCache;
import io.berth.registry.Policies;
import io.berth.registry.Registry;
import io.berth.registry.Retention;
import io.berth.registry.Uploads;
import io.berth.storage.BlobStore;
import java.time.Clock;

/** The registry with its lifecycle services (policies, garbage collection, retention), built from the two stores. */
record Lifecycle(Registry registry, LifecycleStore store, GarbageCollector gc, Retention retention,
                 GarbageCollector.Settings gcSettings) {

    static Lifecycle open(BerthConfig config, MetadataDatabase database, BlobStore blobs, Clock clock, String owner) {
        MetadataStore metadata = database.metadata();
        LifecycleStore store = database.lifecycle();
        Policies policies = new Policies(store);
        Uploads uploads = new Uploads(metadata, blobs, clock);
        Registry registry = new Registry(metadata, blobs, uploads, new ManifestCache(64L * 1024 * 1024), policies);
        GarbageCollector gc = new GarbageCollector(store, metadata, blobs, clock, owner);
        Retention retention = new Retention(store, metadata, policies, clock);
        GarbageCollector.Settings settings = new GarbageCollector.Settings(config.gc().gracePeriod(),
                config.history().window(), config.gc().untaggedManifests());
        return new Lifecycle(registry, store, gc, retention, settings);
    }
}
