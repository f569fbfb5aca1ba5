package io.berth.metadata;

import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

/** The listing queries on SQLite. */
class SqliteListingQueriesTest extends ListingQueriesContract {
    @TempDir
    Path dir;

    @Override
    protected MetadataStore openStore() {
        return MetadataDatabase.sqlite(dir.resolve("berth.db"), Clock.systemUTC()).metadata();
    }
}
