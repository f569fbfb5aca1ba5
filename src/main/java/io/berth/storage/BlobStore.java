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

    /** Stores small content (a manifest) whose digest the caller computed. An existing blob counts as done. */
    void put(Digest digest, byte[] content) throws IOException;

    /** Removes a blob; true when it existed. */
    boolean delete(Digest digest) throws IOException;

    /** Creates the storage of a new, empty upload. */
    void createUpload(String uploadId) throws IOException;

    /**
     * Opens an upload for appending at offset, the number of bytes the metadata store says it holds; anything
     * past offset (an interrupted earlier append) is discarded.
     */
    UploadAppender append(String uploadId, long offset) throws IOException;

    /** Reads the first length bytes of an upload (to rebuild the running hash on a node that lacks it). */
    InputStream readUpload(String uploadId, long length) throws IOException;

    /**
     * Makes an upload of length bytes durable and visible as the blob digest, then drops the upload's storage.
     * A blob already stored under digest counts as done.
     */
    void commitUpload(String uploadId, Digest digest, long length) throws IOException;

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
         * Ends an append whose request failed, without keeping its bytes: the upload stays at the offset the append
         * was opened at. Does not wait on the network (it may run on an event loop). Safe after close.
         */
        default void discard() throws IOException {
            close();
        }
    }
}
