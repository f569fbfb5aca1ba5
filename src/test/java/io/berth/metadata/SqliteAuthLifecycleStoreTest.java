package io.berth.metadata;

import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.io.TempDir;

/** The auth and lifecycle races on one SQLite file opened twice (the server and the command line, say). */
class SqliteAuthLifecycleStoreTest extends AuthLifecycleStoreContract {
    @TempDir
    Path dir;

    @Override
    protected Supplier<MetadataDatabase> sharedDatabase(Clock clock) {
        Path file = dir.resolve("berth-" + UUID.randomUUID() + ".db");
        return () -> MetadataDatabase.sqlite(file, clock);
    }
}
