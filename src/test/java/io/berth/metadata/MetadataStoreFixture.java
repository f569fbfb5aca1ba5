package io.berth.metadata;

import io.berth.oci.Digest;
import io.berth.testing.PostgresServer;
import io.berth.testing.StoreFixture;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/** A fresh MetadataStore for each test (opened by the implementation's test), and what its tests share. */
abstract class MetadataStoreFixture extends StoreFixture<MetadataStore> {
    /** A store on a fresh database of server. */
    static MetadataStore postgresStore(PostgresServer server) {
        return MetadataDatabase.postgres(server.jdbcUrl(server.createDatabase()), PostgresServer.USER, "", 8,
                Clock.systemUTC()).metadata();
    }

    /** The sha256 digest of content's UTF-8 bytes. */
    static Digest digest(String content) {
        return Digest.sha256(content.getBytes(StandardCharsets.UTF_8));
    }
}
