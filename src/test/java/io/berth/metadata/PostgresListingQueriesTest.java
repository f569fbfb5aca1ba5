package io.berth.metadata;

import io.berth.testing.PostgresServer;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The listing queries on a real PostgreSQL server, a fresh database per test. */
class PostgresListingQueriesTest extends ListingQueriesContract {
    private static PostgresServer server;

    @BeforeAll
    static void startServer() {
        server = PostgresServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected MetadataStore openStore() {
        return MetadataDatabase.postgres(server.jdbcUrl(server.createDatabase()), PostgresServer.USER, "", 8,
                Clock.systemUTC()).metadata();
    }
}
