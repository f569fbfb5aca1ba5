package io.berth.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.metadata.MetadataDatabase;
import io.berth.metadata.MetadataStore;
import io.berth.oci.Digest;
import io.berth.storage.FileSystemBlobStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The commit protocol on the real embedded stores: steps of one digest run one at a time, and a failure releases. */
@Timeout(30)
class DigestLocksTest {
    @TempDir
    Path dir;

    private MetadataStore metadata;
    private FileSystemBlobStore blobs;
    private final Digest digest = Digest.sha256("layer".getBytes(StandardCharsets.UTF_8));
    /** Threads of their own: the common pool may have one thread on a small machine, which would serialize anyway. */
    private final ExecutorService threads = Executors.newFixedThreadPool(2);

    @BeforeEach
    void open() throws Exception {
        metadata = MetadataDatabase.sqlite(dir.resolve("berth.db"), Clock.systemUTC()).metadata();
        blobs = new FileSystemBlobStore(dir);
    }

    @AfterEach
    void close() {
        threads.shutdownNow();
        metadata.close();
    }

    @Test
    void aCollectionOfADigestWaitsForItsCommitInProgress() throws Exception {
        CountDownLatch committing = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<String> commit = CompletableFuture.supplyAsync(() -> locked(new DigestLocks(blobs, metadata), () -> {
            committing.countDown();
            assertThat(finish.await(10, TimeUnit.SECONDS)).isTrue();
            return "committed";
        }), threads);
        assertThat(committing.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<String> collection = CompletableFuture.supplyAsync(
                () -> locked(new DigestLocks(blobs, metadata), () -> "collected"), threads);

        assertThatThrownBy(() -> collection.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        finish.countDown();
        assertThat(commit.get(10, TimeUnit.SECONDS)).isEqualTo("committed");
        assertThat(collection.get(10, TimeUnit.SECONDS)).isEqualTo("collected");
    }

    @Test
    void aFailedStepReleasesTheLocks() throws Exception {
        DigestLocks locks = new DigestLocks(blobs, metadata);
        assertThatThrownBy(() -> locks.run(digest, () -> {
            throw new IOException("disk gone");
        })).hasMessage("disk gone");

        CompletableFuture<String> next = CompletableFuture.supplyAsync(() -> locked(locks, () -> "ran"), threads);
        assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo("ran");
    }

    @FunctionalInterface
    private interface Body {
        String run() throws Exception;
    }

    private String locked(DigestLocks locks, Body body) {
        try {
            return locks.call(digest, () -> {
                try {
                    return body.run();
                } catch (IOException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
