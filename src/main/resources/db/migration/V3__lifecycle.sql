-- Lifecycle: tag history, immutable tag rules, retention rules, quotas, garbage collection.

-- Every tag move: previous and new digest (NULL for a created or removed tag), who, when, through which operation.
CREATE TABLE tag_history (
    id               VARCHAR(32) PRIMARY KEY,
    repository       VARCHAR(255) ${text_collation} NOT NULL,
    tag              VARCHAR(128) ${text_collation} NOT NULL,
    previous_digest  VARCHAR(200),
    new_digest       VARCHAR(200),
    actor            VARCHAR(128) NOT NULL,
    operation        VARCHAR(32) NOT NULL,
    at               BIGINT NOT NULL
);
CREATE INDEX tag_history_by_tag ON tag_history (repository, tag, at);
CREATE INDEX tag_history_by_time ON tag_history (at);

CREATE TABLE immutable_rules (
    namespace   VARCHAR(255) ${text_collation} NOT NULL,
    pattern     VARCHAR(128) NOT NULL,
    created_by  VARCHAR(128) NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (namespace, pattern)
);

CREATE TABLE retention_rules (
    id             VARCHAR(32) PRIMARY KEY,
    namespace      VARCHAR(255) ${text_collation} NOT NULL,
    pattern        VARCHAR(128) NOT NULL,
    keep_last      INTEGER,
    max_age_days   INTEGER,
    keep_patterns  TEXT NOT NULL,
    created_by     VARCHAR(128) NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX retention_rules_by_namespace ON retention_rules (namespace);

CREATE TABLE quotas (
    namespace    VARCHAR(255) ${text_collation} PRIMARY KEY,
    limit_bytes  BIGINT NOT NULL
);

-- When a blob link or manifest was last pushed, mounted or checked (HEAD); garbage collection waits a grace period
-- from it, because docker never re-uploads a blob it was told exists.
ALTER TABLE repository_blobs ADD COLUMN touched_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE manifests ADD COLUMN touched_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE blobs ADD COLUMN state VARCHAR(16) NOT NULL DEFAULT 'live';

-- One node at a time runs a collection: a lease in the metadata store.
CREATE TABLE leases (
    name        VARCHAR(64) PRIMARY KEY,
    owner       VARCHAR(64) NOT NULL,
    expires_at  BIGINT NOT NULL
);
