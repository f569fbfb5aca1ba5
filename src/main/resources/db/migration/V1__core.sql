-- Berth's core schema. One schema serves SQLite and PostgreSQL; ${text_collation} makes name and tag columns
-- compare in byte order on PostgreSQL (SQLite's default BINARY collation already does).

CREATE TABLE repositories (
    name        VARCHAR(255) ${text_collation} PRIMARY KEY,
    created_at  BIGINT NOT NULL
);

-- Blobs the blob store holds, whatever repository they were pushed to.
CREATE TABLE blobs (
    digest      VARCHAR(200) PRIMARY KEY,
    size        BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- A blob is reachable through a repository only once it was uploaded to or mounted into it.
CREATE TABLE repository_blobs (
    repository  VARCHAR(255) ${text_collation} NOT NULL,
    digest      VARCHAR(200) NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (repository, digest)
);
CREATE INDEX repository_blobs_by_digest ON repository_blobs (digest);

CREATE TABLE manifests (
    repository     VARCHAR(255) ${text_collation} NOT NULL,
    digest         VARCHAR(200) NOT NULL,
    media_type     VARCHAR(255) NOT NULL,
    size           BIGINT NOT NULL,
    subject        VARCHAR(200),
    artifact_type  VARCHAR(255),
    annotations    TEXT,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (repository, digest)
);
CREATE INDEX manifests_by_subject ON manifests (repository, subject);

-- Blobs (kind 'b') and child manifests (kind 'm') a manifest references.
CREATE TABLE manifest_references (
    repository       VARCHAR(255) ${text_collation} NOT NULL,
    manifest_digest  VARCHAR(200) NOT NULL,
    child_digest     VARCHAR(200) NOT NULL,
    kind             CHAR(1) NOT NULL,
    PRIMARY KEY (repository, manifest_digest, child_digest)
);
CREATE INDEX manifest_references_by_child ON manifest_references (repository, child_digest);

CREATE TABLE tags (
    repository       VARCHAR(255) ${text_collation} NOT NULL,
    name             VARCHAR(128) ${text_collation} NOT NULL,
    manifest_digest  VARCHAR(200) NOT NULL,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (repository, name)
);
CREATE INDEX tags_by_manifest ON tags (repository, manifest_digest);

CREATE TABLE uploads (
    id          VARCHAR(64) PRIMARY KEY,
    repository  VARCHAR(255) ${text_collation} NOT NULL,
    algorithm   VARCHAR(16) NOT NULL,
    byte_offset BIGINT NOT NULL,
    started_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX uploads_by_updated ON uploads (updated_at);
