package io.berth.bench.jmh;

import io.berth.oci.Digest;
import io.berth.oci.Manifest;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Manifest parsing and validation on push ({@link Manifest#parse}): image manifests of 1 to 64 layers and an index.
 * Run: {@code bench/jmh.sh ManifestBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ManifestBenchmark {
    @Param({"1", "8", "64"})
    int layers;

    private byte[] manifest;
    private Digest manifestDigest;
    private byte[] index;
    private Digest indexDigest;

    @Setup
    public void setUp() {
        manifest = Fixtures.imageManifest(layers);
        manifestDigest = Digest.sha256(manifest);
        index = Fixtures.index(layers);
        indexDigest = Digest.sha256(index);
    }

    @Benchmark
    public Manifest parseImageManifest() {
        return Manifest.parse(manifest, "application/vnd.oci.image.manifest.v1+json", manifestDigest);
    }

    /** An index with as many children as the manifest has layers. */
    @Benchmark
    public Manifest parseIndex() {
        return Manifest.parse(index, "application/vnd.oci.image.index.v1+json", indexDigest);
    }
}
