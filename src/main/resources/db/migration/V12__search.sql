-- Search in the web UI by tag name and by digest prefix: a range on the leading column (name >= prefix AND
-- name < prefix's successor), paged by (name, repository). The primary keys lead with the repository, so without
-- these a search would read every tag or manifest.
CREATE INDEX tags_by_name ON tags (name, repository);
CREATE INDEX manifests_by_digest ON manifests (digest, repository);
