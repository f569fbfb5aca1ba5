package io.berth.registry;

import io.berth.metadata.LifecycleStore;
import io.berth.metadata.MetadataDatabase;
import io.berth.metadata.MetadataStore;
import io.berth.model.UploadSession;
import io.berth.oci.Digest;
import io.berth.oci.Reference;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import io.berth.storage.BlobStore;
import io.berth.storage.FileSystemBlobStore;
import io.berth.testing.MovableClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The registry's domain objects (Registry, Uploads, Policies, Retention, GarbageCollector) wired on the real embedded
 * stores — a SQLite metadata database and a filesystem blob store in one directory — with no HTTP. The one place
 * the domain tests build stores and services, so a change to how they are constructed touches only this class.
 * The clock is the system's, which a test may move ahead (grace periods, ages, lease expiry).
 */
final class DomainFixture implements AutoCloseable {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    private static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";

    final Path dir;
    final MovableClock clock;
    final MetadataDatabase database;
    final MetadataStore metadata;
    final LifecycleStore lifecycle;
    final BlobStore blobs;
    final Policies policies;
    final Uploads uploads;
    final Registry registry;
    final Retention retention;

    private DomainFixture(Path dir, MovableClock clock) {
        this.dir = dir;
        this.clock = clock;
        this.database = MetadataDatabase.sqlite(dir.resolve("berth.db"), clock);
        this.metadata = database.metadata();
        this.lifecycle = database.lifecycle();
        try {
            this.blobs = new FileSystemBlobStore(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.policies = new Policies(lifecycle);
        this.uploads = new Uploads(metadata, blobs, clock);
        this.registry = new Registry(metadata, lifecycle, blobs, new ManifestCache(1024 * 1024), policies);
        this.retention = new Retention(lifecycle, metadata, policies, clock);
    }

    /** The domain on fresh stores in dir. */
    static DomainFixture open(Path dir) {
        return new DomainFixture(dir, new MovableClock());
    }

    /** A second view of the same database through another clock (another node whose clock says otherwise). */
    MetadataDatabase sameDatabase(Clock otherClock) {
        return MetadataDatabase.sqlite(dir.resolve("berth.db"), otherClock);
    }

    /** Another node's upload service on the same stores. */
    Uploads otherNodeUploads() {
        return new Uploads(metadata, blobs, clock);
    }

    /** A collector holding the lease as owner for leaseTtl. */
    GarbageCollector collector(String owner, Duration leaseTtl) {
        return new GarbageCollector(lifecycle, metadata, blobs, clock, owner, leaseTtl);
    }

    GarbageCollector collector() {
        return collector("test", GarbageCollector.LEASE_TTL);
    }

    /** A stored blob no repository links: a collector's candidate. */
    Digest orphan(String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.sha256(bytes);
        try {
            blobs.put(digest, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        metadata.recordBlob(digest, bytes.length);
        return digest;
    }

    /** Uploads content to repository in one request, as a monolithic push does; returns its digest. */
    Digest pushBlob(RepositoryName repository, byte[] content) {
        Digest digest = Digest.sha256(content);
        UploadSession session = uploads.start(repository, "sha256");
        UploadWriter writer = uploads.openWriter(repository, session.id(), null, digest);
        writer.write(ByteBuffer.wrap(content));
        UploadResult result = writer.complete();
        if (!result.isCommitted() || !result.digest().equals(digest)) {
            throw new AssertionError("upload of " + digest + " to " + repository + " ended with " + result);
        }
        return digest;
    }

    /** An image pushed blob by blob, then its manifest under tag, by actor; returns the manifest digest. */
    Digest pushImage(RepositoryName repository, String tag, String actor, byte[] config, byte[]... layers) {
        byte[] manifest = manifest(pushBlob(repository, config), config.length, layers, repository);
        return registry.putManifest(repository, new Reference(new Tag(tag), null), OCI_MANIFEST, manifest, List.of(), actor)
                .digest();
    }

    /** An image whose config and only layer are made from name, under tag. */
    Digest pushImage(RepositoryName repository, String tag, String name) {
        return pushImage(repository, tag, "test", bytes("config of " + name), bytes("layer of " + name));
    }

    private byte[] manifest(Digest config, long configSize, byte[][] layers, RepositoryName repository) {
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":"
                + descriptor(OCI_CONFIG, config, configSize) + ",\"layers\":[");
        for (int i = 0; i < layers.length; i++) {
            json.append(i == 0 ? "" : ",").append(descriptor(OCI_LAYER, pushBlob(repository, layers[i]), layers[i].length));
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String descriptor(String mediaType, Digest digest, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The digest tag points at now, or null when the tag is absent. */
    Digest tagged(RepositoryName repository, String tag) {
        return metadata.manifestByTag(repository, new Tag(tag)).map(r -> r.digest()).orElse(null);
    }

    /** Whether the blob store holds bytes under digest. */
    boolean stored(Digest digest) {
        try {
            return blobs.size(digest).isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        database.close();
    }

}
