package io.berth.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.Digest;
import io.berth.testing.S3Server;
import io.berth.testing.ThrottlingProxy;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The BlobStore contract on a real S3 API server (S3Proxy), plus what only S3 has: parts, nodes, redirects, retries. */
class S3BlobStoreTest extends BlobStoreContract {
    private static final long PART = S3BlobStore.MIN_PART_SIZE;

    private static final S3Server server = S3Server.shared();
    private static final String bucket = server.newBucket();
    private static S3Client inspector;

    @TempDir
    Path spool;
    private String prefix;
    private final List<BlobStore> otherNodes = new ArrayList<>();

    @BeforeAll
    static void startServer() {
        inspector = server.client();
    }

    @AfterAll
    static void stopServer() {
        if (inspector != null) {
            inspector.close();
        }
    }

    @Override
    protected BlobStore openStore() throws Exception {
        prefix = "test-" + UUID.randomUUID() + "/";
        return node("node-1", false, server.endpoint());
    }

    /** Another store on the same bucket and prefix with a spool of its own, as another Berth process would have. */
    private S3BlobStore node(String name, boolean redirect, URI endpoint) throws IOException {
        S3BlobStore store = S3BlobStore.open(new S3BlobStore.Options(endpoint, S3Server.REGION, bucket, prefix, true,
                S3Server.ACCESS_KEY, S3Server.SECRET_KEY, PART, redirect, spool.resolve(name)));
        if (!name.equals("node-1")) {
            otherNodes.add(store);
        }
        return store;
    }

    @AfterEach
    void closeOtherNodes() throws Exception {
        for (BlobStore node : otherNodes) {
            node.close();
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static void append(BlobStore node, String id, long offset, byte[] content, int from, int to) throws IOException {
        try (BlobStore.UploadAppender appender = node.openUpload(id).append(offset, null)) {
            // In slices, as request bodies arrive.
            for (int at = from; at < to; at += 100_000) {
                appender.write(ByteBuffer.wrap(content, at, Math.min(100_000, to - at)));
            }
            assertThat(appender.length()).isEqualTo(to);
        }
    }

    private static byte[] readUpload(BlobStore node, String id, long length) throws IOException {
        try (InputStream in = node.openUpload(id).read(length, null)) {
            return in.readAllBytes();
        }
    }

    private List<String> keysUnder(String under) {
        return inspector.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix + under)).contents().stream()
                .map(S3Object::key).toList();
    }

    private List<String> unfinishedMultipartUploads() {
        return inspector.listMultipartUploads(r -> r.bucket(bucket).prefix(prefix)).uploads().stream()
                .map(MultipartUpload::key).toList();
    }

    @Test
    void chunksAppendedOnThreeNodesSpanPartsAndCommitAsOneBlob() throws Exception {
        byte[] content = random((int) (2 * PART + 12_345), 42);
        Digest digest = Digest.sha256(content);
        BlobStore node2 = node("node-2", false, server.endpoint());
        BlobStore node3 = node("node-3", false, server.endpoint());
        String id = UUID.randomUUID().toString();
        store.openUpload(id).create();

        int first = 3 << 20;
        int second = 9 << 20;
        append(store, id, 0, content, 0, first);
        assertThat(readUpload(node2, id, first)).isEqualTo(Arrays.copyOf(content, first));
        append(node2, id, first, content, first, second);
        assertThat(readUpload(node3, id, second)).isEqualTo(Arrays.copyOf(content, second));
        append(node3, id, second, content, second, content.length);
        assertThat(readUpload(store, id, content.length)).isEqualTo(content);
        // The spools only lived while their appends did.
        try (Stream<Path> files = Files.walk(spool)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }

        node2.openUpload(id).commit(digest, content.length, null);
        try (BlobStore.BlobContent blob = node3.open(digest, OptionalLong.empty()).orElseThrow()) {
            assertThat(blob.size()).isEqualTo(content.length);
            assertThat(blob.localFile()).isEmpty();
            try (InputStream in = blob.openStream(0, blob.size())) {
                assertThat(in.readAllBytes()).isEqualTo(content);
            }
            try (InputStream in = blob.openStream(PART - 10, 20)) {
                assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, (int) PART - 10, (int) PART + 10));
            }
        }
        assertThat(keysUnder("uploads/")).isEmpty();
        assertThat(unfinishedMultipartUploads()).isEmpty();
    }

    @Test
    void appendThatEndsOnAPartBoundaryAndAnEmptyFinalChunkCommit() throws Exception {
        byte[] content = random((int) PART, 7);
        Digest digest = Digest.sha256(content);
        String id = UUID.randomUUID().toString();
        store.openUpload(id).create();
        append(store, id, 0, content, 0, content.length);
        append(store, id, content.length, content, content.length, content.length);
        store.openUpload(id).commit(digest, content.length, null);
        try (BlobStore.BlobContent blob = store.open(digest, OptionalLong.empty()).orElseThrow(); InputStream in = blob.openStream(0, blob.size())) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        assertThat(keysUnder("uploads/")).isEmpty();
    }

    @Test
    void discardedAppendThatUploadedPartsDoesNotChangeTheRecordedPrefix() throws Exception {
        byte[] good = random((int) (PART + 1000), 1);
        byte[] bad = random((int) (2 * PART), 2);
        String id = UUID.randomUUID().toString();
        store.openUpload(id).create();
        append(store, id, 0, good, 0, 1000);
        BlobStore.UploadAppender interrupted = store.openUpload(id).append(1000, null);
        interrupted.write(ByteBuffer.wrap(bad));
        interrupted.discard();
        append(store, id, 1000, good, 1000, good.length);
        assertThat(readUpload(store, id, good.length)).isEqualTo(good);
        Digest digest = Digest.sha256(good);
        store.openUpload(id).commit(digest, good.length, null);
        try (BlobStore.BlobContent blob = store.open(digest, OptionalLong.empty()).orElseThrow(); InputStream in = blob.openStream(0, blob.size())) {
            assertThat(in.readAllBytes()).isEqualTo(good);
        }
    }

    @Test
    void deletedUploadLeavesNoObjectsBehind() throws Exception {
        byte[] content = random((int) PART + 10, 3);
        String id = UUID.randomUUID().toString();
        store.openUpload(id).create();
        append(store, id, 0, content, 0, content.length);
        assertThat(keysUnder("uploads/" + id + "/")).hasSize(2); // the part, state-<length>-<version>
        store.openUpload(id).delete();
        assertThat(keysUnder("uploads/")).isEmpty();
        assertThat(unfinishedMultipartUploads()).isEmpty();
    }

    @Test
    void blobsLiveUnderTheirContentAddress() throws Exception {
        byte[] content = "x".getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.sha256(content);
        store.put(digest, content);
        assertThat(keysUnder("blobs/")).containsExactly(
                prefix + "blobs/sha256/" + digest.hex().substring(0, 2) + "/" + digest.hex());
    }

    @Test
    void presignedUrlServesTheBlobOnlyWhenRedirectIsOn() throws Exception {
        byte[] content = "served by the bucket".getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.sha256(content);
        store.put(digest, content);
        assertThat(store.presignedUrl(digest, Duration.ofMinutes(5))).isEmpty();

        URI url = node("node-redirect", true, server.endpoint()).presignedUrl(digest, Duration.ofMinutes(5)).orElseThrow();
        HttpResponse<byte[]> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(content);
    }

    @Test
    void throttledRequestsAreRetriedWithBackoff() throws Exception {
        try (ThrottlingProxy proxy = new ThrottlingProxy(server.port())) {
            BlobStore throttled = node("node-throttled", false, proxy.endpoint());
            byte[] content = "through a slow bucket".getBytes(StandardCharsets.UTF_8);
            Digest digest = Digest.sha256(content);
            proxy.throttleNext(3);
            throttled.put(digest, content);
            assertThat(proxy.throttled()).isEqualTo(3);
            try (BlobStore.BlobContent blob = store.open(digest, OptionalLong.empty()).orElseThrow(); InputStream in = blob.openStream(0, blob.size())) {
                assertThat(in.readAllBytes()).isEqualTo(content);
            }
        }
    }

    @Test
    void uploadStateWithAHeaderLongerThanTheFirstReadIsStillRead() throws Exception {
        String id = UUID.randomUUID().toString();
        store.openUpload(id).create();
        // 5,000 parts written by 5,000 appends: a header of about 120 KB. The parts themselves are never read here.
        S3UploadState state = S3UploadState.empty(PART);
        for (int part = 1; part <= 5000; part++) {
            state = state.extendedTo(part * PART, String.format("%016x", part));
        }
        byte[] header = state.header();
        assertThat(header.length).isGreaterThan(64 * 1024);
        long length = state.length();
        inspector.putObject(r -> r.bucket(bucket).key(prefix + "uploads/" + id + "/state-" + length + "-000000000001-"
                        + "0123456789abcdef"),
                software.amazon.awssdk.core.sync.RequestBody.fromBytes(header));
        store.openUpload(id).read(length, null).close();
    }
}
