package io.berth.cli;

import io.berth.boot.Instance;
import io.berth.boot.Stores;
import io.berth.config.BerthConfig;
import io.berth.config.ConfigException;
import io.berth.config.ConfigLoader;
import io.berth.registry.BlobCopier;
import io.berth.registry.Migration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
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
        BerthConfig source = options.loadForStores(false);
        Map<String, String> targetFlags = new LinkedHashMap<>();
        if (toData != null) {
            targetFlags.put("data", toData.toString());
        }
        BerthConfig target = new ConfigLoader().load(to, System.getenv(), targetFlags);
        String sourceUrl = Stores.jdbcUrl(source);
        if (sourceUrl.equals(Stores.jdbcUrl(target))) {
            throw new ConfigException("source and target use the same metadata database " + sourceUrl);
        }
        if (sourceUrl.startsWith("jdbc:sqlite:") && !Files.exists(Path.of(sourceUrl.substring("jdbc:sqlite:".length())))) {
            throw new ConfigException("no Berth instance to copy: " + sourceUrl.substring("jdbc:sqlite:".length())
                    + " does not exist (check --data and --config)");
        }
        long started = System.nanoTime();
        String owner = "cli-" + ProcessHandle.current().pid();
        // Opening each metadata database brings its schema up to date (the target's is created here).
        try (Instance from = Instance.open(source, owner); Instance into = Instance.open(target, owner)) {
            System.out.println("copying " + Stores.describe(source) + " -> " + Stores.describe(target));
            Migration migration = from.migrationInto(into);
            Migration.BlobsCopied blobs = migration.copyBlobs(parallel, (n, total) -> System.out.printf("  %d of %d blobs%n",
                    n, total));
            System.out.printf(Locale.ROOT, "blobs: %d copied (%s, digests verified), %d already there%n",
                    blobs.copied(), BlobCopier.size(blobs.bytesCopied()), blobs.present());
            if (!blobs.failures().isEmpty()) {
                blobs.failures().forEach(f -> System.err.println("berth migrate: " + f));
                System.err.printf("berth migrate: %d of %d blobs could not be copied; no metadata was copied. Restore"
                        + " them from a backup (or delete the images that need them) and run again.%n",
                        blobs.failures().size(), blobs.blobs());
                return 1;
            }
            System.out.printf("%-20s %10s %10s%n", "table", "rows", "written");
            migration.copyTables(table -> System.out.printf(Locale.ROOT, "%-20s %10d %10d%n", table.table(),
                    table.rows(), table.written()));
            long uploads = migration.uploadsInProgress();
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
}
