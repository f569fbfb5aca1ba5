package io.berth.storage;

import io.berth.oci.Digest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The S3 store's connection to its bucket: the client set-up, the key layout (see {@link S3BlobStore}), the
 * object operations blobs and uploads share, and the virtual threads that run part transfers.
 */
final class S3Bucket implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(S3Bucket.class);

    /** Attempts per S3 call, throttling (503 SlowDown) included; the SDK backs off between them. */
    private static final int MAX_ATTEMPTS = 8;
    /** Requests of one multi-object operation (part copies, single deletes) that run at once. */
    static final int REQUESTS_AT_ONCE = 8;
    private static final Pattern UPLOAD_ID = Pattern.compile("[a-zA-Z0-9-]{1,64}");
    static final Pattern VERSION = Pattern.compile("[0-9a-f]{12}-[0-9a-f]{16}");
    private static final SecureRandom RANDOM = new SecureRandom();

    final S3BlobStore.Options options;
    final S3Client s3;
    final S3Presigner presigner;
    final String bucket;
    /** False once the service answered DeleteObjects with 501 Not Implemented. */
    private volatile boolean multiObjectDelete = true;
    /** Part uploads and part copies; each waits on the network, so one virtual thread each. */
    final ExecutorService transfers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("berth-s3-", 0).factory());

    private S3Bucket(S3BlobStore.Options options, S3Client s3, S3Presigner presigner) {
        this.options = options;
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = options.bucket();
    }

    /** Connects and checks that the bucket answers; fails with a message that says what to fix. */
    static S3Bucket connect(S3BlobStore.Options options) throws IOException {
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
        return new S3Bucket(options, client, presigner.build());
    }

    private static S3Client client(S3BlobStore.Options options, Region region, AwsCredentialsProvider credentials) {
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

    String statePrefix(String uploadId, long length) {
        return uploadPrefix(uploadId) + "state-" + length + "-";
    }

    String stateKey(String uploadId, long length, String version) {
        if (!VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("invalid upload version");
        }
        return statePrefix(uploadId, length) + version;
    }

    /**
     * A new version: the time the append opened (just after its claim), then its token. Two appends never share one,
     * and among several state objects of one length the newest is the last in key order.
     */
    static String newVersion(String token) {
        return String.format("%012x-%s", System.currentTimeMillis(), token);
    }

    String partKey(String uploadId, int part, String token) {
        return uploadPrefix(uploadId) + String.format("part-%05d-%s", part, token);
    }

    String multipartKey(String uploadId) {
        return uploadPrefix(uploadId) + "multipart";
    }

    // ---- objects

    Optional<Long> objectSize(String key) throws IOException {
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

    ResponseInputStream<GetObjectResponse> getRange(String key, long offset, long length) throws IOException {
        try {
            return s3.getObject(r -> r.bucket(bucket).key(key).range("bytes=" + offset + "-" + (offset + length - 1)));
        } catch (SdkException e) {
            throw failure("GET " + key, e);
        }
    }

    /** Deletes every object under prefix, a thousand per request where the service has multi-object delete. */
    void deleteObjects(String prefix) throws IOException {
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
        Semaphore permits = new Semaphore(REQUESTS_AT_ONCE);
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

    static <T> T await(Future<T> future) throws IOException {
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

    static IOException failure(String what, SdkException e) {
        return new IOException("S3 " + what + " failed: " + e.getMessage(), e);
    }

    static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return (options.endpoint() == null ? "aws" : options.endpoint()) + " " + bucket + "/" + options.prefix();
    }
}
