-- Vulnerability scans (io.berth.scan): the queue of scan jobs, the reports, and which packages each scanned image
-- holds (so that an import rescans only the images whose packages its records name).

-- One job per (repository, manifest digest). state: queued, running, done, failed. A node takes a queued job, or a
-- running one whose lease expired (its node died), by setting lease_owner and lease_until; seq is bumped by every
-- request for a scan, so a request that arrives while the job runs queues it again when that run ends.
CREATE TABLE scan_jobs (
    repository   VARCHAR(255) ${text_collation} NOT NULL,
    digest       VARCHAR(200) ${text_collation} NOT NULL,
    state        VARCHAR(16) NOT NULL,
    reason       VARCHAR(32) NOT NULL,
    seq          BIGINT NOT NULL,
    attempts     INTEGER NOT NULL,
    lease_owner  VARCHAR(200),
    lease_until  BIGINT,
    queued_at    BIGINT NOT NULL,
    finished_at  BIGINT,
    error        TEXT,
    PRIMARY KEY (repository, digest)
);
CREATE INDEX scan_jobs_state ON scan_jobs (state, queued_at);

-- The last report of a manifest (by digest: a report depends only on the content and the database), as the report
-- API serves it (report: JSON), with the scanner's version, the database generation it was matched against, its
-- counts by severity and the SBOM referrer stored for it (sbom_digest, inventory_digest: what the SBOM described).
CREATE TABLE scan_reports (
    digest             VARCHAR(200) ${text_collation} PRIMARY KEY,
    repository         VARCHAR(255) ${text_collation} NOT NULL,
    scanner_version    VARCHAR(64) NOT NULL,
    vulndb_generation  BIGINT NOT NULL,
    generated_at       BIGINT NOT NULL,
    worst              VARCHAR(16) NOT NULL,
    critical           INTEGER NOT NULL,
    high               INTEGER NOT NULL,
    medium             INTEGER NOT NULL,
    low                INTEGER NOT NULL,
    other              INTEGER NOT NULL,
    report             TEXT NOT NULL,
    sbom_digest        VARCHAR(200),
    inventory_digest   VARCHAR(200)
);

-- The packages of each scanned manifest, by the key OSV records are filed under (scan.osv.Matcher.key: the base
-- ecosystem, lower case, and the package name, the source package's for Debian and Alpine). Rewritten with each report.
CREATE TABLE scan_packages (
    pkg_key  VARCHAR(400) ${text_collation} NOT NULL,
    digest   VARCHAR(200) ${text_collation} NOT NULL,
    PRIMARY KEY (pkg_key, digest)
);
CREATE INDEX scan_packages_digest ON scan_packages (digest);
