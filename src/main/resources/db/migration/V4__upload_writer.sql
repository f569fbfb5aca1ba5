-- The request writing to an upload right now, across nodes: a lease renewed while bytes flow.
ALTER TABLE uploads ADD COLUMN writer VARCHAR(64);
ALTER TABLE uploads ADD COLUMN writer_until BIGINT NOT NULL DEFAULT 0;
