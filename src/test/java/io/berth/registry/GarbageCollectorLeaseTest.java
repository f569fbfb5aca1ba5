package io.berth.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.metadata.MetadataDatabase;
import io.berth.oci.Digest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collection lease over a run that lasts longer than its TTL, on the real embedded stores. The test makes the
 * run long by holding the digest lock of the blob it is about to delete (as an upload commit of that digest would).
 */
@Timeout(60)
class GarbageCollectorLeaseTest {
    private static final Duration TTL = Duration.ofSeconds(2);
    private static final GarbageCollector.Settings NOW = new GarbageCollector.Settings(Duration.ZERO, Duration.ZERO, true);

    @TempDir
    Path dir;

    private DomainFixture domain;
    private ExecutorService pool;

    @BeforeEach
    void open() throws Exception {
        domain = DomainFixture.open(dir);
        pool = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void close() {
        pool.shutdownNow();
        domain.close();
    }

    private GarbageCollector collector(String owner) {
        return domain.collector(owner, TTL);
    }

    /** A stored blob no repository links: the collector's next candidate. */
    private Digest orphan(String content) {
        return domain.orphan(content);
    }

    @Test
    void aRunLongerThanTheLeaseTtlKeepsTheLeaseAndASecondCollectorIsRefusedMeanwhile() throws Exception {
        Digest blob = orphan("held by a commit");
        Future<GarbageCollector.Report> run;
        try (AutoCloseable commit = domain.blobs.lock(blob)) {
            run = pool.submit(() -> collector("node-a").run(NOW, false));
            Thread.sleep(TTL.multipliedBy(5).dividedBy(2).toMillis());
            assertThat(run.isDone()).as("the run waits for the digest lock").isFalse();
            assertThat(collector("node-b").run(NOW, false).ran()).as("second collector runs while the first does").isFalse();
            assertThat(collector("node-b").run(NOW, true).ran()).as("a dry run waits too").isFalse();
            assertThat(domain.lifecycle.acquireLease("gc", "node-c", TTL)).as("lease taken over from a running collector").isFalse();
        }
        GarbageCollector.Report report = run.get(30, TimeUnit.SECONDS);
        assertThat(report.ran()).isTrue();
        assertThat(report.leaseLost()).isFalse();
        assertThat(report.blobsDeleted()).isEqualTo(1);
        assertThat(domain.metadata.blobSize(blob)).isEmpty();
        assertThat(domain.lifecycle.acquireLease("gc", "node-c", TTL)).as("released at the end of the run").isTrue();
    }

    @Test
    void aRunWhoseLeaseRenewalFailsStopsBeforeItsNextCandidate() throws Exception {
        Digest first = orphan("deleted before the lease went");
        Digest garbage;
        Future<GarbageCollector.Report> run;
        try (AutoCloseable commit = domain.blobs.lock(first)) {
            run = pool.submit(() -> collector("node-a").run(NOW, false));
            Thread.sleep(TTL.dividedBy(2).toMillis());
            // Another node, whose clock says the lease expired (as after a pause longer than the TTL), takes it over.
            try (MetadataDatabase later = domain.sameDatabase(
                    Clock.offset(domain.clock, Duration.ofHours(1)))) {
                assertThat(later.lifecycle().acquireLease("gc", "node-b", Duration.ofMinutes(1))).isTrue();
            }
            garbage = orphan("garbage the next pass would find");
            // The next renewal (every third of the TTL) fails.
            Thread.sleep(TTL.toMillis());
        }
        GarbageCollector.Report report = run.get(30, TimeUnit.SECONDS);
        assertThat(report.leaseLost()).isTrue();
        assertThat(report.blobsDeleted()).as("the candidate under way finishes, no other starts").isEqualTo(1);
        assertThat(domain.metadata.blobSize(first)).isEmpty();
        assertThat(domain.metadata.blobSize(garbage)).as("left for the lease's holder").isPresent();
        assertThat(domain.lifecycle.acquireLease("gc", "node-a", TTL)).as("the thief's lease stays").isFalse();
    }
}
