package io.berth.bench.jmh;

import io.berth.metadata.MetadataDatabase;
import io.berth.metadata.MetadataStore;
import io.berth.model.UploadSession;
import io.berth.oci.RepositoryName;
import io.berth.registry.UploadWriter;
import io.berth.registry.Uploads;
import io.berth.storage.FileSystemBlobStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The upload writer's work on the event loop for one received chunk: append to the upload file (page cache) and
 * update the running digest. This is the per-byte cost of a push before fsync; MB/s = chunk bytes / time per op.
 * Each iteration writes into a fresh upload that is cancelled (and its file deleted) afterwards.
 * Run: {@code bench/jmh.sh UploadBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class UploadBenchmark {
    @Param({"65536"})
    int chunkBytes;

    private Path dir;
    private MetadataStore metadata;
    private Uploads uploads;
    private RepositoryName repository;
    private ByteBuffer chunk;
    private UploadSession session;
    private UploadWriter writer;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path fixtures = Path.of(System.getProperty("berth.bench.fixtures", System.getProperty("java.io.tmpdir")));
        Files.createDirectories(fixtures);
        dir = Files.createTempDirectory(fixtures, "berth-jmh-upload-");
        Clock clock = Clock.systemUTC();
        metadata = MetadataDatabase.sqlite(dir.resolve("berth.db"), clock).metadata();
        uploads = new Uploads(metadata, new FileSystemBlobStore(dir), clock);
        repository = new RepositoryName("bench/upload");
        byte[] bytes = new byte[chunkBytes];
        new SplittableRandom(7).nextBytes(bytes);
        chunk = ByteBuffer.allocateDirect(chunkBytes);
        chunk.put(bytes).flip();
    }

    @Setup(Level.Iteration)
    public void startUpload() {
        session = uploads.start(repository, "sha256");
        writer = uploads.openWriter(repository, session.id(), null, null);
    }

    @Benchmark
    public UploadWriter writeChunk() {
        writer.write(chunk.duplicate());
        return writer;
    }

    @TearDown(Level.Iteration)
    public void cancelUpload() {
        writer.abort();
        uploads.cancel(repository, session.id());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        metadata.close();
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
