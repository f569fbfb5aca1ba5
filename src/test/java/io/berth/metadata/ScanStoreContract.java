package io.berth.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.model.Scans.Counts;
import io.berth.model.Scans.Job;
import io.berth.model.Scans.Report;
import io.berth.model.Scans.State;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scan store on each database, opened by two nodes: a job queued on one is taken by the other, never by both;
 * a job whose node's lease ran out is taken again; a request while a job runs queues it again when it ends; reports
 * and the package index that tells an import which images to rescan.
 */
@Timeout(120)
public abstract class ScanStoreContract {
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private MetadataDatabase nodeA;
    private MetadataDatabase nodeB;

    protected abstract Supplier<MetadataDatabase> sharedDatabase(Clock clock) throws Exception;

    @BeforeEach
    void open() throws Exception {
        Supplier<MetadataDatabase> database = sharedDatabase(Clock.systemUTC());
        nodeA = database.get();
        nodeB = database.get();
    }

    @AfterEach
    void close() {
        nodeA.close();
        nodeB.close();
    }

    @Test
    void aJobQueuedOnOneNodeIsTakenOnceByAnother() {
        nodeA.scans().enqueue("library/debian", "sha256:aa", "push", T0);
        nodeA.scans().enqueue("library/debian", "sha256:aa", "push", T0.plusSeconds(1));
        Optional<Job> taken = nodeB.scans().claim("B", T0.plusSeconds(2), T0.plusSeconds(62), 3);
        assertThat(taken).get().satisfies(j -> {
            assertThat(j.state()).isEqualTo(State.RUNNING);
            assertThat(j.leaseOwner()).isEqualTo("B");
            assertThat(j.attempts()).isEqualTo(1);
        });
        assertThat(nodeA.scans().claim("A", T0.plusSeconds(3), T0.plusSeconds(63), 3)).isEmpty();
        assertThat(nodeA.scans().finish(taken.get(), "A", null, T0.plusSeconds(4))).isFalse();
        assertThat(nodeB.scans().finish(taken.get(), "B", null, T0.plusSeconds(4))).isTrue();
        assertThat(nodeA.scans().job("library/debian", "sha256:aa")).get()
                .extracting(Job::state).isEqualTo(State.DONE);
        assertThat(nodeA.scans().claim("A", T0.plusSeconds(5), T0.plusSeconds(65), 3)).isEmpty();
    }

    @Test
    void aDeadNodesJobIsTakenAgainAfterItsLeaseAndGivenUpAfterMaxAttempts() {
        nodeA.scans().enqueue("r", "sha256:bb", "push", T0);
        Job first = nodeA.scans().claim("A", T0, T0.plusSeconds(10), 2).orElseThrow();
        assertThat(nodeB.scans().claim("B", T0.plusSeconds(5), T0.plusSeconds(15), 2)).isEmpty();
        Job second = nodeB.scans().claim("B", T0.plusSeconds(11), T0.plusSeconds(21), 2).orElseThrow();
        assertThat(second.attempts()).isEqualTo(2);
        assertThat(nodeA.scans().renew(first, "A", T0.plusSeconds(30))).isFalse();
        assertThat(nodeB.scans().renew(second, "B", T0.plusSeconds(30))).isTrue();
        // B dies too: the third claim finds the job out of attempts and marks it failed.
        assertThat(nodeA.scans().claim("A", T0.plusSeconds(31), T0.plusSeconds(41), 2)).isEmpty();
        Job failed = nodeA.scans().job("r", "sha256:bb").orElseThrow();
        assertThat(failed.state()).isEqualTo(State.FAILED);
        assertThat(failed.error()).contains("gave up after 2 attempts");
        // Asked again, it is queued with its attempts reset.
        nodeA.scans().enqueue("r", "sha256:bb", "demand", T0.plusSeconds(50));
        assertThat(nodeB.scans().claim("B", T0.plusSeconds(51), T0.plusSeconds(61), 2)).get()
                .extracting(Job::attempts).isEqualTo(1);
    }

    @Test
    void aRequestWhileRunningQueuesTheJobAgainWhenItEnds() {
        nodeA.scans().enqueue("r", "sha256:cc", "push", T0);
        Job running = nodeA.scans().claim("A", T0, T0.plusSeconds(60), 3).orElseThrow();
        nodeB.scans().enqueue("r", "sha256:cc", "rescan", T0.plusSeconds(1));
        assertThat(nodeB.scans().claim("B", T0.plusSeconds(2), T0.plusSeconds(62), 3)).isEmpty();
        assertThat(nodeA.scans().finish(running, "A", null, T0.plusSeconds(3))).isTrue();
        Job again = nodeB.scans().claim("B", T0.plusSeconds(4), T0.plusSeconds(64), 3).orElseThrow();
        assertThat(again.reason()).isEqualTo("rescan");
        assertThat(nodeB.scans().finish(again, "B", "layer missing", T0.plusSeconds(5))).isTrue();
        assertThat(nodeA.scans().jobs(State.FAILED, 10)).extracting(Job::error).containsExactly("layer missing");
    }

    @Test
    void reportsReplaceTheLastOneAndIndexTheImagesPackages() {
        assertThat(nodeA.scans().oldestReportGeneration()).isEmpty();
        Report r1 = new Report("sha256:dd", "library/debian", "1.0", 3, T0, "High", new Counts(0, 2, 1, 0, 0),
                "{\"v\":1}", null, null);
        nodeA.scans().putReport(r1, List.of("debian:glibc", "debian:openssl"));
        nodeA.scans().setSbom("sha256:dd", "sha256:sbom", "sha256:inv");
        assertThat(nodeB.scans().report("sha256:dd")).get().extracting(Report::sbomDigest).isEqualTo("sha256:sbom");
        Report r2 = new Report("sha256:dd", "library/debian", "1.0", 4, T0.plusSeconds(9), "Medium",
                new Counts(0, 0, 1, 0, 0), "{\"v\":2}", "sha256:sbom", "sha256:inv");
        nodeB.scans().putReport(r2, List.of("debian:openssl", "debian:zlib"));
        Report read = nodeA.scans().report("sha256:dd").orElseThrow();
        assertThat(read.json()).isEqualTo("{\"v\":2}");
        assertThat(read.vulndbGeneration()).isEqualTo(4);
        assertThat(read.counts()).isEqualTo(new Counts(0, 0, 1, 0, 0));
        assertThat(read.sbomDigest()).isEqualTo("sha256:sbom");
        assertThat(read.inventoryDigest()).isEqualTo("sha256:inv");
        nodeA.scans().putReport(new Report("sha256:ee", "other/app", "1.0", 4, T0, "None", new Counts(0, 0, 0, 0, 0),
                "{}", null, null), List.of("pypi:requests"));
        assertThat(nodeB.scans().scannedWith(Set.of("debian:glibc"))).isEmpty();
        assertThat(nodeB.scans().scannedWith(Set.of("debian:zlib", "pypi:requests"))).containsExactlyInAnyOrder(
                new ScanStore.Scanned("library/debian", "sha256:dd"), new ScanStore.Scanned("other/app", "sha256:ee"));
        assertThat(nodeB.scans().report("sha256:zz")).isEmpty();
        assertThat(nodeB.scans().oldestReportGeneration()).contains(4L);
    }
}
