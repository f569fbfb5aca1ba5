package io.berth.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Berth's whole configuration as one typed tree. Defaults live in {@code defaults.yaml} beside this class; a YAML
 * file, BERTH_* environment variables and command-line flags override them in that order (see docs/CONFIGURATION.md).
 */
public record BerthConfig(Path data, Http http, Storage storage, Metadata metadata, Uploads uploads, Auth auth, Gc gc,
                          History history, RetentionSchedule retention, Log log, Ui ui, Scanning scanning,
                          Metrics metrics) {

    /**
     * Vulnerability scanning: the largest OSV import the API accepts (POST /api/v1/vulndb); whether a push queues a
     * scan (once a database is imported); how many scans run at once on this node; how long a node's claim on a
     * running scan lasts without renewal (another node takes the scan over after it); how often idle workers look
     * for queued scans (queued elsewhere, or by a command).
     */
    public record Scanning(ByteSize maxImportSize, boolean onPush, int workers, Duration lease, Duration pollInterval) {}

    /**
     * Prometheus metrics at {@code GET /metrics}.
     *
     * @param listen    host:port of a listener of their own (only {@code /metrics}, open); empty: the main port
     * @param anonymous with access control on, anonymous callers may read {@code /metrics} on the main port (else
     *                  any authenticated user or robot)
     */
    public record Metrics(boolean enabled, String listen, boolean anonymous) {}

    /**
     * The web UI at / (login sessions last sessionTtl from login); registryHost: host[:port] its pull commands name
     * (empty: the request's Host).
     */
    public record Ui(boolean enabled, Duration sessionTtl, String registryHost) {}

    public record Gc(boolean enabled, Duration interval, Duration gracePeriod, boolean untaggedManifests) {}

    public record History(Duration window) {}

    public record RetentionSchedule(Duration interval) {}

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

    /**
     * @param type filesystem (blobs under root) or s3 (blobs in a bucket, for several nodes)
     * @param root filesystem: blob directory; empty means {@code <data>}
     */
    public record Storage(String type, String root, S3 s3) {}

    /**
     * An S3-compatible bucket (storage.type s3).
     *
     * @param endpoint  service URL; empty means AWS S3 in region
     * @param region    signing region; empty means the AWS SDK's default (AWS_REGION, profile), else us-east-1
     * @param prefix    key prefix inside the bucket
     * @param pathStyle bucket in the URL path rather than the host name (MinIO, Ceph RGW, most self-hosted services)
     * @param accessKey with secretKey: static credentials; empty means the AWS SDK's default chain
     * @param partSize  size of every part of a multipart upload but the last (5MiB to 5GiB)
     * @param redirect  answer blob downloads with a redirect to a presigned URL of the bucket
     */
    public record S3(String endpoint, String region, String bucket, String prefix, boolean pathStyle, String accessKey,
                     String secretKey, ByteSize partSize, boolean redirect) {}

    /**
     * @param url            JDBC URL; empty means SQLite at {@code <data>/berth.db}
     * @param connectTimeout PostgreSQL: how long a request waits for a database connection before it fails with 503
     * @param socketTimeout  PostgreSQL: how long a query may go without an answer from the server (0s: no limit)
     */
    public record Metadata(String url, String user, String password, int poolSize, String sqliteSynchronous,
                           Duration connectTimeout, Duration socketTimeout) {}

    public record Uploads(Duration maxAge, Duration purgeInterval) {}

    /**
     * @param access one line per request on the "access" logger
     * @param format {@code text} (one line of text per event) or {@code json} (one JSON object per line)
     */
    public record Log(String level, boolean access, String format) {
        public boolean json() {
            return "json".equals(format);
        }
    }

    public Path storageRoot() {
        return storage.root() == null || storage.root().isBlank() ? data : Path.of(storage.root());
    }
}
