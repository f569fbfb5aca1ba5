package io.berth.storage;

import static io.berth.storage.S3Bucket.await;
import static io.berth.storage.S3Bucket.failure;

import io.berth.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One request's append. Bytes go to a local spool file (a page-cache write, on the event loop); each full part
 * is uploaded from the spool by a virtual thread as soon as it is complete; close waits for the parts and writes
 * the append's own state object with the tail. Part and state objects carry this append's token, so no other
 * append's write can ever replace them: a part upload that lands late (after a discard), or the close of an
 * append that lost its claim while it waited for S3, adds objects but never changes one a version names.
 */
final class S3Appender implements BlobStore.UploadAppender {
    private static final Logger LOG = LoggerFactory.getLogger(S3Appender.class);
    /** Part uploads of one append that run at once; more wait in the spool file. */
    private static final int PART_UPLOADS_PER_APPEND = 4;

    private final S3Uploads uploads;
    private final S3Bucket objects;
    private final S3Client s3;
    private final String bucket;
    private final String uploadId;
    private final S3UploadState start;
    private final String startVersion;
    private final String token;
    private final String ownVersion;
    private final FileChannel spool;
    private final Path spoolPath;
    /** The upload offset of the spool's first byte: the start of the part the append began in. */
    private final long spoolBase;
    private final Semaphore permits = new Semaphore(PART_UPLOADS_PER_APPEND);
    private final List<Future<?>> partUploads = new ArrayList<>();
    private long length;
    private int nextPart;
    private volatile Throwable partFailure;
    private boolean closed;
    /** The state object close wrote; null when it wrote none. */
    private String written;

    S3Appender(S3Uploads uploads, String uploadId, S3UploadState start, String startVersion, String token,
               FileChannel spool, Path spoolPath) {
        this.uploads = uploads;
        this.objects = uploads.objects;
        this.s3 = objects.s3;
        this.bucket = objects.bucket;
        this.uploadId = uploadId;
        this.start = start;
        this.startVersion = startVersion;
        this.token = token;
        this.ownVersion = S3Bucket.newVersion(token);
        this.spool = spool;
        this.spoolPath = spoolPath;
        this.spoolBase = start.tailOffset();
        this.length = start.length();
        this.nextPart = start.fullParts() + 1;
    }

    /** The full parts from the bucket, the tail from the start of the spool, where opening the append copied it. */
    @Override
    public InputStream readBack() {
        List<S3Streams.StreamSource> sources = new ArrayList<>();
        for (int part = 1; part <= start.fullParts(); part++) {
            String key = objects.partKey(uploadId, part, start.token(part));
            sources.add(() -> objects.getRange(key, 0, start.partSize()));
        }
        sources.add(() -> new S3Streams.FileRegionStream(spool, 0, start.tailLength()));
        return new S3Streams.ConcatenatedStream(sources);
    }

    @Override
    public void write(ByteBuffer bytes) throws IOException {
        if (closed) {
            throw new IOException("append to upload " + uploadId + " is closed");
        }
        if (partFailure != null) {
            throw new IOException("uploading a part of upload " + uploadId + " failed", partFailure);
        }
        while (bytes.hasRemaining()) {
            length += spool.write(bytes);
        }
        long partSize = start.partSize();
        while (length >= nextPart * partSize) {
            if (nextPart > S3Multipart.MAX_PARTS) {
                throw new IOException("upload exceeds " + S3Multipart.MAX_PARTS + " parts of " + partSize
                        + " bytes; raise storage.s3.partSize");
            }
            int part = nextPart++;
            partUploads.add(objects.transfers.submit(() -> uploadPart(part)));
        }
    }

    private Void uploadPart(int part) throws Exception {
        permits.acquire();
        try {
            long partSize = start.partSize();
            long from = (part - 1) * partSize - spoolBase;
            String key = objects.partKey(uploadId, part, token);
            s3.putObject(r -> r.bucket(bucket).key(key).contentLength(partSize),
                    RequestBody.fromContentProvider(() -> new S3Streams.FileRegionStream(spool, from, partSize), partSize,
                            "application/octet-stream"));
            return null;
        } catch (Exception | Error e) {
            partFailure = e;
            throw e;
        } finally {
            permits.release();
        }
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public String version() {
        return written != null ? ownVersion : startVersion;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            for (Future<?> upload : partUploads) {
                await(upload);
            }
            if (length > start.length()) {
                S3UploadState end = start.extendedTo(length, token);
                String key = objects.stateKey(uploadId, length, ownVersion);
                uploads.putState(key, end, spool, end.tailOffset() - spoolBase);
                written = key;
            }
        } finally {
            closeSpool(spool, spoolPath);
        }
    }

    /**
     * Commits straight from the append: a blob that never filled a part is one PUT from the spool (no state object,
     * no copy); a larger one is assembled from its part objects, with the tail uploaded from the spool as the last
     * part. The caller verified the digest over these bytes, so nothing becomes visible unverified.
     */
    @Override
    public void commit(Digest digest) throws IOException {
        String target = objects.blobKey(digest);
        if (closed) {
            throw new IOException("append to upload " + uploadId + " is closed");
        }
        closed = true;
        try {
            if (nextPart == 1) {
                // Never filled a part: the spool holds the whole upload. Rewriting an existing blob would write
                // the same bytes, so one PUT is cheaper than asking first.
                s3.putObject(r -> r.bucket(bucket).key(target).contentLength(length),
                        RequestBody.fromContentProvider(() -> new S3Streams.FileRegionStream(spool, 0, length), length,
                                "application/octet-stream"));
            } else {
                for (Future<?> upload : partUploads) {
                    await(upload);
                }
                if (objects.objectSize(target).isEmpty()) {
                    List<String> parts = new ArrayList<>();
                    for (int part = 1; part < nextPart; part++) {
                        parts.add(objects.partKey(uploadId, part, part <= start.fullParts() ? start.token(part) : token));
                    }
                    long tailOffset = (nextPart - 1) * start.partSize();
                    long tailLength = length - tailOffset;
                    uploads.multipart.assemble(uploadId, target, parts, tailLength, (multipart, number) -> s3.uploadPart(
                            r -> r.bucket(bucket).key(target).uploadId(multipart).partNumber(number).contentLength(tailLength),
                            RequestBody.fromContentProvider(() -> new S3Streams.FileRegionStream(spool, tailOffset - spoolBase, tailLength),
                                    tailLength, "application/octet-stream")).eTag());
                }
            }
        } catch (SdkException e) {
            throw failure("commit of upload " + uploadId + " to " + target, e);
        } finally {
            closeSpool(spool, spoolPath);
        }
        // An upload that stored nothing before this append and never filled a part left nothing in the bucket
        // (leftovers of failed requests are the lifecycle rule's); anything else had objects to delete.
        if (start.length() > 0 || !partUploads.isEmpty()) {
            uploads.dropUploadObjects(uploadId);
        }
    }

    @Override
    public void discard() throws IOException {
        if (closed) {
            if (written != null) {
                // The caller did not record this version (it lost its claim, or the chunk was refused): drop it,
                // off the caller's thread, so only recorded versions remain to choose from.
                String key = written;
                written = null;
                objects.transfers.submit(() -> s3.deleteObject(r -> r.bucket(bucket).key(key)));
            }
            return;
        }
        closed = true;
        for (Future<?> upload : partUploads) {
            upload.cancel(true);
        }
        closeSpool(spool, spoolPath);
    }

    static void closeSpool(FileChannel spool, Path path) {
        try {
            spool.close();
        } catch (IOException e) {
            LOG.debug("closing spool {}: {}", path, e.toString());
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("could not delete spool file {}: {}", path, e.toString());
        }
    }
}
