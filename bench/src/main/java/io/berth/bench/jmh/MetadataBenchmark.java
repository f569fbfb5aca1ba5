package io.berth.bench.jmh;

import io.berth.metadata.MetadataDatabase;
import io.berth.metadata.MetadataStore;
import io.berth.model.ManifestRecord;
import io.berth.model.Page;
import io.berth.oci.Digest;
import io.berth.oci.RepositoryName;
import io.berth.oci.Manifest;
import io.berth.oci.Tag;
import io.berth.registry.ManifestCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Metadata lookups on the embedded store (SQLite, as {@code berth serve} opens it) behind the request paths:
 * manifest by tag (GET and HEAD of a manifest), the manifest bytes cache, blob reachability (blob GET), a catalog
 * page from the middle of the catalog, all tags of a repository with many tags, repository existence. Two
 * threads, as on the 2-core machine. Only the MetadataStore interface is used, so the benchmark does not follow
 * every change of the registry layer above it.
 *
 * <p>The store is filled once per parameter set (repositories each with one tagged image, one repository with
 * tags tags) in the fixtures directory (system property berth.bench.fixtures, default java.io.tmpdir) and reused
 * by later forks; filling 10,000 repositories takes a minute, every commit being fsynced.
 * Run: {@code bench/jmh.sh MetadataBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(2)
public class MetadataBenchmark {
    @Param({"10000"})
    int repositories;

    @Param({"5000"})
    int tags;

    private MetadataStore metadata;
    private ManifestCache cache;
    private RepositoryName[] names;
    private RepositoryName tagged;
    private Tag v1;
    private Digest layer;
    private Digest manifestDigest;
    private String middle;

    @State(Scope.Thread)
    public static class Cursor {
        private final SplittableRandom random = new SplittableRandom();

        int next(int bound) {
            return random.nextInt(bound);
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path fixtures = Path.of(System.getProperty("berth.bench.fixtures", System.getProperty("java.io.tmpdir")));
        Path dir = fixtures.resolve("berth-jmh-metadata-" + repositories + "-" + tags);
        Path complete = dir.resolve("complete");
        boolean filled = Files.exists(complete);
        if (!filled) {
            deleteTree(dir);
        }
        metadata = MetadataDatabase.sqlite(dir.resolve("berth.db"), Clock.systemUTC()).metadata();
        names = new RepositoryName[repositories];
        for (int i = 0; i < repositories; i++) {
            names[i] = new RepositoryName(String.format("team-%02d/service-%05d", i % 50, i));
        }
        tagged = new RepositoryName("team-00/many-tags");
        v1 = new Tag("v1");
        middle = names[repositories / 2].value();
        byte[] manifest = Fixtures.imageManifest(1);
        manifestDigest = Digest.sha256(manifest);
        Manifest parsed = Manifest.parse(manifest, "application/vnd.oci.image.manifest.v1+json", manifestDigest);
        layer = parsed.references().get(1).digest();
        cache = new ManifestCache(64L << 20);
        cache.put(manifestDigest, manifest);
        if (!filled) {
            for (var d : parsed.references()) {
                metadata.recordBlob(d.digest(), d.size());
            }
            for (RepositoryName name : names) {
                fill(name, parsed, List.of(v1));
            }
            fill(tagged, parsed, java.util.stream.IntStream.range(0, tags).mapToObj(t -> new Tag(String.format("t%05d", t))).toList());
            Files.writeString(complete, "filled\n");
        }
    }

    /** Links the manifest's blobs and stores it under tagNames, one transaction per 100 tags. */
    private void fill(RepositoryName name, Manifest parsed, List<Tag> tagNames) {
        List<Digest> blobs = parsed.references().stream().map(d -> d.digest()).toList();
        for (Digest blob : blobs) {
            metadata.linkBlob(name, blob);
        }
        ManifestRecord record = new ManifestRecord(name, parsed.digest(), parsed.mediaType(), parsed.size(), null,
                parsed.effectiveArtifactType(), parsed.annotations());
        for (int i = 0; i < tagNames.size(); i += 100) {
            metadata.putManifest(record, blobs, List.of(), tagNames.subList(i, Math.min(tagNames.size(), i + 100)));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        metadata.close();
    }

    /** GET or HEAD of a manifest by tag: the record (with its digest) from the store. */
    @Benchmark
    public Optional<ManifestRecord> manifestByTag(Cursor cursor) {
        return metadata.manifestByTag(names[cursor.next(repositories)], v1);
    }

    /** GET of a manifest: its bytes from the cache by digest. */
    @Benchmark
    public byte[] manifestBytesCached() {
        return cache.get(manifestDigest);
    }

    /** The reachability check of a blob GET. */
    @Benchmark
    public Optional<Long> blobLinked(Cursor cursor) {
        return metadata.linkedBlobSize(names[cursor.next(repositories)], layer);
    }

    @Benchmark
    public boolean repositoryExists(Cursor cursor) {
        return metadata.repositoryExists(names[cursor.next(repositories)]);
    }

    /** One catalog page of 100 names after the middle of the catalog (keyset pagination). */
    @Benchmark
    public Page<String> catalogPage() {
        return metadata.repositories(middle, 100);
    }

    /** All tags of the repository with many tags, as a tags/list without n asks. */
    @Benchmark
    public Page<String> allTags() {
        return metadata.tags(tagged, null, 1_000_000);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
