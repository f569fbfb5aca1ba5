package io.berth.boot;

import io.berth.auth.PrivateFiles;
import io.berth.config.BerthConfig;
import io.berth.config.ConfigException;
import io.berth.metadata.MetadataDatabase;
import io.berth.storage.BlobStore;
import io.berth.storage.DiskReserve;
import io.berth.storage.FileSystemBlobStore;
import io.berth.storage.S3BlobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;

/** Opens the two stores the configuration names; nothing above this package opens a store. */
public final class Stores {
    private Stores() {}

    /** The metadata database the configuration names, with its metadata, auth and lifecycle stores. */
    static MetadataDatabase database(BerthConfig config, Clock clock) {
        createDataDirectory(config);
        String url = config.metadata().url();
        if (url == null || url.isBlank()) {
            return sqlite(config.data().resolve("berth.db"), config, clock);
        }
        if (url.startsWith("jdbc:sqlite:")) {
            return sqlite(Path.of(url.substring("jdbc:sqlite:".length())), config, clock);
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return MetadataDatabase.postgres(url, config.metadata().user(), config.metadata().password(),
                    config.metadata().poolSize(), config.metadata().connectTimeout(), config.metadata().socketTimeout(),
                    clock);
        }
        throw new ConfigException("metadata.url must be jdbc:sqlite:... or jdbc:postgresql:...");
    }

    /**
     * The database holds password and token hashes: it is made 0600 before SQLite opens it (SQLite gives its -wal
     * and -shm files the database file's mode).
     */
    private static MetadataDatabase sqlite(Path file, BerthConfig config, Clock clock) {
        try {
            PrivateFiles.createFileIfMissing(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file, e);
        }
        return MetadataDatabase.sqlite(file, clock, config.metadata().sqliteSynchronous());
    }

    /** The data directory holds the database and the signing key: a new one is made 0700. */
    static void createDataDirectory(BerthConfig config) {
        try {
            PrivateFiles.createDirectories(config.data());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + config.data(), e);
        }
    }

    static BlobStore blobs(BerthConfig config) {
        return blobs(config, null);
    }

    /** The blob store; a filesystem store's writes release reserve when the disk fills up (null: none). */
    static BlobStore blobs(BerthConfig config, DiskReserve reserve) {
        createDataDirectory(config);
        String type = config.storage().type() == null ? "" : config.storage().type().trim();
        return switch (type) {
            case "filesystem", "" -> {
                try {
                    yield new FileSystemBlobStore(config.storageRoot(), reserve);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot open blob storage at " + config.storageRoot(), e);
                }
            }
            case "s3" -> {
                S3BlobStore.Options options = s3Options(config);
                try {
                    yield S3BlobStore.open(options);
                } catch (IOException e) {
                    throw new UncheckedIOException(e.getMessage(), e);
                }
            }
            default -> throw new ConfigException("storage.type must be filesystem or s3, got " + type);
        };
    }

    /** The JDBC URL a configuration's metadata store uses (the same rule as {@link #database}). */
    public static String jdbcUrl(BerthConfig config) {
        String url = config.metadata().url();
        if (url == null || url.isBlank()) {
            return "jdbc:sqlite:" + config.data().resolve("berth.db").toAbsolutePath().normalize();
        }
        return url.trim();
    }

    /** "[storage + metadata URL]", the password hidden: the stores a configuration names, for people to read. */
    public static String describe(BerthConfig config) {
        String url = jdbcUrl(config);
        String storage = "s3".equals(config.storage().type())
                ? "s3://" + config.storage().s3().bucket() + "/" + config.storage().s3().prefix()
                : config.storageRoot().toAbsolutePath().normalize().toString();
        return "[" + storage + " + " + url.replaceAll("password=[^&]*", "password=***") + "]";
    }

    /** The S3 store's options from storage.s3; appends spool their bytes under {@code <data>/s3-spool}. */
    static S3BlobStore.Options s3Options(BerthConfig config) {
        BerthConfig.S3 s3 = config.storage().s3();
        URI endpoint = null;
        if (s3.endpoint() != null && !s3.endpoint().isBlank()) {
            try {
                endpoint = new URI(s3.endpoint().trim());
            } catch (URISyntaxException e) {
                throw new ConfigException("storage.s3.endpoint is not a URL: " + s3.endpoint());
            }
            if (endpoint.getScheme() == null || endpoint.getHost() == null) {
                throw new ConfigException("storage.s3.endpoint must be an absolute URL like http://minio:9000, got "
                        + s3.endpoint());
            }
        }
        try {
            return new S3BlobStore.Options(endpoint, s3.region(), s3.bucket(), s3.prefix(), s3.pathStyle(), s3.accessKey(),
                    s3.secretKey(), s3.partSize().bytes(), s3.redirect(), config.data().resolve("s3-spool"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }
}
