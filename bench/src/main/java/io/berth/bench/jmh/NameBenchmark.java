package io.berth.bench.jmh;

import io.berth.oci.Reference;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Validation of every name from a request against the spec's grammar (invariant 5): repository names, tags, and
 * references, valid and hostile. Run: {@code bench/jmh.sh NameBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NameBenchmark {
    String shortName = "library/busybox";
    String longName = "team-platform/services/payments.api_v2/build-cache/linux-amd64";
    /** A long name that fails only at its end: what a hostile client sends to make a regex work. */
    String hostile = "a-" + "b-".repeat(120) + "-";
    String tag = "1.36.1-glibc";
    String digestReference = "sha256:" + "0123456789abcdef".repeat(4);

    @Benchmark
    public RepositoryName repositoryShort() {
        return new RepositoryName(shortName);
    }

    @Benchmark
    public RepositoryName repositoryLong() {
        return new RepositoryName(longName);
    }

    @Benchmark
    public boolean repositoryHostile() {
        return RepositoryName.isValid(hostile);
    }

    @Benchmark
    public Tag tag() {
        return new Tag(tag);
    }

    @Benchmark
    public Reference referenceTag() {
        return Reference.parse(tag);
    }

    @Benchmark
    public Reference referenceDigest() {
        return Reference.parse(digestReference);
    }
}
