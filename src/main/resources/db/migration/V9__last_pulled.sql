-- When a manifest, and any manifest of a repository, was last pulled (a GET of the manifest through /v2/); null:
-- not since this column exists. Written in batches from memory every few seconds (registry.PullTimes), never by the
-- pull itself, so a pull costs no database write.
ALTER TABLE manifests ADD COLUMN last_pulled_at BIGINT;
ALTER TABLE repositories ADD COLUMN last_pulled_at BIGINT;
