package io.berth.metadata;

import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.io.TempDir;

/** The scan store on one SQLite file opened twice (the server and the command line, say). */
class SqliteScanStoreTest extends ScanStoreContract {
    @TempDir
    Path dir;

    @Override
    protected Supplier<MetadataDatabase> sharedDatabase(Clock clock) {
        Path file = dir.resolve("berth-" + UUID.randomUUID() + ".db");
        return () -> MetadataDatabase.sqlite(file, clock);
    }
}
