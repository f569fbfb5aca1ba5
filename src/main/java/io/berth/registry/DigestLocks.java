package io.berth.registry;

import io.berth.metadata.MetadataStore;
import io.berth.oci.Digest;
import io.berth.storage.BlobStore;
import java.io.IOException;

/**
 * The commit protocol of a digest: every step that makes bytes of a digest count (an upload's commit, a manifest's
 * write and record, an import) and every step that removes them (a collection, a scrub's repair) runs here, under the
 * blob store's lock of the digest and then the metadata store's (another node's), released in reverse order. Always
 * both, always in that order: two steps of one digest never interleave, and never deadlock with one holding the blob
 * store's lock and the other the metadata store's. Why the steps need it: docs/design/gc.md, "Races".
 */
public final class DigestLocks {
    /** A step run under a digest's locks. */
    @FunctionalInterface
    public interface Step<T> {
        T run() throws IOException;
    }

    /** A step without a result run under a digest's locks. */
    @FunctionalInterface
    public interface Action {
        void run() throws IOException;
    }

    private final BlobStore blobs;
    private final MetadataStore metadata;

    public DigestLocks(BlobStore blobs, MetadataStore metadata) {
        this.blobs = blobs;
        this.metadata = metadata;
    }

    /**
     * Runs step holding digest's locks and returns its result. A failure to release a lock (rare: a lost database
     * connection) surfaces as an IOException unless the step failed first.
     */
    public <T> T call(Digest digest, Step<T> step) throws IOException {
        try (AutoCloseable local = blobs.lock(digest); AutoCloseable nodes = metadata.lockDigest(digest)) {
            return step.run();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("releasing the lock of " + digest, e);
        }
    }

    /** Runs action holding digest's locks; see {@link #call}. */
    public void run(Digest digest, Action action) throws IOException {
        call(digest, () -> {
            action.run();
            return null;
        });
    }
}
