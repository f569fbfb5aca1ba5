package io.berth.metadata;

import io.berth.testing.PostgresServer;
import java.time.Clock;
import java.util.function.Supplier;

/** The scan store on a real PostgreSQL server: two nodes' stores on a fresh database per test. */
class PostgresScanStoreTest extends ScanStoreContract {
    private static final PostgresServer server = PostgresServer.shared();

    @Override
    protected Supplier<MetadataDatabase> sharedDatabase(Clock clock) {
        String url = server.jdbcUrl(server.createDatabase());
        return () -> MetadataDatabase.postgres(url, PostgresServer.USER, "", 8, clock);
    }
}
