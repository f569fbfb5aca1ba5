package io.berth.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.metadata.MetadataDatabase;
import io.berth.metadata.MetadataStore;
import io.berth.model.UploadSession;
import io.berth.oci.Digest;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.registry.UploadWriter;
import io.berth.registry.Uploads;
import io.berth.testing.CountingProxy;
import io.berth.testing.MovableClock;
import io.berth.testing.S3Server;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads on S3 as several nodes run them: each node an {@link Uploads} with a {@link S3BlobStore} of its own, all on
 * one metadata database and one bucket of a real S3 API server (S3Proxy). Races between nodes, and what an upload
 * costs in S3 requests.
 */
@Timeout(120)
class S3UploadsAcrossNodesTest {
    private static final long PART = S3BlobStore.MIN_PART_SIZE;

    private static final S3Server server = S3Server.shared();
    private static final String bucket = server.newBucket();
    private static CountingProxy counter;

    @TempDir
    Path dir;
    private final RepositoryName repo = new RepositoryName("team/app");
    private final MovableClock clock = new MovableClock();
    private final List<AutoCloseable> opened = new ArrayList<>();
    private MetadataStore metadata;
    private String prefix;

    @BeforeAll
    static void startServer() {
        counter = new CountingProxy(server.port());
    }

    @AfterAll
    static void stopServer() {
        if (counter != null) {
            counter.close();
        }
    }

    @BeforeEach
    void open() {
        metadata = MetadataDatabase.sqlite(dir.resolve("berth.db"), clock).metadata();
        prefix = "nodes-" + UUID.randomUUID() + "/";
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : opened.reversed()) {
            c.close();
        }
        metadata.close();
    }

    /** A node's blob store on the shared bucket and prefix, with a spool of its own. */
    private S3BlobStore store(String name, URI endpoint) throws Exception {
        S3BlobStore store = S3BlobStore.open(new S3BlobStore.Options(endpoint, S3Server.REGION, bucket, prefix, true,
                S3Server.ACCESS_KEY, S3Server.SECRET_KEY, PART, false, dir.resolve("spool-" + name)));
        opened.add(store);
        return store;
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] blob(BlobStore store, Digest digest) throws Exception {
        try (BlobStore.BlobContent content = store.open(digest, OptionalLong.empty()).orElseThrow();
             InputStream in = content.openStream(0, content.size())) {
            return in.readAllBytes();
        }
    }

    private static void send(Uploads node, RepositoryName repo, String id, Digest finish, byte[] body) {
        UploadWriter writer = node.openWriter(repo, id, null, finish);
        if (body.length > 0) {
            for (int at = 0; at < body.length; at += 1 << 20) {
                writer.write(ByteBuffer.wrap(body, at, Math.min(1 << 20, body.length - at)));
            }
        }
        writer.complete();
    }

    // ---- a close slower than the claim

    /**
     * The scenario: node 1's append waits in close (its part uploads and state PUT are slow) for longer than its
     * claim lasts; the client retries the same chunk, and node 2 takes the upload over, appends and records the
     * offset; then node 1's close writes its state for the same length. Node 2's running hash covers node 2's bytes.
     */
    private record Takeover(String uploadId, byte[] recorded, Uploads node2) {}

    private Takeover takeOverWhileTheFirstCloseIsSlow(boolean firstNodeDiesAfterClose) throws Exception {
        CountDownLatch closing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Uploads node1 = new Uploads(metadata, slowToClose(store("1", server.endpoint()), closing, release,
                firstNodeDiesAfterClose), clock);
        Uploads node2 = new Uploads(metadata, store("2", server.endpoint()), clock);
        UploadSession session = node1.start(repo, "sha256");
        byte[] stale = random(300_000, 1);
        byte[] recorded = random(300_000, 2);

        UploadWriter slow = node1.openWriter(repo, session.id(), null, null);
        slow.write(ByteBuffer.wrap(stale));
        CompletableFuture<Object> slowCompletion = CompletableFuture.supplyAsync(slow::complete);
        assertThat(closing.await(30, TimeUnit.SECONDS)).isTrue();
        // Real time passes too (appends opened later carry later versions), but the claim's clock jumps past it.
        Thread.sleep(20);
        clock.advance(Duration.ofSeconds(31));

        UploadWriter retry = node2.openWriter(repo, session.id(), null, null);
        retry.write(ByteBuffer.wrap(recorded));
        assertThat(retry.complete().session().offset()).isEqualTo(recorded.length);

        release.countDown();
        assertThatThrownBy(slowCompletion::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(RegistryException.class);
        assertThat(metadata.upload(session.id()).orElseThrow().offset()).isEqualTo(recorded.length);
        return new Takeover(session.id(), recorded, node2);
    }

    @Test
    void aCloseThatEndsAfterAnotherNodeTookTheUploadOverCannotChangeTheCommittedBytes() throws Exception {
        Takeover takeover = takeOverWhileTheFirstCloseIsSlow(false);
        Digest digest = Digest.sha256(takeover.recorded());

        // Node 2 holds the running hash of the bytes it appended and verifies the digest with it.
        send(takeover.node2(), repo, takeover.uploadId(), digest, new byte[0]);

        assertThat(Digest.sha256(blob(store("3", server.endpoint()), digest))).isEqualTo(digest);
    }

    @Test
    void aNodeWithoutTheRunningHashCommitsTheBytesItHashed() throws Exception {
        // Node 1 dies after its late close: its state object stays beside node 2's.
        Takeover takeover = takeOverWhileTheFirstCloseIsSlow(true);
        Digest digest = Digest.sha256(takeover.recorded());
        byte[] last = random(1000, 3);
        byte[] whole = Arrays.copyOf(takeover.recorded(), takeover.recorded().length + last.length);
        System.arraycopy(last, 0, whole, takeover.recorded().length, last.length);
        Digest wholeDigest = Digest.sha256(whole);

        // A third node re-hashes what is stored and continues it; what it commits is what it hashed.
        Uploads node3 = new Uploads(metadata, store("3", server.endpoint()), clock);
        send(node3, repo, takeover.uploadId(), wholeDigest, last);

        assertThat(Digest.sha256(blob(store("4", server.endpoint()), wholeDigest))).isEqualTo(wholeDigest);
        assertThat(store("5", server.endpoint()).open(digest, OptionalLong.empty())).isEmpty();
    }

    /**
     * The store, except that the first append's close waits for release (a close slower than the claim) and, when
     * the node dies after it, drops nothing afterwards. A dynamic proxy, so only close and discard differ.
     */
    private static BlobStore slowToClose(BlobStore store, CountDownLatch closing, CountDownLatch release, boolean dies) {
        boolean[] first = {true};
        return wrapping(BlobStore.class, store, opened -> !(opened instanceof BlobStore.Upload upload) ? opened
                : wrapping(BlobStore.Upload.class, upload, result -> {
                    if (!(result instanceof BlobStore.UploadAppender appender) || !first[0]) {
                        return result;
                    }
                    first[0] = false;
                    boolean[] closed = {false};
                    return Proxy.newProxyInstance(BlobStore.class.getClassLoader(),
                            new Class<?>[] {BlobStore.UploadAppender.class}, (p, m, a) -> {
                                if (m.getName().equals("close") && !closed[0]) {
                                    closing.countDown();
                                    release.await();
                                    closed[0] = true;
                                } else if (m.getName().equals("discard") && closed[0] && dies) {
                                    return null;
                                }
                                return call(m, appender, a);
                            });
                }));
    }

    /** A proxy of target whose every result passes through wrap. */
    private static <T> T wrapping(Class<T> type, T target, UnaryOperator<Object> wrap) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> wrap.apply(call(method, target, args))));
    }

    private static Object call(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void uploadsEndingOnAPartBoundaryCommitStraightFromTheAppend() throws Exception {
        Uploads node1 = new Uploads(metadata, store("1", server.endpoint()), clock);
        Uploads node2 = new Uploads(metadata, store("2", server.endpoint()), clock);
        byte[] whole = random((int) (2 * PART), 15);
        String id = node1.start(repo, "sha256").id();
        send(node1, repo, id, Digest.sha256(whole), whole);
        byte[] chunked = random((int) (2 * PART), 16);
        id = node1.start(repo, "sha256").id();
        send(node1, repo, id, null, Arrays.copyOf(chunked, (int) PART + 7));
        send(node2, repo, id, Digest.sha256(chunked), Arrays.copyOfRange(chunked, (int) PART + 7, chunked.length));
        for (Digest digest : List.of(Digest.sha256(whole), Digest.sha256(chunked))) {
            assertThat(Digest.sha256(blob(store("3-" + digest.hex(), server.endpoint()), digest))).isEqualTo(digest);
        }
        assertThat(server.client().listObjectsV2(r -> r.bucket(bucket).prefix(prefix + "uploads/")).contents()).isEmpty();
    }

    // ---- round trips

    @Test
    void s3RequestsPerUpload() throws Exception {
        Uploads node1 = new Uploads(metadata, store("1", counter.endpoint()), clock);
        Uploads node2 = new Uploads(metadata, store("2", counter.endpoint()), clock);
        // Warm up: a node's first commit learns whether the service has multi-object delete.
        for (Uploads node : List.of(node1, node2)) {
            byte[] warm = random(1000, node == node1 ? 8 : 9);
            String warmId = node.start(repo, "sha256").id();
            send(node, repo, warmId, null, warm);
            send(node, repo, warmId, Digest.sha256(warm), new byte[0]);
        }
        counter.take();

        byte[] small = random(100_000, 10);
        String id = node1.start(repo, "sha256").id();
        send(node1, repo, id, Digest.sha256(small), small);
        List<String> monolithic = counter.take();

        small = random(100_000, 11);
        id = node1.start(repo, "sha256").id();
        send(node1, repo, id, null, small);
        send(node1, repo, id, Digest.sha256(small), new byte[0]);
        List<String> chunkedOneNode = counter.take();

        small = random(100_000, 12);
        id = node1.start(repo, "sha256").id();
        send(node1, repo, id, null, small);
        send(node2, repo, id, Digest.sha256(small), new byte[0]);
        List<String> chunkedTwoNodes = counter.take();

        byte[] largeChunked = random((int) (2 * PART + 100_000), 13);
        id = node1.start(repo, "sha256").id();
        send(node1, repo, id, null, largeChunked);
        send(node2, repo, id, Digest.sha256(largeChunked), new byte[0]);
        List<String> largeTwoNodes = counter.take();

        byte[] large = random((int) (2 * PART + 100_000), 14);
        id = node1.start(repo, "sha256").id();
        send(node1, repo, id, Digest.sha256(large), large);
        List<String> largeMonolithic = counter.take();

        report("small blob, POST + PUT with the body", monolithic);
        report("small blob, POST + PATCH + PUT, one node", chunkedOneNode);
        report("small blob, POST + PATCH + PUT on another node", chunkedTwoNodes);
        report("2 parts + 100 kB, POST + PATCH + PUT on another node", largeTwoNodes);
        report("2 parts + 100 kB, POST + PUT with the body", largeMonolithic);
        assertThat(monolithic).hasSize(1);
        assertThat(chunkedOneNode).hasSizeLessThanOrEqualTo(5);
        assertThat(chunkedTwoNodes).hasSizeLessThanOrEqualTo(6);
        for (Digest digest : List.of(Digest.sha256(large), Digest.sha256(largeChunked))) {
            assertThat(Digest.sha256(blob(store("3-" + digest.hex(), server.endpoint()), digest))).isEqualTo(digest);
        }
    }

    private static void report(String what, List<String> requests) {
        System.out.println("S3 requests, " + what + ": " + requests.size());
        requests.forEach(r -> System.out.println("    " + r.replaceAll("/nodes-[0-9a-f-]+/", "/…/")));
    }

}
