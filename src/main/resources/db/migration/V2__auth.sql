-- Access control: users, namespaces with members, robot tokens, refresh tokens, and the audit log.

CREATE TABLE users (
    name           VARCHAR(64) ${text_collation} PRIMARY KEY,
    password_hash  VARCHAR(255) NOT NULL,
    admin          INTEGER NOT NULL DEFAULT 0,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL
);

CREATE TABLE namespaces (
    name        VARCHAR(255) ${text_collation} PRIMARY KEY,
    public      INTEGER NOT NULL DEFAULT 0,
    created_by  VARCHAR(64),
    created_at  BIGINT NOT NULL
);

CREATE TABLE namespace_members (
    namespace  VARCHAR(255) ${text_collation} NOT NULL,
    username   VARCHAR(64) ${text_collation} NOT NULL,
    role       VARCHAR(16) NOT NULL,
    PRIMARY KEY (namespace, username)
);
CREATE INDEX namespace_members_by_user ON namespace_members (username);

-- Robot tokens: a secret shown once, kept only as a hash; limited to repository patterns and actions.
CREATE TABLE robot_tokens (
    id            VARCHAR(32) PRIMARY KEY,
    name          VARCHAR(128) NOT NULL,
    created_by    VARCHAR(64) NOT NULL,
    namespace     VARCHAR(255) ${text_collation},
    repositories  TEXT NOT NULL,
    actions       VARCHAR(64) NOT NULL,
    secret_hash   VARCHAR(128) NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    revoked_at    BIGINT,
    last_used_at  BIGINT
);

CREATE TABLE refresh_tokens (
    id           VARCHAR(32) PRIMARY KEY,
    subject      VARCHAR(64) NOT NULL,
    secret_hash  VARCHAR(128) NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX refresh_tokens_by_subject ON refresh_tokens (subject);

CREATE TABLE audit_log (
    id      VARCHAR(32) PRIMARY KEY,
    at      BIGINT NOT NULL,
    actor   VARCHAR(128) NOT NULL,
    action  VARCHAR(64) NOT NULL,
    target  VARCHAR(512),
    source  VARCHAR(128),
    detail  TEXT
);
CREATE INDEX audit_log_by_time ON audit_log (at);
