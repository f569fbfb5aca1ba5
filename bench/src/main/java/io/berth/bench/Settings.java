package io.berth.bench;

/** Sizes, counts and durations of one run; {@link #full()} is the benchmark, {@link #quick()} the CI smoke run. */
record Settings(
        int rounds,
        int layers,
        int layerBytes,
        int chunkBytes,
        int blobConcurrency,
        int pullPasses,
        int manifestConnections,
        double manifestWarmupSeconds,
        double manifestSeconds,
        int manifestTags,
        int smallRepositories,
        int smallTags,
        int smallLayerBytes,
        int baseLayerBytes,
        int workers,
        int catalogPageSize,
        double listingMinSeconds,
        int largeRepositories,
        int largeTags,
        long loopbackBytes,
        long sha256Bytes,
        int diskBlobs,
        int diskBlobBytes) {

    private static final int MIB = 1 << 20;

    static Settings full() {
        // 8 pull passes (4 GiB): with 4, a pull phase lasted about half a second on Berth and its ratio moved
        // 1.41–1.86x between runs of the same code.
        return new Settings(3, 8, 64 * MIB, 8 * MIB, 4, 8, 32, 3, 10, 16, 200, 5, 4096, MIB, 8, 100, 3, 10_000, 5_000,
                4L << 30, 1L << 30, 8, 64 * MIB);
    }

    static Settings quick() {
        return new Settings(1, 4, 2 * MIB, 512 * 1024, 4, 1, 32, 0.3, 1, 4, 10, 2, 4096, 64 * 1024, 8, 100, 0, 300, 200,
                256L * MIB, 64L * MIB, 4, 8 * MIB);
    }

    /**
     * The warm-up before a full run: enough of every workload (300 small images, 4 s of manifests, one full-size
     * image pushed each way and pulled twice each way) that Berth's JIT has compiled the write paths too, not only the
     * manifest reads, before anything is measured. With 32 MiB pushed each way (until 2026-11-27 afternoon), a JFR
     * recording still showed C2 compiling the request decoder and the digest update for 0.5–0.7 CPU-s inside the
     * first measured push of 512 MiB (more than half of Berth's CPU in it): socket reads of up to 1 MiB make the
     * per-read methods reach the compile thresholds only after a few hundred MiB. The reference, a Go binary, has
     * nothing to compile and gets the same requests.
     */
    static Settings warmUp() {
        return new Settings(1, 8, 64 * MIB, 8 * MIB, 4, 2, 32, 1, 3, 16, 100, 3, 4096, 64 * 1024, 8, 100, 1, 300, 200,
                256L * MIB, 64L * MIB, 4, 8 * MIB);
    }

    Settings withRounds(int n) {
        return new Settings(n, layers, layerBytes, chunkBytes, blobConcurrency, pullPasses, manifestConnections, manifestWarmupSeconds,
                manifestSeconds, manifestTags, smallRepositories, smallTags, smallLayerBytes, baseLayerBytes, workers,
                catalogPageSize, listingMinSeconds, largeRepositories, largeTags, loopbackBytes, sha256Bytes, diskBlobs,
                diskBlobBytes);
    }

    long imageBytes() {
        return (long) layers * layerBytes;
    }
}
