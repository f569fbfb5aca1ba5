package io.berth.storage;

import static io.berth.storage.S3Bucket.await;
import static io.berth.storage.S3Bucket.failure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;

/**
 * S3 multipart uploads: a commit assembles a blob from an upload's part objects with server-side part copies, and
 * a quarantine copies a blob too large for one CopyObject. While a commit runs, its multipart upload's id is
 * recorded under the upload ({@code uploads/{id}/multipart}), so deleting the upload after a crash can abort it.
 */
final class S3Multipart {
    private static final Logger LOG = LoggerFactory.getLogger(S3Multipart.class);

    /** S3's limits for multipart uploads: parts of 5 MiB to 5 GiB, at most 10,000 of them. */
    static final long MIN_PART_SIZE = 5L << 20;
    static final long MAX_PART_SIZE = 5L << 30;
    static final int MAX_PARTS = 10_000;
    /** The largest object one CopyObject request copies. */
    static final long MAX_SINGLE_COPY = 5L << 30;

    private final S3Bucket objects;
    private final S3Client s3;
    private final String bucket;

    S3Multipart(S3Bucket objects) {
        this.objects = objects;
        this.s3 = objects.s3;
        this.bucket = objects.bucket;
    }

    /** Uploads the last part of a commit's multipart upload (a copied range or bytes from a spool); returns its ETag. */
    @FunctionalInterface
    interface LastPart {
        String upload(String multipart, int number) throws Exception;
    }

    /**
     * Assembles the blob from the part objects and a tail of tailLength bytes with a multipart upload of server-side
     * copies. The multipart upload's id is recorded first, so deleting the upload after a crash here aborts it.
     */
    void assemble(String uploadId, String target, List<String> partKeys, long tailLength, LastPart tail)
            throws IOException {
        String multipart = s3.createMultipartUpload(r -> r.bucket(bucket).key(target)).uploadId();
        boolean completed = false;
        try {
            byte[] record = (target + "\n" + multipart + "\n").getBytes(StandardCharsets.UTF_8);
            s3.putObject(r -> r.bucket(bucket).key(objects.multipartKey(uploadId)), RequestBody.fromBytes(record));
            Semaphore permits = new Semaphore(S3Bucket.REQUESTS_AT_ONCE);
            List<Future<CompletedPart>> copies = new ArrayList<>();
            for (int part = 1; part <= partKeys.size(); part++) {
                copies.add(copyPart(permits, multipart, target, part, partKeys.get(part - 1)));
            }
            if (tailLength > 0) {
                int number = partKeys.size() + 1;
                copies.add(objects.transfers.submit(() -> {
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
        return objects.transfers.submit(() -> {
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

    void copyInParts(String source, String target, long size) throws IOException {
        String multipart = s3.createMultipartUpload(r -> r.bucket(bucket).key(target)).uploadId();
        boolean completed = false;
        try {
            long partSize = Math.max(objects.options.partSize(), (size + 9_999) / 10_000);
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

    /** Aborts the multipart upload a commit of the upload recorded, if one did (it died before it completed). */
    void abortRecorded(String uploadId) throws IOException {
        String recordKey = objects.multipartKey(uploadId);
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
    }
}
