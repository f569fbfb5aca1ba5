package io.berth.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Berth's whole configuration as one typed tree. Defaults live in {@code defaults.yaml} beside this class; a YAML
 * file, BERTH_* environment variables and command-line flags override them in that order (see docs/CONFIGURATION.md).
 */
public record BerthConfig(Path data, Http http, Storage storage, Metadata metadata, Uploads uploads, Log log) {

    /** @param listen host:port to listen on; @param externalUrl absolute base URL clients use (optional) */
    public record Http(String listen, String externalUrl, int eventLoopThreads, int maxBlockingTasks) {}

    /** @param root blob directory; empty means {@code <data>} */
    public record Storage(String root) {}

    /** @param url JDBC URL; empty means SQLite at {@code <data>/berth.db} */
    public record Metadata(String url, String user, String password, int poolSize) {}

    public record Uploads(Duration maxAge, Duration purgeInterval) {}

    /** @param access one line per request on the "access" logger */
    public record Log(String level, boolean access) {}

    public Path storageRoot() {
        return storage.root() == null || storage.root().isBlank() ? data : Path.of(storage.root());
    }
}
