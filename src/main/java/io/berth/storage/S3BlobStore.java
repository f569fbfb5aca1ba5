package io.berth.storage;

import io.berth.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

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
 */
public final class S3BlobStore implements BlobStore {
    private static final Logger LOG = LoggerFactory.getLogger(S3BlobStore.class);

    /** S3's limits for multipart uploads: parts of 5 MiB to 5 GiB, at most 10,000 of them. */
    public static final long MIN_PART_SIZE = 5L << 20;
    public static final long MAX_PART_SIZE = 5L << 30;
    static final int MAX_PARTS = 10_000;
    /** Part uploads of one append that run at once; more wait in the spool file. */
    private static final int PART_UPLOADS_PER_APPEND = 4;
    /** Server-side part copies of one commit that run at once. */
    private static final int PART_COPIES_PER_COMMIT = 8;
    /** Attempts per S3 call, throttling (503 SlowDown) included; the SDK backs off between them. */
    private static final int MAX_ATTEMPTS = 8;
    /** Bytes of a state object fetched to read its header; room for about 2,500 runs of parts. */
    private static final int HEADER_PROBE = 64 * 1024;
    private static final Pattern UPLOAD_ID = Pattern.compile("[a-zA-Z0-9-]{1,64}");
    private static final Pattern VERSION = Pattern.compile("[0-9a-f]{12}-[0-9a-f]{16}");
    private static final SecureRandom RANDOM = new SecureRandom();

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

    private final Options options;
    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    /** False once the service answered DeleteObjects with 501 Not Implemented. */
    private volatile boolean multiObjectDelete = true;
    /** Part uploads and part copies; each waits on the network, so one virtual thread each. */
    private final ExecutorService transfers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("berth-s3-", 0).factory());

    private S3BlobStore(Options options, S3Client s3, S3Presigner presigner) {
        this.options = options;
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = options.bucket();
    }

    /** Connects and checks that the bucket answers; fails with a message that says what to fix. */
    public static S3BlobStore open(Options options) throws IOException {
        Files.createDirectories(options.spoolDirectory());
        removeStaleSpoolFiles(options.spoolDirectory());
        Region region = region(options.region());
        AwsCredentialsProvider credentials = options.accessKey().isEmpty()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(options.accessKey(), options.secretKey()));
        S3Client client = client(options, region, credentials);
        try {
            client.headBucket(b -> b.bucket(options.bucket()));
        } catch (SdkException e) {
            client.close();
            throw new IOException("cannot reach S3 bucket " + options.bucket()
                    + (options.endpoint() == null ? "" : " at " + options.endpoint()) + ": " + e.getMessage(), e);
        }
        S3Presigner.Builder presigner = S3Presigner.builder()
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(options.pathStyle()).build());
        if (options.endpoint() != null) {
            presigner.endpointOverride(options.endpoint());
        }
        return new S3BlobStore(options, client, presigner.build());
    }

    private static S3Client client(Options options, Region region, AwsCredentialsProvider credentials) {
        S3ClientBuilder builder = S3Client.builder()
                .region(region)
                .credentialsProvider(credentials)
                .forcePathStyle(options.pathStyle())
                // Many S3-compatible services reject the SDK's newer default checksum headers and trailers (S3Proxy
                // answers DeleteObjects with 501). Blobs are verified by digest anyway: send checksums only where the
                // API requires one, and there as Content-MD5, which every S3 implementation understands.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .addPlugin(LegacyMd5Plugin.create())
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(128)
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)))
                // Standard mode retries throttling (503 SlowDown), 500s and I/O errors with jittered exponential backoff.
                .overrideConfiguration(o -> o.retryStrategy(
                        AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(MAX_ATTEMPTS).build()));
        if (options.endpoint() != null) {
            builder.endpointOverride(options.endpoint());
        }
        return builder.build();
    }

    private static Region region(String configured) {
        if (!configured.isBlank()) {
            return Region.of(configured);
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkException e) {
            return Region.US_EAST_1;
        }
    }

    /** Spool files of a process that died; a live one's are never a day old (an append that long would time out). */
    private static void removeStaleSpoolFiles(Path directory) throws IOException {
        Instant dayAgo = Instant.now().minus(Duration.ofDays(1));
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".spool")).toList()) {
                if (Files.getLastModifiedTime(file).toInstant().isBefore(dayAgo)) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    // ---- keys

    String blobKey(Digest digest) {
        return options.prefix() + "blobs/" + digest.algorithm() + "/" + digest.hex().substring(0, 2) + "/" + digest.hex();
    }

    String uploadPrefix(String uploadId) {
        if (!UPLOAD_ID.matcher(uploadId).matches()) {
            throw new IllegalArgumentException("invalid upload id");
        }
        return options.prefix() + "uploads/" + uploadId + "/";
    }

    private String statePrefix(String uploadId, long length) {
        return uploadPrefix(uploadId) + "state-" + length + "-";
    }

    private String stateKey(String uploadId, long length, String version) {
        if (!VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("invalid upload version");
        }
        return statePrefix(uploadId, length) + version;
    }

    /**
     * A new version: the time the append opened (just after its claim), then its token. Two appends never share one,
     * and among several state objects of one length the newest is the last in key order.
     */
    private static String newVersion(String token) {
        return String.format("%012x-%s", System.currentTimeMillis(), token);
    }

    private String partKey(String uploadId, int part, String token) {
        return uploadPrefix(uploadId) + String.format("part-%05d-%s", part, token);
    }

    private String multipartKey(String uploadId) {
        return uploadPrefix(uploadId) + "multipart";
    }

    // ---- blobs

    @Override
    public Optional<Long> size(Digest digest) throws IOException {
        return objectSize(blobKey(digest));
    }

    private Optional<Long> objectSize(String key) throws IOException {
        try {
            return Optional.of(s3.headObject(r -> r.bucket(bucket).key(key)).contentLength());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure("HEAD " + key, e);
        } catch (SdkException e) {
            throw failure("HEAD " + key, e);
        }
    }

    @Override
    public Optional<BlobContent> open(Digest digest) throws IOException {
        String key = blobKey(digest);
        return objectSize(key).map(size -> new S3Content(key, size));
    }

    @Override
    public Optional<BlobContent> openRecorded(Digest digest, long size) {
        return Optional.of(new S3Content(blobKey(digest), size));
    }

    @Override
    public void put(Digest digest, byte[] content) throws IOException {
        String key = blobKey(digest);
        if (objectSize(key).isPresent()) {
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
        if (objectSize(key).isEmpty()) {
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
        String prefix = options.prefix() + "blobs/";
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
        Optional<Long> size = objectSize(source);
        if (size.isEmpty()) {
            return false;
        }
        String target = options.prefix() + "quarantine/" + digest.algorithm() + "/" + digest.hex() + "-"
                + System.currentTimeMillis();
        try {
            if (size.get() <= MAX_SINGLE_COPY) {
                s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(source).destinationBucket(bucket).destinationKey(target));
            } else {
                copyInParts(source, target, size.get());
            }
            s3.deleteObject(r -> r.bucket(bucket).key(source));
        } catch (SdkException e) {
            throw failure("quarantine of " + source, e);
        }
        return true;
    }

    /** The largest object one CopyObject request copies. */
    private static final long MAX_SINGLE_COPY = 5L << 30;

    private void copyInParts(String source, String target, long size) throws IOException {
        String multipart = s3.createMultipartUpload(r -> r.bucket(bucket).key(target)).uploadId();
        boolean completed = false;
        try {
            long partSize = Math.max(options.partSize(), (size + 9_999) / 10_000);
            List<CompletedPart> parts = new ArrayList<>();
            for (long from = 0; from < size; from += partSize) {
                int number = parts.size() + 1;
                String range = "bytes=" + from + "-" + (Math.min(size, from + partSize) - 1);
                String etag = s3.uploadPartCopy(r -> r.sourceBucket(bucket).sourceKey(source).copySourceRange(range)
                        .destinationBucket(bucket).destinationKey(target).uploadId(multipart).partNumber(number))
                        .copyPartResult().eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            }
            s3.completeMultipartUpload(r -> r.bucket(bucket).key(target).uploadId(multipart).multipartUpload(m -> m.parts(parts)));
            completed = true;
        } finally {
            if (!completed) {
                abortMultipart(target, multipart);
            }
        }
    }

    @Override
    public Optional<URI> presignedUrl(Digest digest, Duration ttl) throws IOException {
        if (!options.redirect()) {
            return Optional.empty();
        }
        try {
            return Optional.of(presigner.presignGetObject(p -> p.signatureDuration(ttl)
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
            return length == 0 ? InputStream.nullInputStream() : getRange(key, offset, length);
        }
    }

    private ResponseInputStream<GetObjectResponse> getRange(String key, long offset, long length) throws IOException {
        try {
            return s3.getObject(r -> r.bucket(bucket).key(key).range("bytes=" + offset + "-" + (offset + length - 1)));
        } catch (SdkException e) {
            throw failure("GET " + key, e);
        }
    }

    // ---- uploads

    /** Nothing to store: an upload of no bytes has no state object (every append at 0 starts from empty). */
    @Override
    public void createUpload(String uploadId) {
        uploadPrefix(uploadId);
    }

    @Override
    public UploadAppender append(String uploadId, long offset) throws IOException {
        return append(uploadId, offset, null);
    }

    @Override
    public UploadAppender append(String uploadId, long offset, String version) throws IOException {
        uploadPrefix(uploadId);
        String token = HexFormat.of().formatHex(randomBytes(8));
        Path spoolPath = options.spoolDirectory().resolve(uploadId + "-" + token + ".spool");
        FileChannel spool = FileChannel.open(spoolPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            StateRead start = readState(uploadId, offset, version, spool);
            return new S3Appender(uploadId, start.state(), start.version(), token, spool, spoolPath);
        } catch (IOException | RuntimeException e) {
            closeSpool(spool, spoolPath);
            throw e;
        }
    }

    /**
     * A state object as read: which version, its parsed header, and its tail when the read already holds it (a
     * header probe that reached the end of the object).
     */
    private record StateRead(String version, S3UploadState.Parsed parsed, byte[] tail) {
        S3UploadState state() {
            return parsed.state();
        }
    }

    /**
     * The version of an upload at length: the one asked for, else the newest state object of that length (see
     * newVersion; several exist only after a race or a crash, and each is a complete, consistent upload).
     */
    private String resolveVersion(String uploadId, long length, String version) throws IOException {
        if (version != null && !version.isEmpty()) {
            return version;
        }
        String prefix = statePrefix(uploadId, length);
        String newest = null;
        try {
            for (S3Object object : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()) {
                String candidate = object.key().substring(prefix.length());
                if (VERSION.matcher(candidate).matches() && (newest == null || candidate.compareTo(newest) > 0)) {
                    newest = candidate;
                }
            }
        } catch (SdkException e) {
            throw failure("LIST " + prefix, e);
        }
        if (newest == null) {
            throw new UploadMissingException("upload " + uploadId + " holds no state at " + length
                    + " bytes (absent, deleted or shorter)");
        }
        return newest;
    }

    /**
     * Reads the state of an upload at length (a version, or null for the newest); with tailSink, copies the tail
     * into it, else reads the header and, if it fits in the first read, the tail. Absent (never recorded, or the
     * upload was deleted) is an IOException: the caller asked for bytes that are not there. Length 0 needs no read.
     */
    private StateRead readState(String uploadId, long length, String version, FileChannel tailSink) throws IOException {
        if (length == 0) {
            return new StateRead("", new S3UploadState.Parsed(S3UploadState.empty(options.partSize()), 0), new byte[0]);
        }
        String resolved = resolveVersion(uploadId, length, version);
        String key = stateKey(uploadId, length, resolved);
        ResponseInputStream<GetObjectResponse> in;
        try {
            // Without a sink the header is needed, and the tail if it is short: fetch the usual header size, so the
            // connection can be reused (a response abandoned half-read cannot be); a longer header is fetched below.
            in = s3.getObject(r -> r.bucket(bucket).key(key).range(tailSink == null ? "bytes=0-" + (HEADER_PROBE - 1) : null));
        } catch (NoSuchKeyException e) {
            throw new UploadMissingException("upload " + uploadId + " holds no state " + resolved + " at " + length + " bytes");
        } catch (SdkException e) {
            throw failure("GET " + key, e);
        }
        try {
            S3UploadState.Parsed parsed = S3UploadState.parse(in);
            if (parsed == null && tailSink == null) {
                in.close();
                return new StateRead(resolved, readLongHeader(key), null);
            }
            if (parsed == null || parsed.state().length() != length) {
                throw new IOException(key + " is not the state of an upload of " + length + " bytes");
            }
            if (tailSink == null) {
                byte[] rest = in.readAllBytes();
                return new StateRead(resolved, parsed, rest.length == parsed.state().tailLength() ? rest : null);
            }
            long copied = 0;
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
                while (bytes.hasRemaining()) {
                    copied += tailSink.write(bytes);
                }
            }
            if (copied != parsed.state().tailLength()) {
                throw new IOException(key + " holds a tail of " + copied + " bytes, expected " + parsed.state().tailLength());
            }
            return new StateRead(resolved, parsed, null);
        } catch (SdkException e) {
            throw failure("GET " + key, e);
        } finally {
            in.close();
        }
    }

    private S3UploadState.Parsed readLongHeader(String key) throws IOException {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> r.bucket(bucket).key(key))) {
            S3UploadState.Parsed parsed = S3UploadState.parse(in);
            in.abort();
            if (parsed == null) {
                throw new IOException(key + " is not an upload state");
            }
            return parsed;
        } catch (SdkException e) {
            throw failure("GET " + key, e);
        }
    }

    /** Writes a state object: the header, then tailLength bytes of spool from spoolOffset. */
    private void putState(String key, S3UploadState state, FileChannel spool, long spoolOffset) throws IOException {
        byte[] header = state.header();
        long tail = state.tailLength();
        ContentStreamProvider body = () -> tail == 0
                ? new ByteArrayInputStream(header)
                : new SequenceInputStream(new ByteArrayInputStream(header), new FileRegionStream(spool, spoolOffset, tail));
        try {
            s3.putObject(r -> r.bucket(bucket).key(key).contentLength(header.length + tail),
                    RequestBody.fromContentProvider(body, header.length + tail, "application/octet-stream"));
        } catch (SdkException e) {
            throw failure("PUT " + key, e);
        }
    }

    @Override
    public boolean holdsUpload(String uploadId, long length) throws IOException {
        if (length == 0) {
            return true;
        }
        String prefix = statePrefix(uploadId, length);
        try {
            return !s3.listObjectsV2(r -> r.bucket(bucket).prefix(prefix).maxKeys(1)).contents().isEmpty();
        } catch (SdkException e) {
            throw failure("LIST " + prefix, e);
        }
    }

    @Override
    public InputStream readUpload(String uploadId, long length) throws IOException {
        return readUpload(uploadId, length, null);
    }

    @Override
    public InputStream readUpload(String uploadId, long length, String version) throws IOException {
        StateRead read = readState(uploadId, length, version, null);
        S3UploadState state = read.state();
        List<StreamSource> sources = new ArrayList<>();
        for (int part = 1; part <= state.fullParts(); part++) {
            String key = partKey(uploadId, part, state.token(part));
            sources.add(() -> getRange(key, 0, state.partSize()));
        }
        if (read.tail() != null) {
            sources.add(() -> new ByteArrayInputStream(read.tail()));
        } else if (state.tailLength() > 0) {
            String key = stateKey(uploadId, length, read.version());
            sources.add(() -> getRange(key, read.parsed().headerLength(), state.tailLength()));
        }
        return new ConcatenatedStream(sources);
    }

    @Override
    public InputStream readContinued(String uploadId, long length, UploadAppender appender) throws IOException {
        if (!(appender instanceof S3Appender append) || append.owner() != this || !append.uploadId.equals(uploadId)
                || append.start.length() != length) {
            return BlobStore.super.readContinued(uploadId, length, appender);
        }
        S3UploadState state = append.start;
        List<StreamSource> sources = new ArrayList<>();
        for (int part = 1; part <= state.fullParts(); part++) {
            String key = partKey(uploadId, part, state.token(part));
            sources.add(() -> getRange(key, 0, state.partSize()));
        }
        // The append copied the tail into the start of its spool when it opened.
        sources.add(() -> new FileRegionStream(append.spool, 0, state.tailLength()));
        return new ConcatenatedStream(sources);
    }

    @Override
    public void commitUpload(String uploadId, Digest digest, long length) throws IOException {
        commitUpload(uploadId, digest, length, null);
    }

    @Override
    public void commitUpload(String uploadId, Digest digest, long length, String version) throws IOException {
        String target = blobKey(digest);
        if (objectSize(target).isEmpty()) {
            StateRead read = readState(uploadId, length, version, null);
            S3UploadState state = read.state();
            try {
                if (state.fullParts() == 0) {
                    copyTail(uploadId, read, target);
                } else {
                    List<String> parts = new ArrayList<>();
                    for (int part = 1; part <= state.fullParts(); part++) {
                        parts.add(partKey(uploadId, part, state.token(part)));
                    }
                    String source = stateKey(uploadId, length, read.version());
                    long from = read.parsed().headerLength();
                    assemble(uploadId, target, parts, state.tailLength(), (multipart, number) -> s3.uploadPartCopy(r -> r
                            .sourceBucket(bucket).sourceKey(source).copySourceRange("bytes=" + from + "-" + (from + state.tailLength() - 1))
                            .destinationBucket(bucket).destinationKey(target).uploadId(multipart).partNumber(number))
                            .copyPartResult().eTag());
                }
            } catch (SdkException e) {
                throw failure("commit of upload " + uploadId + " to " + target, e);
            }
        }
        dropUploadObjects(uploadId);
    }

    private void dropUploadObjects(String uploadId) {
        try {
            deleteObjects(uploadPrefix(uploadId));
        } catch (IOException e) {
            // The blob is in place; what is left under uploads/ is garbage the bucket's lifecycle rule removes.
            LOG.warn("upload {} committed, but its parts were not all deleted: {}", uploadId, e.toString());
        }
    }

    /** A blob smaller than one part: its bytes are the tail of the state object. */
    private void copyTail(String uploadId, StateRead read, String target) throws IOException {
        long length = read.state().length();
        if (read.tail() != null) {
            s3.putObject(r -> r.bucket(bucket).key(target).contentLength(length), RequestBody.fromBytes(read.tail()));
            return;
        }
        String source = stateKey(uploadId, length, read.version());
        long from = read.parsed().headerLength();
        ContentStreamProvider body = () -> {
            try {
                return getRange(source, from, length);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        s3.putObject(r -> r.bucket(bucket).key(target).contentLength(length),
                RequestBody.fromContentProvider(body, length, "application/octet-stream"));
    }

    /**
     * Commits straight from the append: a blob that never filled a part is one PUT from the spool (no state object,
     * no copy); a larger one is assembled from its part objects, with the tail uploaded from the spool as the last
     * part. The caller verified the digest over these bytes, so nothing becomes visible unverified.
     */
    @Override
    public void commitAppend(String uploadId, UploadAppender appender, Digest digest) throws IOException {
        if (!(appender instanceof S3Appender append) || append.owner() != this || !append.uploadId.equals(uploadId)) {
            BlobStore.super.commitAppend(uploadId, appender, digest);
            return;
        }
        append.commitAs(blobKey(digest));
    }

    /** Uploads the last part of a commit's multipart upload (a copied range or bytes from a spool); returns its ETag. */
    @FunctionalInterface
    private interface LastPart {
        String upload(String multipart, int number) throws Exception;
    }

    /**
     * Assembles the blob from the part objects and a tail of tailLength bytes with a multipart upload of server-side
     * copies. The multipart upload's id is recorded first, so a deleteUpload after a crash here can abort it.
     */
    private void assemble(String uploadId, String target, List<String> partKeys, long tailLength, LastPart tail)
            throws IOException {
        String multipart = s3.createMultipartUpload(r -> r.bucket(bucket).key(target)).uploadId();
        boolean completed = false;
        try {
            byte[] record = (target + "\n" + multipart + "\n").getBytes(StandardCharsets.UTF_8);
            s3.putObject(r -> r.bucket(bucket).key(multipartKey(uploadId)), RequestBody.fromBytes(record));
            Semaphore permits = new Semaphore(PART_COPIES_PER_COMMIT);
            List<Future<CompletedPart>> copies = new ArrayList<>();
            for (int part = 1; part <= partKeys.size(); part++) {
                copies.add(copyPart(permits, multipart, target, part, partKeys.get(part - 1)));
            }
            if (tailLength > 0) {
                int number = partKeys.size() + 1;
                copies.add(transfers.submit(() -> {
                    permits.acquire();
                    try {
                        return CompletedPart.builder().partNumber(number).eTag(tail.upload(multipart, number)).build();
                    } finally {
                        permits.release();
                    }
                }));
            }
            List<CompletedPart> parts = new ArrayList<>();
            for (Future<CompletedPart> copy : copies) {
                parts.add(await(copy));
            }
            parts.sort(Comparator.comparing(CompletedPart::partNumber));
            s3.completeMultipartUpload(r -> r.bucket(bucket).key(target).uploadId(multipart)
                    .multipartUpload(m -> m.parts(parts)));
            completed = true;
        } finally {
            if (!completed) {
                abortMultipart(target, multipart);
            }
        }
    }

    private Future<CompletedPart> copyPart(Semaphore permits, String multipart, String target, int part, String source) {
        return transfers.submit(() -> {
            permits.acquire();
            try {
                String etag = s3.uploadPartCopy(r -> r.sourceBucket(bucket).sourceKey(source)
                        .destinationBucket(bucket).destinationKey(target).uploadId(multipart).partNumber(part))
                        .copyPartResult().eTag();
                return CompletedPart.builder().partNumber(part).eTag(etag).build();
            } finally {
                permits.release();
            }
        });
    }

    private void abortMultipart(String key, String multipart) {
        try {
            s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(multipart));
        } catch (NoSuchUploadException e) {
            // completed or aborted already
        } catch (SdkException e) {
            LOG.warn("could not abort multipart upload {} of {}: {}", multipart, key, e.toString());
        }
    }

    @Override
    public void deleteUpload(String uploadId) throws IOException {
        String recordKey = multipartKey(uploadId);
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(r -> r.bucket(bucket).key(recordKey))) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            if (lines.length >= 2) {
                abortMultipart(lines[0], lines[1]);
            }
        } catch (NoSuchKeyException e) {
            // no commit was running
        } catch (SdkException e) {
            throw failure("GET " + recordKey, e);
        }
        deleteObjects(uploadPrefix(uploadId));
    }

    /** Deletes every object under prefix, a thousand per request where the service has multi-object delete. */
    private void deleteObjects(String prefix) throws IOException {
        try {
            List<String> batch = new ArrayList<>();
            for (S3Object object : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()) {
                batch.add(object.key());
                if (batch.size() == 1000) {
                    deleteBatch(batch);
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                deleteBatch(batch);
            }
        } catch (SdkException e) {
            throw failure("DELETE " + prefix + "*", e);
        }
    }

    private void deleteBatch(List<String> keys) throws IOException {
        if (multiObjectDelete) {
            try {
                List<ObjectIdentifier> ids = keys.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
                var response = s3.deleteObjects(r -> r.bucket(bucket).delete(d -> d.objects(ids).quiet(true)));
                if (response.hasErrors() && !response.errors().isEmpty()) {
                    var error = response.errors().get(0);
                    throw new IOException("could not delete " + error.key() + ": " + error.code() + " " + error.message());
                }
                return;
            } catch (S3Exception e) {
                if (e.statusCode() != 501) {
                    throw e;
                }
                // The SDK sends DeleteObjects with checksum headers that some services (S3Proxy) do not implement.
                LOG.info("{} does not take multi-object deletes; deleting one object per request", this);
                multiObjectDelete = false;
            }
        }
        Semaphore permits = new Semaphore(PART_COPIES_PER_COMMIT);
        List<Future<Object>> deletes = new ArrayList<>();
        for (String key : keys) {
            deletes.add(transfers.submit(() -> {
                permits.acquire();
                try {
                    return s3.deleteObject(r -> r.bucket(bucket).key(key));
                } finally {
                    permits.release();
                }
            }));
        }
        for (Future<Object> delete : deletes) {
            await(delete);
        }
    }

    @Override
    public void close() {
        transfers.shutdownNow();
        presigner.close();
        s3.close();
    }

    // ---- appending

    /**
     * One request's append. Bytes go to a local spool file (a page-cache write, on the event loop); each full part
     * is uploaded from the spool by a virtual thread as soon as it is complete; close waits for the parts and writes
     * the append's own state object with the tail. Part and state objects carry this append's token, so no other
     * append's write can ever replace them: a part upload that lands late (after a discard), or the close of an
     * append that lost its claim while it waited for S3, adds objects but never changes one a version names.
     */
    private final class S3Appender implements UploadAppender {
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

        S3Appender(String uploadId, S3UploadState start, String startVersion, String token, FileChannel spool,
                   Path spoolPath) {
            this.uploadId = uploadId;
            this.start = start;
            this.startVersion = startVersion;
            this.token = token;
            this.ownVersion = newVersion(token);
            this.spool = spool;
            this.spoolPath = spoolPath;
            this.spoolBase = start.tailOffset();
            this.length = start.length();
            this.nextPart = start.fullParts() + 1;
        }

        S3BlobStore owner() {
            return S3BlobStore.this;
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
                if (nextPart > MAX_PARTS) {
                    throw new IOException("upload exceeds " + MAX_PARTS + " parts of " + partSize
                            + " bytes; raise storage.s3.partSize");
                }
                int part = nextPart++;
                partUploads.add(transfers.submit(() -> uploadPart(part)));
            }
        }

        private Void uploadPart(int part) throws Exception {
            permits.acquire();
            try {
                long partSize = start.partSize();
                long from = (part - 1) * partSize - spoolBase;
                String key = partKey(uploadId, part, token);
                s3.putObject(r -> r.bucket(bucket).key(key).contentLength(partSize),
                        RequestBody.fromContentProvider(() -> new FileRegionStream(spool, from, partSize), partSize,
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
                    String key = stateKey(uploadId, length, ownVersion);
                    putState(key, end, spool, end.tailOffset() - spoolBase);
                    written = key;
                }
            } finally {
                closeSpool(spool, spoolPath);
            }
        }

        /** Ends the append by committing everything the upload holds as the blob at target; see commitAppend. */
        void commitAs(String target) throws IOException {
            if (closed) {
                throw new IOException("append to upload " + uploadId + " is closed");
            }
            closed = true;
            try {
                if (nextPart == 1) {
                    // Never filled a part: the spool holds the whole upload. Rewriting an existing blob would write
                    // the same bytes, so one PUT is cheaper than asking first.
                    s3.putObject(r -> r.bucket(bucket).key(target).contentLength(length),
                            RequestBody.fromContentProvider(() -> new FileRegionStream(spool, 0, length), length,
                                    "application/octet-stream"));
                } else {
                    for (Future<?> upload : partUploads) {
                        await(upload);
                    }
                    if (objectSize(target).isEmpty()) {
                        List<String> parts = new ArrayList<>();
                        for (int part = 1; part < nextPart; part++) {
                            parts.add(partKey(uploadId, part, part <= start.fullParts() ? start.token(part) : token));
                        }
                        long tailOffset = (nextPart - 1) * start.partSize();
                        long tailLength = length - tailOffset;
                        assemble(uploadId, target, parts, tailLength, (multipart, number) -> s3.uploadPart(
                                r -> r.bucket(bucket).key(target).uploadId(multipart).partNumber(number).contentLength(tailLength),
                                RequestBody.fromContentProvider(() -> new FileRegionStream(spool, tailOffset - spoolBase, tailLength),
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
                dropUploadObjects(uploadId);
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
                    transfers.submit(() -> s3.deleteObject(r -> r.bucket(bucket).key(key)));
                }
                return;
            }
            closed = true;
            for (Future<?> upload : partUploads) {
                upload.cancel(true);
            }
            closeSpool(spool, spoolPath);
        }
    }

    private static void closeSpool(FileChannel spool, Path path) {
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

    // ---- helpers

    private static <T> T await(Future<T> future) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for S3");
        } catch (CancellationException e) {
            throw new IOException("S3 transfer cancelled", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof SdkException sdk) {
                throw failure("S3 transfer", sdk);
            }
            throw new IOException("S3 transfer failed: " + cause, cause);
        }
    }

    private static IOException failure(String what, SdkException e) {
        return new IOException("S3 " + what + " failed: " + e.getMessage(), e);
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    @FunctionalInterface
    private interface StreamSource {
        InputStream open() throws IOException;
    }

    /** The sources one after another, each opened when the previous one ends (a GET is not held open idle). */
    private static final class ConcatenatedStream extends InputStream {
        private final List<StreamSource> sources;
        private int next;
        private InputStream current;

        ConcatenatedStream(List<StreamSource> sources) {
            this.sources = sources;
        }

        private boolean advance() throws IOException {
            while (current == null) {
                if (next == sources.size()) {
                    return false;
                }
                current = sources.get(next++).open();
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            while (advance()) {
                int n = current.read(buffer, offset, length);
                if (n >= 0) {
                    return n;
                }
                current.close();
                current = null;
            }
            return -1;
        }

        @Override
        public void close() throws IOException {
            if (current != null) {
                if (current instanceof ResponseInputStream<?> response) {
                    response.abort();
                }
                current.close();
                current = null;
            }
            next = sources.size();
        }
    }

    /** length bytes of a file channel from position, read with positional reads (the channel's position is the writer's). */
    private static final class FileRegionStream extends InputStream {
        private final FileChannel channel;
        private long position;
        private long remaining;

        FileRegionStream(FileChannel channel, long position, long length) {
            this.channel = channel;
            this.position = position;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int n = channel.read(ByteBuffer.wrap(buffer, offset, (int) Math.min(length, remaining)), position);
            if (n < 0) {
                throw new IOException("spool file ended " + remaining + " bytes early");
            }
            position += n;
            remaining -= n;
            return n;
        }
    }

    @Override
    public String toString() {
        return "S3BlobStore[" + (options.endpoint() == null ? "aws" : options.endpoint()) + " " + bucket + "/" + options.prefix() + "]";
    }
}
