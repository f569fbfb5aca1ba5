package io.berth.storage;

import io.berth.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Immutable bytes by digest, and the bytes of uploads in progress. It knows nothing of repositories: which
 * repository may read a blob is a fact of the metadata store. Implementations: filesystem (embedded), S3.
 *
 * <p>A blob becomes visible only through {@link #commitUpload} or {@link #put}, after its bytes are durable;
 * the caller has verified the digest. Stored blobs never change.
 */
public interface BlobStore extends AutoCloseable {

    /** The stored blob's size, or empty when the store does not hold it. */
    Optional<Long> size(Digest digest) throws IOException;

    /** Opens a stored blob for reading, or empty when absent. */
    Optional<BlobContent> open(Digest digest) throws IOException;

    /**
     * Opens a blob the metadata store records as held, with the size it records (blobs never change), without
     * asking the store for it where that costs a request (S3); a blob gone after all fails when read.
     */
    default Optional<BlobContent> openRecorded(Digest digest, long size) throws IOException {
        return open(digest);
    }

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

    /** Creates the storage of a new, empty upload. */
    void createUpload(String uploadId) throws IOException;

    /**
     * Opens an upload for appending at offset, the number of bytes the metadata store says it holds; anything
     * past offset (an interrupted earlier append) is discarded.
     */
    UploadAppender append(String uploadId, long offset) throws IOException;

    /**
     * Opens an upload for appending at offset, continuing the stored version of it that {@link
     * UploadAppender#version()} named (the bytes a caller's running hash covers); null continues whichever version
     * the store holds at offset, which the appender's version() then names. Stores that keep one version per length
     * (the filesystem) ignore version.
     */
    default UploadAppender append(String uploadId, long offset, String version) throws IOException {
        return append(uploadId, offset);
    }

    /**
     * Whether the store still holds the first length bytes of an upload (a session records length; a crash or a
     * deleted file can lose them). Costs a look at the store (a stat; S3: a listing): for status requests only.
     */
    default boolean holdsUpload(String uploadId, long length) throws IOException {
        return true;
    }

    /**
     * True while the store's disk is full: writes that add content fail with {@link DiskReserve.StorageFullException}
     * and reads go on. Stores that do not watch a local disk are never full here.
     */
    default boolean full() {
        return false;
    }

    /** Reads the first length bytes of an upload (to rebuild the running hash on a node that lacks it). */
    InputStream readUpload(String uploadId, long length) throws IOException;

    /** Reads the first length bytes of the given version of an upload (null: whichever the store holds). */
    default InputStream readUpload(String uploadId, long length, String version) throws IOException {
        return readUpload(uploadId, length);
    }

    /**
     * Reads the first length bytes of an upload that the open appender continues (it was opened at length): the
     * version it continues, reusing what opening it fetched where the store can (S3: the tail is in its spool).
     */
    default InputStream readContinued(String uploadId, long length, UploadAppender appender) throws IOException {
        return readUpload(uploadId, length, appender.version());
    }

    /**
     * Makes an upload of length bytes durable and visible as the blob digest, then drops the upload's storage.
     * A blob already stored under digest counts as done.
     */
    void commitUpload(String uploadId, Digest digest, long length) throws IOException;

    /** {@link #commitUpload(String, Digest, long)} of the given version of the upload (null: whichever it holds). */
    default void commitUpload(String uploadId, Digest digest, long length, String version) throws IOException {
        commitUpload(uploadId, digest, length);
    }

    /**
     * Ends an append and commits the upload it extended, all {@link UploadAppender#length()} bytes, as the blob
     * digest, which the caller verified over exactly those bytes; then drops the upload's storage. Stores that can
     * write the blob straight from the append (S3: no state object, no copy) do so.
     */
    default void commitAppend(String uploadId, UploadAppender appender, Digest digest) throws IOException {
        appender.close();
        commitUpload(uploadId, digest, appender.length(), appender.version());
    }

    /** Drops an upload's storage; absent uploads are ignored. */
    void deleteUpload(String uploadId) throws IOException;

    /**
     * A URL a client may fetch the stored blob from directly, valid for ttl, when the store is configured to hand
     * out such URLs (S3 with {@code storage.s3.redirect}); empty otherwise, and then the registry serves the bytes.
     * The caller has checked that the blob exists and that the client may read it.
     */
    default Optional<URI> presignedUrl(Digest digest, Duration ttl) throws IOException {
        return Optional.empty();
    }

    /**
     * Holds the digest's lock until closed: a commit of the digest (upload, manifest) and its garbage collection
     * never interleave, so a collection cannot delete bytes a push has just counted on. The embedded store locks
     * across processes on the machine (the server and {@code berth gc}).
     */
    default AutoCloseable lock(Digest digest) throws IOException {
        return () -> { };
    }

    @Override
    default void close() throws IOException {}

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

    /** Appends bytes to an upload. Not thread-safe: one request appends at a time. */
    interface UploadAppender extends AutoCloseable {
        void write(ByteBuffer bytes) throws IOException;

        /** The upload's length after the bytes written so far. */
        long length();

        /** Ends the append; bytes written are kept (not yet durable). */
        @Override
        void close() throws IOException;

        /**
         * Which stored version of the upload this append continues; after a close that kept bytes, the version that
         * holds the upload at {@link #length()}. Two appends never write the same version, so a running hash tagged
         * with it always describes the bytes that {@link BlobStore#commitUpload(String, Digest, long, String)} of it
         * commits. Empty where a store keeps one version per length.
         */
        default String version() {
            return "";
        }

        /**
         * Ends an append whose request failed, without keeping its bytes: the upload stays at the offset the append
         * was opened at. Does not wait on the network (it may run on an event loop). After close, drops the version
         * close wrote, which the caller never recorded (its offset was not advanced to it).
         */
        default void discard() throws IOException {
            close();
        }
    }
}
