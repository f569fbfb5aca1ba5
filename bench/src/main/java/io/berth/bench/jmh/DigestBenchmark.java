package io.berth.bench.jmh;

import io.berth.oci.Digest;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
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
 * Digest verification as Berth does it: the running SHA-256 over each received chunk (a direct buffer, as Netty
 * hands it to the upload writer), the final comparison with the client's digest, and digests of manifest bytes.
 * MB/s of the streaming hash = chunk bytes / time per op. Run: {@code bench/jmh.sh DigestBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DigestBenchmark {
    @Param({"16384", "65536"})
    int chunkBytes;

    private ByteBuffer chunk;
    private MessageDigest running;
    private Digest expected;
    private byte[] computed;
    private byte[] manifest;
    private String digestText;

    @Setup
    public void setUp() {
        byte[] bytes = new byte[chunkBytes];
        new SplittableRandom(1).nextBytes(bytes);
        chunk = ByteBuffer.allocateDirect(chunkBytes);
        chunk.put(bytes).flip();
        running = Digest.newMessageDigest("sha256");
        manifest = Fixtures.imageManifest(8);
        expected = Digest.sha256(manifest);
        computed = Digest.newMessageDigest("sha256").digest(manifest);
        digestText = expected.toString();
    }

    /** The upload writer's hash step for one received chunk. */
    @Benchmark
    public MessageDigest hashChunk() {
        running.update(chunk.duplicate());
        return running;
    }

    /** Comparing the computed digest with the one the client sent (PUT ?digest=). */
    @Benchmark
    public boolean verifyDigest() {
        return expected.matches(computed);
    }

    /** Parsing and validating the client's digest parameter. */
    @Benchmark
    public Digest parseDigest() {
        return Digest.parse(digestText);
    }

    /** The digest of a pushed manifest (8 layers, about 1.6 KB). */
    @Benchmark
    public Digest manifestDigest() {
        return Digest.of("sha256", manifest);
    }

    /** For comparison: the hex formatting alone. */
    @Benchmark
    public String hexOnly() {
        return HexFormat.of().formatHex(computed);
    }
}
