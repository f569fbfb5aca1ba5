package io.berth.storage;

import io.berth.oci.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Immutable bytes by digest, and the bytes of uploads in progress. It knows nothing of repositories: which
 * repository may read a blob is a fact of the metadata store. Implementations: filesystem (embedded), S3.
 *
 * <p>A blob becomes visible only through a commit of an upload ({@link Upload#commit}, {@link UploadAppender#commit})
 * or {@link #put}, after its bytes are durable; the caller has verified the digest. Stored blobs never change.
 * Every method here and on the handles is run by the contract suite (BlobStoreContract) on both stores.
 */
public interface BlobStore extends Closeable {

    /** The stored blob's size, or empty when the store does not hold it. */
    Optional<Long> size(Digest digest) throws IOException;

    /**
     * Opens a stored blob for reading, or empty when absent. With recordedSize (the size the metadata store records
     * for a blob it records as held; blobs never change) a store where asking costs a request (S3) does not ask: a
     * blob gone after all then fails when read.
     */
    Optional<BlobContent> open(Digest digest, OptionalLong recordedSize) throws IOException;

    /** Stores small content (a manifest) whose digest the caller computed. An existing blob counts as done. */
    void put(Digest digest, byte[] content) throws IOException;

    /** Removes a blob; true when it existed. */
    boolean delete(Digest digest) throws IOException;

    /**
     * Calls visitor with every stored blob's digest and stored size, in no particular order (a scrub's walk). Blobs
     * committed or deleted during the walk may or may not be visited.
     */
    void listBlobs(BlobVisitor visitor) throws IOException;

    /**
     * Moves a stored blob aside, out of every read, keeping its bytes for inspection (a {@code quarantine/} directory
     * or key prefix beside {@code blobs/}); false when the store does not hold it. A later commit of the same digest
     * stores it anew. The caller holds the digest's lock.
     */
    boolean quarantine(Digest digest) throws IOException;

    /**
     * The upload with this id (a handle; nothing is read or stored until one of its methods runs). Fails with
     * IllegalArgumentException for an id that could name anything outside the store's uploads.
     */
    Upload openUpload(String uploadId);

    /**
     * True while the store's disk is full: writes that add content fail with {@link DiskReserve.StorageFullException}
     * and reads go on. Stores that do not watch a local disk are never full here.
     */
    boolean full();

    /**
     * A URL a client may fetch the stored blob from directly, valid for ttl, when the store is configured to hand
     * out such URLs (S3 with {@code storage.s3.redirect}); empty otherwise, and then the registry serves the bytes.
     * The caller has checked that the blob exists and that the client may read it.
     */
    Optional<URI> presignedUrl(Digest digest, Duration ttl) throws IOException;

    /**
     * Holds the digest's lock until closed: a commit of the digest (upload, manifest) and its garbage collection
     * never interleave, so a collection cannot delete bytes a push has just counted on. The embedded store locks
     * across processes on the machine (the server and {@code berth gc}); S3 nodes lock through the metadata store.
     */
    AutoCloseable lock(Digest digest) throws IOException;

    /** Receives the blobs {@link #listBlobs} finds. */
    @FunctionalInterface
    interface BlobVisitor {
        void visit(Digest digest, long size) throws IOException;
    }

    /** A readable stored blob. */
    interface BlobContent extends AutoCloseable {
        long size();

        /** A local file for zero-copy sends, when the store has one. */
        Optional<Path> localFile();

        /** A stream of length bytes from offset. */
        InputStream openStream(long offset, long length) throws IOException;

        @Override
        default void close() throws IOException {}
    }

    /**
     * The storage of one upload in progress. A version names one stored state of it (see {@link
     * UploadAppender#version()}); where a method takes one, null or empty means whichever version the store holds at
     * that length. Stores that keep one version per length (the filesystem) ignore versions.
     */
    interface Upload {
        /** Creates the storage of a new, empty upload. */
        void create() throws IOException;

        /**
         * Opens the upload for appending at offset, the number of bytes the metadata store says it holds, continuing
         * the given version (the bytes a caller's running hash covers); anything past offset (an interrupted earlier
         * append) is discarded. Fails with {@link UploadMissingException} when the store lacks those bytes.
         */
        UploadAppender append(long offset, String version) throws IOException;

        /**
         * Whether the store still holds the first length bytes (a session records length; a crash or a deleted file
         * can lose them). Costs a look at the store (a stat; S3: a listing): for status requests only.
         */
        boolean holds(long length) throws IOException;

        /** Reads the first length bytes of the given version (to re-hash them with another algorithm). */
        InputStream read(long length, String version) throws IOException;

        /**
         * Makes length bytes of the given version durable and visible as the blob digest, then drops the upload's
         * storage. A blob already stored under digest counts as done.
         */
        void commit(Digest digest, long length, String version) throws IOException;

        /** Drops the upload's storage; an absent upload is ignored. */
        void delete() throws IOException;
    }

    /** Appends bytes to an upload. Not thread-safe: one request appends at a time. */
    interface UploadAppender extends AutoCloseable {
        void write(ByteBuffer bytes) throws IOException;

        /** The upload's length after the bytes written so far. */
        long length();

        /**
         * Which stored version of the upload this append continues; after a close that kept bytes, the version that
         * holds the upload at {@link #length()}. Two appends never write the same version, so a running hash tagged
         * with it always describes the bytes that {@link Upload#commit} of it commits. Empty where a store keeps one
         * version per length.
         */
        String version();

        /**
         * Reads the bytes this append continues (the upload as it was at the offset it was opened at), to rebuild a
         * running hash on a node that lacks it; reuses what opening it fetched where the store can (S3: the tail is
         * in its spool).
         */
        InputStream readBack() throws IOException;

        /** Ends the append; bytes written are kept (not yet durable). */
        @Override
        void close() throws IOException;

        /**
         * Ends the append and commits everything the upload now holds, all {@link #length()} bytes, as the blob
         * digest, which the caller verified over exactly those bytes; then drops the upload's storage. Stores that can
         * write the blob straight from the append (S3: no state object, no copy) do so.
         */
        void commit(Digest digest) throws IOException;

        /**
         * Ends an append whose request failed, without keeping its bytes: the upload stays at the offset the append
         * was opened at. Does not wait on the network (it may run on an event loop). After close, drops the version
         * close wrote, which the caller never recorded (its offset was not advanced to it).
         */
        void discard() throws IOException;
    }
}
