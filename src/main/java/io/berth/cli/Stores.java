package io.berth.cli;

import io.berth.config.BerthConfig;
import io.berth.metadata.JdbcMetadataStore;
import io.berth.metadata.MetadataStore;
import io.berth.storage.BlobStore;
import io.berth.storage.FileSystemBlobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;

/** Opens the two stores the configuration names. */
final class Stores {
    private Stores() {}

    static MetadataStore metadata(BerthConfig config, Clock clock) {
        String url = config.metadata().url();
        if (url == null || url.isBlank()) {
            return JdbcMetadataStore.sqlite(config.data().resolve("berth.db"), clock);
        }
        if (url.startsWith("jdbc:sqlite:")) {
            return JdbcMetadataStore.sqlite(java.nio.file.Path.of(url.substring("jdbc:sqlite:".length())), clock);
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return JdbcMetadataStore.postgres(url, config.metadata().user(), config.metadata().password(),
                    config.metadata().poolSize(), clock);
        }
        throw new io.berth.config.ConfigException("metadata.url must be jdbc:sqlite:... or jdbc:postgresql:...");
    }

    static BlobStore blobs(BerthConfig config) {
        try {
            return new FileSystemBlobStore(config.storageRoot());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open blob storage at " + config.storageRoot(), e);
        }
    }
}
