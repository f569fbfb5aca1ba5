package io.berth.metadata;

import io.berth.model.Listings.LastPull;
import io.berth.model.Listings.RepositorySummary;
import io.berth.model.Listings.SearchHit;
import io.berth.model.Listings.TagSummary;
import io.berth.model.Listings.UntaggedManifest;
import io.berth.model.ManifestRecord;
import io.berth.model.Page;
import io.berth.model.TagChange;
import io.berth.model.TagMove;
import io.berth.model.UploadSession;
import io.berth.oci.Digest;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The metadata store on JDBC (SQLite for the embedded default, PostgreSQL for scale-out), one class per concept: blob
 * links ({@link JdbcBlobLinks}), manifests ({@link JdbcManifests}), tags with their history ({@link JdbcTags}) and
 * upload sessions ({@link JdbcUploadSessions}). Opened by {@link MetadataDatabase}.
 *
 * <p>Check-then-act steps stay correct when several processes share the database. SQLite takes its write lock when a
 * transaction begins, so write transactions run one at a time. PostgreSQL runs them side by side in READ COMMITTED,
 * so each one locks the rows its checks depend on: a push holds a share lock on its repository, on the blob links and
 * child manifests it checks, and an update lock on its manifest and tags; a delete holds an update lock on the row it
 * deletes. Whichever comes second waits, then sees the other's committed result (a refused push, a refused delete,
 * or a push that starts over). Locks are taken in one order (repository, blob links, manifests, tags by name); a
 * deadlock or serialization failure that slips through is retried.
 */
final class JdbcMetadataStore implements MetadataStore {
    private final MetadataDatabase database;
    private final Database db;
    private final JdbcBlobLinks links;
    private final JdbcManifests manifests;
    private final JdbcTags tags;
    private final JdbcUploadSessions uploads;
    private final JdbcListings listings;

    JdbcMetadataStore(MetadataDatabase database, Database db, Clock clock, Dialect dialect) {
        this.database = database;
        this.db = db;
        this.links = new JdbcBlobLinks(db, clock, dialect);
        this.tags = new JdbcTags(db, clock, dialect);
        this.manifests = new JdbcManifests(db, clock, dialect, links, tags);
        this.uploads = new JdbcUploadSessions(db, clock, links);
        this.listings = new JdbcListings(db);
    }

    @Override
    public AutoCloseable lockDigest(Digest digest) {
        return database.lockDigest(digest);
    }

    // ---- blobs and links

    @Override
    public void recordBlob(Digest digest, long size) {
        links.recordBlob(digest, size);
    }

    @Override
    public Optional<Long> blobSize(Digest digest) {
        return links.blobSize(digest);
    }

    @Override
    public List<BlobRecord> blobRecords(Digest after, int limit) {
        return links.blobRecords(after, limit);
    }

    @Override
    public boolean forgetBlob(Digest digest) {
        // Manifest bytes that are gone cannot be served: the manifest goes too (its tags' history records it), so
        // HEAD and GET agree on 404 and the image can be pushed again. One an index still references stays.
        for (RepositoryName repository : manifests.repositoriesWithManifest(digest)) {
            try {
                manifests.deleteManifest(repository, digest, TagChange.by("scrub", "scrub"));
            } catch (RegistryException referencedByAnIndex) {
                // The index is whole only with it; pushing the same bytes again mends both.
            }
        }
        return links.forgetBlob(digest);
    }

    @Override
    public void commitUpload(String uploadId, RepositoryName repository, Digest digest, long size) {
        links.commitUpload(uploadId, repository, digest, size);
    }

    @Override
    public boolean linkBlob(RepositoryName repository, Digest digest) {
        return links.linkBlob(repository, digest);
    }

    @Override
    public List<RepositoryName> repositoriesHolding(Digest digest, int limit) {
        return links.repositoriesHolding(digest, limit);
    }

    @Override
    public Optional<Long> linkedBlobSize(RepositoryName repository, Digest digest) {
        return links.linkedBlobSize(repository, digest);
    }

    @Override
    public boolean unlinkBlob(RepositoryName repository, Digest digest) {
        return links.unlinkBlob(repository, digest);
    }

    @Override
    public boolean repositoryExists(RepositoryName repository) {
        return links.repositoryExists(repository);
    }

    @Override
    public Page<String> repositories(String last, int limit) {
        return links.repositories(last, limit);
    }

    // ---- listings

    @Override
    public Page<String> repositories(String namespace, String last, int limit) {
        return listings.repositories(namespace, last, limit);
    }

    @Override
    public List<RepositorySummary> repositorySummaries(List<String> names) {
        return listings.repositorySummaries(names);
    }

    @Override
    public Page<TagSummary> tagSummaries(RepositoryName repository, String last, int limit) {
        return listings.tagSummaries(repository, last, limit);
    }

    @Override
    public Map<Digest, Long> contentSizes(RepositoryName repository, Collection<Digest> digests) {
        return listings.contentSizes(repository, digests);
    }

    @Override
    public List<String> tagsOf(RepositoryName repository, Digest digest, int limit) {
        return listings.tagsOf(repository, digest, limit);
    }

    @Override
    public void recordPulls(Collection<LastPull> pulls) {
        listings.recordPulls(pulls);
    }

    @Override
    public Page<Digest> indexesOf(RepositoryName repository, Digest digest, Digest last, int limit) {
        return listings.indexesOf(repository, digest, last, limit);
    }

    @Override
    public Page<SearchHit> tagsStartingWith(String prefix, String lastTag, String lastRepository, int limit) {
        return listings.tagsStartingWith(prefix, lastTag, lastRepository, limit);
    }

    @Override
    public Page<SearchHit> manifestsStartingWith(String prefix, String lastDigest, String lastRepository, int limit) {
        return listings.manifestsStartingWith(prefix, lastDigest, lastRepository, limit);
    }

    @Override
    public Page<UntaggedManifest> untaggedManifests(RepositoryName repository, Digest last, int limit) {
        return listings.untaggedManifests(repository, last, limit);
    }

    // ---- manifests

    @Override
    public void putManifest(ManifestRecord manifest, List<Digest> blobs, List<Digest> children, List<Tag> tags,
                            TagChange change) {
        manifests.putManifest(manifest, blobs, children, tags, change);
    }

    @Override
    public Optional<ManifestRecord> manifest(RepositoryName repository, Digest digest) {
        return manifests.manifest(repository, digest);
    }

    @Override
    public Optional<ManifestRecord> manifestByTag(RepositoryName repository, Tag tag) {
        return manifests.manifestByTag(repository, tag);
    }

    @Override
    public boolean deleteManifest(RepositoryName repository, Digest digest, TagChange change) {
        return manifests.deleteManifest(repository, digest, change);
    }

    @Override
    public List<ManifestRecord> referrers(RepositoryName repository, Digest subject) {
        return manifests.referrers(repository, subject);
    }

    @Override
    public boolean deleteRepository(RepositoryName repository, TagChange change) {
        return manifests.deleteRepository(repository, change);
    }

    // ---- tags

    @Override
    public boolean moveTag(RepositoryName repository, Tag tag, Digest digest, TagChange change) {
        return tags.moveTag(repository, tag, digest, change);
    }

    @Override
    public boolean deleteTag(RepositoryName repository, Tag tag, TagChange change) {
        return tags.deleteTag(repository, tag, change);
    }

    @Override
    public List<TagMove> tagHistory(RepositoryName repository, Tag tag, int limit) {
        return tags.tagHistory(repository, tag, limit);
    }

    @Override
    public Page<String> tags(RepositoryName repository, String last, int limit) {
        return tags.tags(repository, last, limit);
    }

    @Override
    public OptionalLong tagsVersion(RepositoryName repository) {
        return tags.tagsVersion(repository);
    }

    // ---- uploads

    @Override
    public void createUpload(UploadSession session) {
        uploads.createUpload(session);
    }

    @Override
    public Optional<UploadSession> upload(String id) {
        return uploads.upload(id);
    }

    @Override
    public boolean advanceUpload(String id, long expected, long offset, Instant now) {
        return uploads.advanceUpload(id, expected, offset, now);
    }

    @Override
    public boolean claimUpload(String id, long offset, String writer, Instant until, Instant now, String staleWriterPrefix) {
        return uploads.claimUpload(id, offset, writer, until, now, staleWriterPrefix);
    }

    @Override
    public boolean advanceClaimedUpload(String id, long expected, long offset, String writer, Instant now) {
        return uploads.advanceClaimedUpload(id, expected, offset, writer, now);
    }

    @Override
    public void releaseUpload(String id, String writer) {
        uploads.releaseUpload(id, writer);
    }

    @Override
    public int releaseUploadClaims(String writerPrefix) {
        return uploads.releaseUploadClaims(writerPrefix);
    }

    @Override
    public void deleteUpload(String id) {
        uploads.deleteUpload(id);
    }

    @Override
    public List<UploadSession> uploadsIdleSince(Instant before, int limit) {
        return uploads.uploadsIdleSince(before, limit);
    }

    /**
     * Readiness has its own deadline: a server that accepts connections but never answers (stopped, partitioned) would
     * otherwise hold the check for the socket timeout. The probe thread is left to end on that timeout.
     */
    @Override
    public boolean ping() {
        java.util.concurrent.CompletableFuture<Boolean> answer = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().name("berth-ping").start(() -> {
            try {
                answer.complete(db.read(c -> Sql.exists(c, "SELECT 1")));
            } catch (RuntimeException e) {
                answer.complete(false);
            }
        });
        try {
            return answer.get(PING_DEADLINE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** How long a readiness check waits for the database; /readyz answers well within 2 s. */
    private static final Duration PING_DEADLINE = Duration.ofMillis(1500);

    /** Closes the database under it, and with it the auth and lifecycle stores on it. */
    @Override
    public void close() {
        database.close();
    }
}
