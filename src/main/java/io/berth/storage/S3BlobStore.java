package io.berth.storage;

import static io.berth.storage.S3Bucket.failure;

import io.berth.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Blobs and uploads in an S3 bucket (AWS S3 or any S3-compatible service), for nodes that share nothing but the
 * bucket and the metadata database. The layout and the reasoning are in docs/design/s3-uploads.md:
 *
 * <pre>
 * {prefix}blobs/{algorithm}/{hex[0..2]}/{hex}      a committed blob
 * {prefix}uploads/{id}/state-{length}-{version}    the upload as of length bytes, as one append left it: header
 *                                                  line, then the tail; version = {millis:012x}-{token}
 * {prefix}uploads/{id}/part-{n:05d}-{token}        full part n (partSize bytes), written by the append "token"
 * {prefix}uploads/{id}/multipart                   while a commit runs: the multipart upload to abort if it dies
 * {prefix}quarantine/{algorithm}/{hex}-{millis}    a blob that berth scrub --repair found corrupt, moved aside
 * </pre>
 *
 * S3 cannot read the parts of an unfinished multipart upload, so each full part is an object of its own until the
 * commit assembles the blob with UploadPartCopy (server-side; one fixed part size, so services that need equal
 * parts accept it). The tail is written into the state object before an append closes, so the next chunk, a
 * re-hash or the commit can run on any node. Append-time bytes are spooled to a local file only while their
 * request lasts: {@link UploadAppender#write} runs on an event loop and must not wait for S3.
 *
 * <p>By concept: {@link S3Bucket} sets up the client and holds the key layout, this class the committed blobs,
 * {@link S3Uploads} the uploads' state objects, {@link S3Appender} one request's append, {@link S3Multipart} the
 * multipart uploads of commits and quarantines.
 */
public final class S3BlobStore implements BlobStore {
    /** S3's limits for multipart parts: 5 MiB to 5 GiB. */
    public static final long MIN_PART_SIZE = S3Multipart.MIN_PART_SIZE;
    public static final long MAX_PART_SIZE = S3Multipart.MAX_PART_SIZE;

    /**
     * @param endpoint       the service's URL; null for AWS S3 in region
     * @param region         signing region; empty for the SDK's default chain (AWS_REGION, profile), else us-east-1
     * @param prefix         key prefix inside the bucket ("" or ending in "/"; a missing "/" is added)
     * @param pathStyle      bucket in the path (MinIO, Ceph, most self-hosted services) instead of the host name
     * @param accessKey      static credentials; empty for the SDK's default chain (environment, profile, IAM role)
     * @param partSize       size of every multipart part but the last
     * @param redirect       hand out presigned GET URLs ({@link #presignedUrl})
     * @param spoolDirectory local directory for the bytes of appends while their request lasts
     */
    public record Options(URI endpoint, String region, String bucket, String prefix, boolean pathStyle, String accessKey,
                          String secretKey, long partSize, boolean redirect, Path spoolDirectory) {
        public Options {
            if (bucket == null || bucket.isBlank()) {
                throw new IllegalArgumentException("storage.s3.bucket must be set");
            }
            if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
                throw new IllegalArgumentException("storage.s3.partSize must be between 5 MiB and 5 GiB, got " + partSize);
            }
            prefix = prefix == null ? "" : prefix;
            if (!prefix.isEmpty() && !prefix.endsWith("/")) {
                prefix = prefix + "/";
            }
            if (prefix.startsWith("/")) {
                throw new IllegalArgumentException("storage.s3.prefix must not start with /");
            }
            region = region == null ? "" : region;
            accessKey = accessKey == null ? "" : accessKey;
            secretKey = secretKey == null ? "" : secretKey;
            if (accessKey.isEmpty() != secretKey.isEmpty()) {
                throw new IllegalArgumentException("storage.s3.accessKey and storage.s3.secretKey go together");
            }
        }
    }

    private final S3Bucket objects;
    private final S3Client s3;
    private final String bucket;
    private final S3Multipart multipart;
    private final S3Uploads uploads;

    private S3BlobStore(S3Bucket objects) {
        this.objects = objects;
        this.s3 = objects.s3;
        this.bucket = objects.bucket;
        this.multipart = new S3Multipart(objects);
        this.uploads = new S3Uploads(objects, multipart);
    }

    /** Connects and checks that the bucket answers; fails with a message that says what to fix. */
    public static S3BlobStore open(Options options) throws IOException {
        return new S3BlobStore(S3Bucket.connect(options));
    }

    private String blobKey(Digest digest) {
        return objects.blobKey(digest);
    }

    // ---- blobs

    @Override
    public Optional<Long> size(Digest digest) throws IOException {
        return objects.objectSize(blobKey(digest));
    }

    @Override
    public Optional<BlobContent> open(Digest digest, OptionalLong recordedSize) throws IOException {
        String key = blobKey(digest);
        if (recordedSize.isPresent()) {
            return Optional.of(new S3Content(key, recordedSize.getAsLong()));
        }
        return objects.objectSize(key).map(size -> new S3Content(key, size));
    }

    @Override
    public void put(Digest digest, byte[] content) throws IOException {
        String key = blobKey(digest);
        if (objects.objectSize(key).isPresent()) {
            return;
        }
        try {
            s3.putObject(r -> r.bucket(bucket).key(key).contentLength((long) content.length), RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw failure("PUT " + key, e);
        }
    }

    @Override
    public boolean delete(Digest digest) throws IOException {
        String key = blobKey(digest);
        if (objects.objectSize(key).isEmpty()) {
            return false;
        }
        try {
            s3.deleteObject(r -> r.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw failure("DELETE " + key, e);
        }
        return true;
    }

    @Override
    public void listBlobs(BlobVisitor visitor) throws IOException {
        String prefix = objects.options.prefix() + "blobs/";
        try {
            for (S3Object object : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()) {
                // blobs/<algorithm>/<first two hex digits>/<hex>
                String[] parts = object.key().substring(prefix.length()).split("/");
                if (parts.length != 3) {
                    continue;
                }
                Digest digest;
                try {
                    digest = Digest.parse(parts[0] + ":" + parts[2]);
                } catch (RuntimeException e) {
                    continue;
                }
                visitor.visit(digest, object.size());
            }
        } catch (SdkException e) {
            throw failure("LIST " + prefix, e);
        }
    }

    /**
     * Copies the blob to quarantine/<algorithm>/<hex>-<time> under the prefix, then deletes it: S3 has no rename. A
     * blob larger than one copy request allows (5 GiB) is copied in parts.
     */
    @Override
    public boolean quarantine(Digest digest) throws IOException {
        String source = blobKey(digest);
        Optional<Long> size = objects.objectSize(source);
        if (size.isEmpty()) {
            return false;
        }
        String target = objects.options.prefix() + "quarantine/" + digest.algorithm() + "/" + digest.hex() + "-"
                + System.currentTimeMillis();
        try {
            if (size.get() <= S3Multipart.MAX_SINGLE_COPY) {
                s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(source).destinationBucket(bucket).destinationKey(target));
            } else {
                multipart.copyInParts(source, target, size.get());
            }
            s3.deleteObject(r -> r.bucket(bucket).key(source));
        } catch (SdkException e) {
            throw failure("quarantine of " + source, e);
        }
        return true;
    }

    @Override
    public Optional<URI> presignedUrl(Digest digest, Duration ttl) throws IOException {
        if (!objects.options.redirect()) {
            return Optional.empty();
        }
        try {
            return Optional.of(objects.presigner.presignGetObject(p -> p.signatureDuration(ttl)
                    .getObjectRequest(g -> g.bucket(bucket).key(blobKey(digest)))).url().toURI());
        } catch (SdkException | URISyntaxException e) {
            throw new IOException("cannot presign " + digest + ": " + e.getMessage(), e);
        }
    }

    /** A stored blob; each read is a ranged GET. */
    private final class S3Content implements BlobContent {
        private final String key;
        private final long size;

        S3Content(String key, long size) {
            this.key = key;
            this.size = size;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public Optional<Path> localFile() {
            return Optional.empty();
        }

        @Override
        public InputStream openStream(long offset, long length) throws IOException {
            if (offset < 0 || length < 0 || offset + length > size) {
                throw new IOException("range " + offset + "+" + length + " outside a blob of " + size + " bytes");
            }
            return length == 0 ? InputStream.nullInputStream() : objects.getRange(key, offset, length);
        }
    }

    // ---- uploads, locks

    @Override
    public Upload openUpload(String uploadId) {
        return uploads.handle(uploadId);
    }

    /** Nodes share nothing but the bucket and the database: the metadata store's digest lock is the one that counts. */
    @Override
    public AutoCloseable lock(Digest digest) {
        return () -> { };
    }

    @Override
    public boolean full() {
        return false;
    }

    @Override
    public void close() {
        objects.close();
    }

    @Override
    public String toString() {
        return "S3BlobStore[" + objects + "]";
    }
}
