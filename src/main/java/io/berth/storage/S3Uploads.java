package io.berth.storage;

import static io.berth.storage.S3Bucket.failure;

import io.berth.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Uploads in progress in the bucket, as state objects and part objects that any node can continue, re-hash or
 * commit (docs/design/s3-uploads.md); the appends themselves are {@link S3Appender}s.
 */
final class S3Uploads {
    private static final Logger LOG = LoggerFactory.getLogger(S3Uploads.class);
    /** Bytes of a state object fetched to read its header; room for about 2,500 runs of parts. */
    private static final int HEADER_PROBE = 64 * 1024;

    final S3Bucket objects;
    final S3Multipart multipart;
    private final S3Client s3;
    private final String bucket;

    S3Uploads(S3Bucket objects, S3Multipart multipart) {
        this.objects = objects;
        this.multipart = multipart;
        this.s3 = objects.s3;
        this.bucket = objects.bucket;
    }

    /** The handle of an upload; checks the id, which becomes part of every key. */
    BlobStore.Upload handle(String uploadId) {
        objects.uploadPrefix(uploadId);
        return new Handle(uploadId);
    }

    private final class Handle implements BlobStore.Upload {
        private final String id;

        Handle(String id) {
            this.id = id;
        }

        /** Nothing to store: an upload of no bytes has no state object (every append at 0 starts from empty). */
        @Override
        public void create() {}

        @Override
        public BlobStore.UploadAppender append(long offset, String version) throws IOException {
            return S3Uploads.this.append(id, offset, version);
        }

        @Override
        public boolean holds(long length) throws IOException {
            return holdsUpload(id, length);
        }

        @Override
        public InputStream read(long length, String version) throws IOException {
            return readUpload(id, length, version);
        }

        @Override
        public void commit(Digest digest, long length, String version) throws IOException {
            commitUpload(id, digest, length, version);
        }

        @Override
        public void delete() throws IOException {
            deleteUpload(id);
        }
    }

    private S3Appender append(String uploadId, long offset, String version) throws IOException {
        String token = HexFormat.of().formatHex(S3Bucket.randomBytes(8));
        Path spoolPath = objects.options.spoolDirectory().resolve(uploadId + "-" + token + ".spool");
        FileChannel spool = FileChannel.open(spoolPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            StateRead start = readState(uploadId, offset, version, spool);
            return new S3Appender(this, uploadId, start.state(), start.version(), token, spool, spoolPath);
        } catch (IOException | RuntimeException e) {
            S3Appender.closeSpool(spool, spoolPath);
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
        String prefix = objects.statePrefix(uploadId, length);
        String newest = null;
        try {
            for (S3Object object : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()) {
                String candidate = object.key().substring(prefix.length());
                if (S3Bucket.VERSION.matcher(candidate).matches() && (newest == null || candidate.compareTo(newest) > 0)) {
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
            return new StateRead("", new S3UploadState.Parsed(S3UploadState.empty(objects.options.partSize()), 0), new byte[0]);
        }
        String resolved = resolveVersion(uploadId, length, version);
        String key = objects.stateKey(uploadId, length, resolved);
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
    void putState(String key, S3UploadState state, FileChannel spool, long spoolOffset) throws IOException {
        byte[] header = state.header();
        long tail = state.tailLength();
        ContentStreamProvider body = () -> tail == 0
                ? new ByteArrayInputStream(header)
                : new SequenceInputStream(new ByteArrayInputStream(header), new S3Streams.FileRegionStream(spool, spoolOffset, tail));
        try {
            s3.putObject(r -> r.bucket(bucket).key(key).contentLength(header.length + tail),
                    RequestBody.fromContentProvider(body, header.length + tail, "application/octet-stream"));
        } catch (SdkException e) {
            throw failure("PUT " + key, e);
        }
    }

    private boolean holdsUpload(String uploadId, long length) throws IOException {
        if (length == 0) {
            return true;
        }
        String prefix = objects.statePrefix(uploadId, length);
        try {
            return !s3.listObjectsV2(r -> r.bucket(bucket).prefix(prefix).maxKeys(1)).contents().isEmpty();
        } catch (SdkException e) {
            throw failure("LIST " + prefix, e);
        }
    }

    private InputStream readUpload(String uploadId, long length, String version) throws IOException {
        StateRead read = readState(uploadId, length, version, null);
        S3UploadState state = read.state();
        List<S3Streams.StreamSource> sources = new ArrayList<>();
        for (int part = 1; part <= state.fullParts(); part++) {
            String key = objects.partKey(uploadId, part, state.token(part));
            sources.add(() -> objects.getRange(key, 0, state.partSize()));
        }
        if (read.tail() != null) {
            sources.add(() -> new ByteArrayInputStream(read.tail()));
        } else if (state.tailLength() > 0) {
            String key = objects.stateKey(uploadId, length, read.version());
            sources.add(() -> objects.getRange(key, read.parsed().headerLength(), state.tailLength()));
        }
        return new S3Streams.ConcatenatedStream(sources);
    }

    private void commitUpload(String uploadId, Digest digest, long length, String version) throws IOException {
        String target = objects.blobKey(digest);
        if (objects.objectSize(target).isEmpty()) {
            StateRead read = readState(uploadId, length, version, null);
            S3UploadState state = read.state();
            try {
                if (state.fullParts() == 0) {
                    copyTail(uploadId, read, target);
                } else {
                    List<String> parts = new ArrayList<>();
                    for (int part = 1; part <= state.fullParts(); part++) {
                        parts.add(objects.partKey(uploadId, part, state.token(part)));
                    }
                    String source = objects.stateKey(uploadId, length, read.version());
                    long from = read.parsed().headerLength();
                    multipart.assemble(uploadId, target, parts, state.tailLength(), (multipartId, number) -> s3.uploadPartCopy(r -> r
                            .sourceBucket(bucket).sourceKey(source).copySourceRange("bytes=" + from + "-" + (from + state.tailLength() - 1))
                            .destinationBucket(bucket).destinationKey(target).uploadId(multipartId).partNumber(number))
                            .copyPartResult().eTag());
                }
            } catch (SdkException e) {
                throw failure("commit of upload " + uploadId + " to " + target, e);
            }
        }
        dropUploadObjects(uploadId);
    }

    void dropUploadObjects(String uploadId) {
        try {
            objects.deleteObjects(objects.uploadPrefix(uploadId));
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
        String source = objects.stateKey(uploadId, length, read.version());
        long from = read.parsed().headerLength();
        ContentStreamProvider body = () -> {
            try {
                return objects.getRange(source, from, length);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        s3.putObject(r -> r.bucket(bucket).key(target).contentLength(length),
                RequestBody.fromContentProvider(body, length, "application/octet-stream"));
    }

    private void deleteUpload(String uploadId) throws IOException {
        multipart.abortRecorded(uploadId);
        objects.deleteObjects(objects.uploadPrefix(uploadId));
    }
}
