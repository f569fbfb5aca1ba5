package io.berth.cli;

import io.berth.config.BerthConfig;
import io.berth.config.ConfigException;
import io.berth.config.ConfigLoader;
import io.berth.metadata.MetadataDatabase;
import io.berth.metadata.MetadataStore;
import io.berth.metadata.MetadataStore.BlobRecord;
import io.berth.oci.Digest;
import io.berth.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Copies an instance (the stores of --data/--config, typically the embedded filesystem + SQLite) into the stores
 * another configuration names (typically S3 + PostgreSQL): first every blob the metadata records, each verified
 * against its digest while it is copied, then the metadata tables row by row with their timestamps, so grace
 * periods, tag ages and tag history carry over. Rows are upserted by primary key, so a second run copies only what
 * is missing or changed; rows deleted from the source since an earlier run are not deleted from the target.
 * Uploads in progress, leases and the schema history are not copied.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {"Copy this instance (the stores of --data/--config) into the stores CONFIG names, e.g. from the"
                + " embedded filesystem + SQLite to S3 + PostgreSQL: every blob (digests verified), repository, blob link,"
                + " manifest, tag, tag history, user, namespace, token, rule and quota. Safe to run again: it copies"
                + " what is missing or changed.",
                "Stop pushes to the source first (or run once live, then again after stopping it)."})
final class MigrateCommand implements Callable<Integer> {
    @Mixin
    CommonOptions options;

    @Option(names = "--to", required = true, paramLabel = "CONFIG",
            description = "YAML configuration of the target stores (storage.*, metadata.*); BERTH_* variables apply to it too")
    Path to;

    @Option(names = "--to-data", paramLabel = "DIR",
            description = "Data directory for the target (S3 spools append bytes under it). Default: the target's own `data`")
    Path toData;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "8", description = "Blobs copied at once. Default: 8")
    int parallel;

    @Override
    public Integer call() throws Exception {
        BerthConfig source = options.load(Map.of());
        Map<String, String> targetFlags = new LinkedHashMap<>();
        if (toData != null) {
            targetFlags.put("data", toData.toString());
        }
        BerthConfig target = new ConfigLoader().load(to, System.getenv(), targetFlags);
        String sourceUrl = jdbcUrl(source);
        if (sourceUrl.equals(jdbcUrl(target))) {
            throw new ConfigException("source and target use the same metadata database " + sourceUrl);
        }
        if (sourceUrl.startsWith("jdbc:sqlite:") && !Files.exists(Path.of(sourceUrl.substring("jdbc:sqlite:".length())))) {
            throw new ConfigException("no Berth instance to copy: " + sourceUrl.substring("jdbc:sqlite:".length())
                    + " does not exist (check --data and --config)");
        }
        Clock clock = Clock.systemUTC();
        long started = System.nanoTime();
        // Opening each metadata database brings its schema up to date (the target's is created here).
        try (MetadataDatabase sourceDb = Stores.database(source, clock);
             MetadataDatabase targetDb = Stores.database(target, clock);
             BlobStore from = Stores.blobs(source); BlobStore into = Stores.blobs(target)) {
            System.out.println("copying " + describe(source) + " -> " + describe(target));
            List<BlobRecord> blobs = blobRecords(sourceDb.metadata());
            BlobCopier copier = new BlobCopier(into);
            List<String> failures = copyBlobs(blobs, from, copier);
            System.out.printf(Locale.ROOT, "blobs: %d copied (%s, digests verified), %d already there%n",
                    copier.copied(), BlobCopier.size(copier.bytesCopied()), copier.present());
            if (!failures.isEmpty()) {
                failures.forEach(f -> System.err.println("berth migrate: " + f));
                System.err.printf("berth migrate: %d of %d blobs could not be copied; no metadata was copied. Restore"
                        + " them from a backup (or delete the images that need them) and run again.%n", failures.size(), blobs.size());
                return 1;
            }
            System.out.printf("%-20s %10s %10s%n", "table", "rows", "written");
            sourceDb.copyTablesInto(targetDb, table -> System.out.printf(Locale.ROOT, "%-20s %10d %10d%n", table.table(),
                    table.rows(), table.written()));
            long uploads = sourceDb.uploadsInProgress();
            if (uploads > 0) {
                System.out.println("not copied: " + uploads + " upload(s) in progress; their clients start them again");
            }
        }
        Path key = source.data().resolve("auth").resolve("token-key.json");
        if (target.auth().keyFile().isBlank() && Files.exists(key)) {
            System.out.println("note: access tokens are signed with " + key + "; give every node that file (auth.keyFile)");
        }
        System.out.printf(Locale.ROOT, "done in %.1f s%n", (System.nanoTime() - started) / 1e9);
        return 0;
    }

    // ---- blobs

    /** Every blob record, in digest order. */
    private static List<BlobRecord> blobRecords(MetadataStore metadata) {
        List<BlobRecord> records = new ArrayList<>();
        for (List<BlobRecord> page = metadata.blobRecords(null, 1000); !page.isEmpty();
             page = metadata.blobRecords(page.getLast().digest(), 1000)) {
            records.addAll(page);
        }
        return records;
    }

    /** Copies every blob, parallel copies at once; returns what failed, one line each. */
    private List<String> copyBlobs(List<BlobRecord> blobs, BlobStore from, BlobCopier copier) throws InterruptedException {
        List<String> failures = new ArrayList<>();
        AtomicInteger done = new AtomicInteger();
        try (ExecutorService copying = Executors.newFixedThreadPool(Math.max(1, parallel))) {
            List<Future<?>> futures = new ArrayList<>();
            for (BlobRecord blob : blobs) {
                futures.add(copying.submit(() -> {
                    copier.copy(blob.digest(), blob.size(), () -> {
                        Optional<BlobStore.BlobContent> content = from.open(blob.digest(), OptionalLong.empty());
                        if (content.isEmpty()) {
                            throw new IOException("the source store lacks " + blob.digest());
                        }
                        BlobStore.BlobContent c = content.get();
                        InputStream in = c.openStream(0, c.size());
                        return new java.io.FilterInputStream(in) {
                            @Override
                            public void close() throws IOException {
                                try (c) {
                                    super.close();
                                }
                            }
                        };
                    });
                    int n = done.incrementAndGet();
                    if (n % 1000 == 0) {
                        System.out.printf("  %d of %d blobs%n", n, blobs.size());
                    }
                    return null;
                }));
            }
            for (int i = 0; i < futures.size(); i++) {
                try {
                    futures.get(i).get();
                } catch (ExecutionException e) {
                    failures.add(blobs.get(i).digest() + ": " + e.getCause().getMessage());
                }
            }
        }
        return failures;
    }

    /**
     * Copies blobs into a store, each verified against its digest on the way: small ones in one put, larger ones
     * streamed through an upload of the store, so no blob is held in memory and a bad one never becomes visible.
     * Blobs the store already holds (with the same size) are left alone.
     */
    static final class BlobCopier {
        /** Blobs up to this size are read into memory, verified, then stored with one put. */
        private static final int IN_MEMORY = 4 << 20;

        @FunctionalInterface
        interface Source {
            InputStream open() throws IOException;
        }

        private final BlobStore target;
        private final AtomicInteger copied = new AtomicInteger();
        private final AtomicInteger present = new AtomicInteger();
        private final AtomicLong bytesCopied = new AtomicLong();

        BlobCopier(BlobStore target) {
            this.target = target;
        }

        int copied() {
            return copied.get();
        }

        int present() {
            return present.get();
        }

        long bytesCopied() {
            return bytesCopied.get();
        }

        /** True when copied, false when the store held it already; IOException when the source is missing or bad. */
        boolean copy(Digest digest, long size, Source source) throws IOException {
            Optional<Long> held = target.size(digest);
            if (held.isPresent()) {
                if (held.get() != size) {
                    throw new IOException("the target holds " + digest + " with " + held.get() + " bytes, not " + size);
                }
                present.incrementAndGet();
                return false;
            }
            if (size <= IN_MEMORY) {
                byte[] bytes;
                try (InputStream in = source.open()) {
                    bytes = in.readNBytes(IN_MEMORY + 1);
                }
                check(digest, size, bytes.length, digest.newMessageDigest().digest(bytes));
                target.put(digest, bytes);
            } else {
                stream(digest, size, source);
            }
            copied.incrementAndGet();
            bytesCopied.addAndGet(size);
            return true;
        }

        private void stream(Digest digest, long size, Source source) throws IOException {
            BlobStore.Upload upload = target.openUpload("copy-" + UUID.randomUUID());
            upload.create();
            boolean committed = false;
            try {
                MessageDigest hash = digest.newMessageDigest();
                long length = 0;
                try (InputStream in = source.open(); BlobStore.UploadAppender appender = upload.append(0, null)) {
                    byte[] buffer = new byte[1 << 20];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        hash.update(buffer, 0, n);
                        appender.write(ByteBuffer.wrap(buffer, 0, n));
                        length += n;
                    }
                }
                check(digest, size, length, hash.digest());
                upload.commit(digest, length, null);
                committed = true;
            } finally {
                if (!committed) {
                    upload.delete();
                }
            }
        }

        private static void check(Digest digest, long size, long length, byte[] computed) throws IOException {
            if (length != size) {
                throw new IOException(digest + " has " + length + " bytes, expected " + size);
            }
            if (!digest.matches(computed)) {
                throw new IOException("the content of " + digest + " does not match its digest (corrupt)");
            }
        }

        static String size(long bytes) {
            if (bytes < 1 << 20) {
                return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
            }
            return bytes < 1L << 30 ? String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20))
                    : String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
    }

    // ---- metadata tables

    /** The JDBC URL a configuration's metadata store uses (the same rule as {@link Stores#database}). */
    private static String jdbcUrl(BerthConfig config) {
        String url = config.metadata().url();
        if (url == null || url.isBlank()) {
            return "jdbc:sqlite:" + config.data().resolve("berth.db").toAbsolutePath().normalize();
        }
        return url.trim();
    }

    private static String describe(BerthConfig config) {
        String url = jdbcUrl(config);
        String storage = "s3".equals(config.storage().type())
                ? "s3://" + config.storage().s3().bucket() + "/" + config.storage().s3().prefix()
                : config.storageRoot().toAbsolutePath().normalize().toString();
        return "[" + storage + " + " + url.replaceAll("password=[^&]*", "password=***") + "]";
    }
}
