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
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Facts about repositories, blobs, manifests, tags and uploads. Every check-then-act step (a manifest's references
 * exist, a deleted manifest is not referenced) happens inside one method, in one transaction, so callers never
 * hold a transaction. Implementations: JDBC on SQLite (embedded) and PostgreSQL.
 */
public interface MetadataStore extends AutoCloseable {

    // Blobs

    /** Records that the blob store holds digest (after a verified upload). */
    void recordBlob(Digest digest, long size);

    /** The size of a blob Berth holds, whatever repository it was pushed to. */
    Optional<Long> blobSize(Digest digest);

    /** A blob record: the metadata's word that the blob store holds digest, with this size. */
    record BlobRecord(Digest digest, long size) {}

    /** At most limit blob records in digest order, after the given digest (null: from the first): a scrub's walk. */
    List<BlobRecord> blobRecords(Digest after, int limit);

    /**
     * Forgets a blob whose bytes are gone (lost, or quarantined as corrupt): its record and every repository's link to
     * it, in one transaction, so a HEAD answers 404 and clients upload it again. Manifests that reference it stay; a
     * push of the same bytes makes them whole. When the bytes were a manifest's, that manifest and its tags go too
     * (unless an index still references it). The caller holds the digest's locks. True when a record was removed.
     */
    boolean forgetBlob(Digest digest);

    /**
     * Records a verified upload in one transaction: the blob is held, reachable through repository, and the upload
     * session is gone. Refused with DENIED, changing nothing, when the blob's bytes would take the namespace past its
     * quota (bytes the namespace already counts never are); the check and the link share the transaction, so pushes
     * racing into one namespace cannot pass the quota together.
     */
    void commitUpload(String uploadId, RepositoryName repository, Digest digest, long size);

    /**
     * Makes a held blob reachable through repository (creating the repository); false when Berth lacks the blob.
     * Refused with DENIED when it would take the namespace past its quota, as {@link #commitUpload} is.
     */
    boolean linkBlob(RepositoryName repository, Digest digest);

    /** Repositories a blob is reachable through, in byte order, at most limit. */
    List<RepositoryName> repositoriesHolding(Digest digest, int limit);

    /** The size of a blob reachable through repository, or empty. */
    Optional<Long> linkedBlobSize(RepositoryName repository, Digest digest);

    /**
     * Removes a blob from a repository. Refused with DENIED when a manifest of the repository references it.
     *
     * @return false when the blob was not linked to the repository
     */
    boolean unlinkBlob(RepositoryName repository, Digest digest);

    // Manifests and tags

    /**
     * Stores a manifest and points tags at it, in one transaction that first checks every referenced blob and child
     * manifest is in the repository (else MANIFEST_BLOB_UNKNOWN naming the first missing one). The manifest's own
     * bytes are recorded as held, as {@link #recordBlob} does. Refused with DENIED only when its own bytes are new to
     * the namespace and take it past its quota: its blobs are counted already, so a re-tag is never refused.
     */
    void putManifest(ManifestRecord manifest, List<Digest> blobs, List<Digest> children, List<Tag> tags, TagChange change);

    default void putManifest(ManifestRecord manifest, List<Digest> blobs, List<Digest> children, List<Tag> tags) {
        putManifest(manifest, blobs, children, tags, TagChange.by("system", "push"));
    }

    Optional<ManifestRecord> manifest(RepositoryName repository, Digest digest);

    Optional<ManifestRecord> manifestByTag(RepositoryName repository, Tag tag);

    /**
     * Deletes a manifest and every tag on it. Refused with DENIED when an index of the repository references it.
     *
     * @return false when the repository has no such manifest
     */
    boolean deleteManifest(RepositoryName repository, Digest digest, TagChange change);

    default boolean deleteManifest(RepositoryName repository, Digest digest) {
        return deleteManifest(repository, digest, TagChange.by("system", "delete"));
    }

    /** Deletes one tag; false when it did not exist. Refused with DENIED when an immutable rule protects it. */
    boolean deleteTag(RepositoryName repository, Tag tag, TagChange change);

    default boolean deleteTag(RepositoryName repository, Tag tag) {
        return deleteTag(repository, tag, TagChange.by("system", "delete"));
    }

    /**
     * Points a tag at a manifest the repository holds (rollback, promotion), recorded in the history; false when
     * the repository lacks the manifest. Refused with DENIED when an immutable rule protects the tag.
     */
    boolean moveTag(RepositoryName repository, Tag tag, Digest digest, TagChange change);

    /** A tag's moves, newest first. */
    List<TagMove> tagHistory(RepositoryName repository, Tag tag, int limit);

    boolean repositoryExists(RepositoryName repository);

    /** Tags in byte order after {@code last} (exclusive, may be null), at most limit. */
    Page<String> tags(RepositoryName repository, String last, int limit);

    /**
     * The version of the repository's set of tags: it changes, to a value it never had before, in the transaction
     * of every tag change, so a tag list read after reading version v is at least as new as v. Empty when the
     * repository does not exist.
     */
    OptionalLong tagsVersion(RepositoryName repository);

    /** Repository names in byte order after {@code last} (exclusive, may be null), at most limit. */
    Page<String> repositories(String last, int limit);

    // Listings (management API, web UI): keyset pages, each query on an index

    /**
     * Repository names of namespace ("library": the names without '/') in byte order after {@code last}
     * (exclusive, may be null), at most limit.
     */
    Page<String> repositories(String namespace, String last, int limit);

    /** Counts, bytes and last push of each of the named repositories that exists, in the order of names. */
    List<RepositorySummary> repositorySummaries(List<String> names);

    /**
     * Tags with the manifest each points at and its content size, in byte order after {@code last} (exclusive, may
     * be null), at most limit; immutable is false (the rules are the lifecycle store's).
     */
    Page<TagSummary> tagSummaries(RepositoryName repository, String last, int limit);

    /**
     * The content size of each of repository's manifests among digests: the manifest, every manifest below it (an
     * index's children), and each blob they reference once. Digests the repository lacks are left out.
     */
    Map<Digest, Long> contentSizes(RepositoryName repository, Collection<Digest> digests);

    /** The tags of repository that point at digest, in byte order, at most limit. */
    List<String> tagsOf(RepositoryName repository, Digest digest, int limit);

    /**
     * The index manifests of repository that list digest among their children, in digest order after {@code last}
     * (exclusive, may be null), at most limit.
     */
    Page<Digest> indexesOf(RepositoryName repository, Digest digest, Digest last, int limit);

    /**
     * The manifests of repository no tag points at, in digest order after {@code last} (exclusive, may be null),
     * at most limit.
     */
    Page<UntaggedManifest> untaggedManifests(RepositoryName repository, Digest last, int limit);

    /**
     * Tags whose name starts with prefix (byte order), in (tag, repository) order after (lastTag, lastRepository)
     * (both null: from the first), at most limit; read by the range of tags_by_name.
     */
    Page<SearchHit> tagsStartingWith(String prefix, String lastTag, String lastRepository, int limit);

    /**
     * Manifests whose digest ("algorithm:hex") starts with prefix, in (digest, repository) order after (lastDigest,
     * lastRepository) (both null: from the first), at most limit; read by the range of manifests_by_digest.
     */
    Page<SearchHit> manifestsStartingWith(String prefix, String lastDigest, String lastRepository, int limit);

    /**
     * Records when manifests were last pulled, and so their repositories: a time only replaces an earlier one (nodes
     * flush independently). Manifests and repositories no longer there are skipped.
     */
    void recordPulls(Collection<LastPull> pulls);

    /** Manifests of repository whose subject is digest, ordered by digest. */
    List<ManifestRecord> referrers(RepositoryName repository, Digest subject);

    /** Deletes a repository with all its tags, manifests and blob links; false when it did not exist. */
    default boolean deleteRepository(RepositoryName repository) {
        return deleteRepository(repository, TagChange.by("system", "repo-delete"));
    }

    /**
     * Deletes the repository with its tags, manifests and blob links, recording each tag's removal in its history
     * as change; refused (DENIED) when change's immutable rules protect one of its tags. False when it did not exist.
     */
    boolean deleteRepository(RepositoryName repository, TagChange change);

    // Uploads

    void createUpload(UploadSession session);

    Optional<UploadSession> upload(String id);

    /** Moves an upload's offset from expected to offset; false when another request moved it first. */
    boolean advanceUpload(String id, long expected, long offset, Instant now);

    /**
     * Makes writer the only request writing to the upload until the given time, if the upload is at offset and no
     * other writer holds an unexpired claim; renewing one's own claim also succeeds, and so does taking over a claim
     * whose writer starts with staleWriterPrefix (the caller knows those writers ended: its own node's, when no
     * request of the node is writing). staleWriterPrefix may be null.
     */
    boolean claimUpload(String id, long offset, String writer, Instant until, Instant now, String staleWriterPrefix);

    /** Moves the offset like {@link #advanceUpload} only while writer still holds the claim, and ends the claim. */
    boolean advanceClaimedUpload(String id, long expected, long offset, String writer, Instant now);

    /** Ends writer's claim (a failed or abandoned body). */
    void releaseUpload(String id, String writer);

    /**
     * Ends every claim whose writer id starts with writerPrefix (letters, digits and '-'): those of a process that
     * is gone. Returns how many.
     */
    int releaseUploadClaims(String writerPrefix);

    void deleteUpload(String id);

    /** Uploads not touched since the given instant and not claimed by a writer right now (on any node). */
    List<UploadSession> uploadsIdleSince(Instant before, int limit);

    /**
     * Holds a lock on digest across every node until closed (PostgreSQL: an advisory lock). A commit of the digest
     * and its garbage collection take it together with the blob store's lock, so they never interleave. The
     * embedded store has one node, whose blob store lock suffices: no-op there.
     */
    default AutoCloseable lockDigest(Digest digest) {
        return () -> { };
    }

    /** True when the store answers queries (for readiness). */
    boolean ping();

    /** Closes the database the store is on, and with it the other stores of that {@link MetadataDatabase}. */
    @Override
    void close();
}
