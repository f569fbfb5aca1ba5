-- The vulnerability database: OSV records as osv.dev distributes them, imported by the operator (berth vulndb
-- import). ${blob} is BLOB on SQLite and BYTEA on PostgreSQL.

-- The import generation: bumped by every import that changes a record, in the import's transaction. One row.
CREATE TABLE vuln_state (
    id          INTEGER PRIMARY KEY,
    generation  BIGINT NOT NULL
);
INSERT INTO vuln_state (id, generation) VALUES (1, 0);

-- What was imported: one row per source (the ecosystems its records name, e.g. "Debian" for Debian's all.zip), with
-- the digest of its content, so the same file imported again is recognised and changes nothing.
CREATE TABLE vuln_sources (
    name            VARCHAR(255) ${text_collation} PRIMARY KEY,
    generation      BIGINT NOT NULL,
    record_count    BIGINT NOT NULL,
    content_digest  VARCHAR(200) NOT NULL,
    imported_at     BIGINT NOT NULL
);

-- One OSV record: its id, modified time as the record gives it (and in epoch microseconds, to compare), withdrawn
-- time (withdrawn records are kept and never matched), aliases (a JSON array), the generation that last changed it,
-- the SHA-256 of its JSON and the JSON itself (body), deflated.
CREATE TABLE vuln_records (
    id            VARCHAR(255) ${text_collation} PRIMARY KEY,
    modified      VARCHAR(64) NOT NULL,
    modified_us   BIGINT NOT NULL,
    withdrawn     VARCHAR(64),
    aliases       TEXT NOT NULL,
    generation    BIGINT NOT NULL,
    body_sha256   VARCHAR(64) NOT NULL,
    body          ${blob} NOT NULL
);

-- Every (ecosystem, package) a record names in affected[].package: ecosystem exactly as given ("Debian:12") and its
-- base (before ':', "Debian"), so "the records naming package P in ecosystem E" is one indexed query either way.
CREATE TABLE vuln_packages (
    ecosystem  VARCHAR(255) ${text_collation} NOT NULL,
    base       VARCHAR(255) ${text_collation} NOT NULL,
    name       VARCHAR(512) ${text_collation} NOT NULL,
    record_id  VARCHAR(255) ${text_collation} NOT NULL,
    PRIMARY KEY (ecosystem, name, record_id)
);
CREATE INDEX vuln_packages_by_base ON vuln_packages (base, name);
CREATE INDEX vuln_packages_by_record ON vuln_packages (record_id);

-- The packages each generation changed (named by a record added, replaced or withdrawn, before or after the change):
-- what a rescan after an import looks at.
CREATE TABLE vuln_changes (
    generation  BIGINT NOT NULL,
    ecosystem   VARCHAR(255) ${text_collation} NOT NULL,
    name        VARCHAR(512) ${text_collation} NOT NULL,
    PRIMARY KEY (generation, ecosystem, name)
);
