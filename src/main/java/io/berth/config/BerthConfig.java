package io.berth.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Berth's whole configuration as one typed tree. Defaults live in {@code defaults.yaml} beside this class; a YAML
 * file, BERTH_* environment variables and command-line flags override them in that order (see docs/CONFIGURATION.md).
 */
public record BerthConfig(Path data, Http http, Storage storage, Metadata metadata, Uploads uploads, Auth auth, Log log) {

    /** @param listen host:port to listen on; @param externalUrl absolute base URL clients use (optional) */
    public record Http(String listen, String externalUrl, int eventLoopThreads, int maxBlockingTasks, Tls tls) {}

    /** PEM files; TLS is on when both are set. */
    public record Tls(String certificate, String key) {
        public boolean enabled() {
            return certificate != null && !certificate.isBlank() && key != null && !key.isBlank();
        }
    }

    public record Auth(boolean enabled, String service, String issuer, String realm, Duration tokenTtl,
                       Duration refreshTtl, String keyFile, String adminPassword, int maxFailuresPerMinute,
                       ExternalIssuer external) {}

    /** Tokens of another issuer that Berth trusts; off while issuer is empty. */
    public record ExternalIssuer(String issuer, String audience, String jwksFile) {
        public boolean enabled() {
            return issuer != null && !issuer.isBlank();
        }
    }

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
