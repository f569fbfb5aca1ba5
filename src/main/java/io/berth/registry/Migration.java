package io.berth.registry;

import io.berth.metadata.MetadataDatabase;
import io.berth.metadata.MetadataStore;
import io.berth.metadata.MetadataStore.BlobRecord;
import io.berth.storage.BlobStore;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Copies one instance's stores into another's (berth migrate): first every blob the metadata records, each verified
 * against its digest while it is copied, then the metadata tables row by row with their timestamps. Rows are
 * upserted by primary key, so a second run copies only what is missing or changed.
 */
public final class Migration {
    private final MetadataDatabase source;
    private final MetadataDatabase target;
    private final BlobStore from;
    private final BlobCopier copier;

    public Migration(MetadataDatabase source, BlobStore from, MetadataDatabase target, BlobStore into) {
        this.source = source;
        this.target = target;
        this.from = from;
        this.copier = new BlobCopier(into);
    }

    /** What copying the blobs did; failures name each blob that could not be copied, one line each. */
    public record BlobsCopied(int blobs, int copied, long bytesCopied, int present, List<String> failures) {}

    /** One metadata table copied: its rows, and how many of them were written. */
    public record TableCopied(String table, long rows, long written) {}

    /** Hears how many of the total blobs are done, every 1000 blobs. */
    @FunctionalInterface
    public interface Progress {
        void copied(int done, int total);
    }

    /** Copies every blob the source records, parallel at once. */
    public BlobsCopied copyBlobs(int parallel, Progress progress) throws InterruptedException {
        List<BlobRecord> blobs = blobRecords(source.metadata());
        List<String> failures = new ArrayList<>();
        AtomicInteger done = new AtomicInteger();
        try (ExecutorService copying = Executors.newFixedThreadPool(Math.max(1, parallel))) {
            List<Future<?>> futures = new ArrayList<>();
            for (BlobRecord blob : blobs) {
                futures.add(copying.submit(() -> {
                    copier.copy(blob.digest(), blob.size(), () -> open(blob));
                    int n = done.incrementAndGet();
                    if (n % 1000 == 0) {
                        progress.copied(n, blobs.size());
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
        return new BlobsCopied(blobs.size(), copier.copied(), copier.bytesCopied(), copier.present(), failures);
    }

    private InputStream open(BlobRecord blob) throws IOException {
        Optional<BlobStore.BlobContent> content = from.open(blob.digest(), OptionalLong.empty());
        if (content.isEmpty()) {
            throw new IOException("the source store lacks " + blob.digest());
        }
        BlobStore.BlobContent c = content.get();
        return new FilterInputStream(c.openStream(0, c.size())) {
            @Override
            public void close() throws IOException {
                try (c) {
                    super.close();
                }
            }
        };
    }

    /** Every blob record, in digest order. */
    private static List<BlobRecord> blobRecords(MetadataStore metadata) {
        List<BlobRecord> records = new ArrayList<>();
        for (List<BlobRecord> page = metadata.blobRecords(null, 1000); !page.isEmpty();
             page = metadata.blobRecords(page.getLast().digest(), 1000)) {
            records.addAll(page);
        }
        return records;
    }

    /** Copies the metadata tables (not uploads in progress, leases or the schema history), each reported once copied. */
    public void copyTables(Consumer<TableCopied> copied) {
        source.copyTablesInto(target, table -> copied.accept(new TableCopied(table.table(), table.rows(), table.written())));
    }

    /** Uploads in progress in the source, which are not copied (their clients start them again). */
    public long uploadsInProgress() {
        return source.uploadsInProgress();
    }
}
