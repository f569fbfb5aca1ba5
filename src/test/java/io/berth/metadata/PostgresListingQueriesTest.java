package io.berth.metadata;

import io.berth.testing.PostgresServer;

/** The listing queries on a real PostgreSQL server, a fresh database per test. */
class PostgresListingQueriesTest extends ListingQueriesContract {
    private static final PostgresServer server = PostgresServer.shared();

    @Override
    protected MetadataStore openStore() {
        return postgresStore(server);
    }
}
