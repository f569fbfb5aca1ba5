-- A repository's tag-set version: set to a fresh random value in the transaction of every tag change, so a
-- node may keep a repository's tag list in memory and check, with one indexed read, that it is still current.
-- No row: the repository has never had a tag changed since this table exists (version 0).
CREATE TABLE tag_versions (
    repository  VARCHAR(255) ${text_collation} PRIMARY KEY,
    version     BIGINT NOT NULL
);
-- Repositories that have tags already get a version other than 0, so that one deleted and made anew (version 0)
-- is never taken for its former self.
INSERT INTO tag_versions (repository, version) SELECT DISTINCT repository, 1 FROM tags;
