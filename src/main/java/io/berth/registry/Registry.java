package io.berth.registry;

import io.berth.model.ManifestRecord;
import io.berth.metadata.LifecycleStore;
import io.berth.metadata.MetadataStore;
import io.berth.model.Page;
import io.berth.model.TagChange;
import io.berth.model.TagMove;
import io.berth.oci.Descriptor;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.Manifest;
import io.berth.oci.Reference;
import io.berth.oci.RegistryException;
import io.berth.oci.RepositoryName;
import io.berth.oci.Tag;
import io.berth.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Predicate;

/** The registry's domain operations on blobs, manifests, tags, referrers and repositories. No HTTP here. */
public final class Registry {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Registry.class);
    /** Manifests up to this size (inclusive) are accepted. */
    public static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

    private final MetadataStore metadata;
    private final BlobStore blobs;
    private final DigestLocks digestLocks;
    private final LifecycleStore lifecycle;
    private final ManifestCache manifestBytes;
    private final Policies policies;
    private final TagLists tagLists;
    private final PullTimes pullTimes;
    /** Told of every stored manifest after its push (scan on push); must be quick and must not throw. */
    private volatile java.util.function.BiConsumer<RepositoryName, ManifestRecord> pushListener = (r, m) -> { };

    public Registry(MetadataStore metadata, LifecycleStore lifecycle, BlobStore blobs, ManifestCache manifestBytes,
                    Policies policies) {
        this.metadata = metadata;
        this.lifecycle = lifecycle;
        this.blobs = blobs;
        this.digestLocks = new DigestLocks(blobs, metadata);
        this.manifestBytes = manifestBytes;
        this.policies = policies;
        this.tagLists = new TagLists(metadata);
        this.pullTimes = new PullTimes(metadata, java.time.Clock.systemUTC());
    }

    // ---- blobs

    /** A blob readable through repository: an uploaded or mounted blob, or one of the repository's manifests. */
    public BlobBytes blob(RepositoryName repository, Digest digest) {
        Optional<Long> linkedSize = metadata.linkedBlobSize(repository, digest);
        if (linkedSize.isEmpty() && metadata.manifest(repository, digest).isEmpty()) {
            throw blobUnknown(digest);
        }
        try {
            // A linked blob's size is a recorded fact and blobs never change: a HEAD needs nothing from the store
            // (on S3, no request); a GET asks the store only for the bytes.
            Optional<BlobStore.BlobContent> content = blobs.open(digest,
                    linkedSize.isPresent() ? OptionalLong.of(linkedSize.get()) : OptionalLong.empty());
            if (LOG.isDebugEnabled()) {
                LOG.debug("blob {} of {}: {} in {}", digest, repository, content.isPresent() ? "found" : "missing", blobs);
            }
            return new BlobBytes(content.orElseThrow(() -> blobUnknown(digest)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A short-lived URL of the blob in object storage, when the store hands them out (storage.s3.redirect); the
     * caller has already checked that the repository holds the blob and that the client may read it.
     */
    public Optional<java.net.URI> redirect(Digest digest) {
        try {
            return blobs.presignedUrl(digest, java.time.Duration.ofMinutes(10));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Restarts the grace period of a blob link (a client checked it exists and will count on it). */
    public void touch(RepositoryName repository, Digest digest) {
        lifecycle.touchLink(repository, digest);
    }

    public void deleteBlob(RepositoryName repository, Digest digest) {
        if (!metadata.unlinkBlob(repository, digest)) {
            throw blobUnknown(digest);
        }
    }

    private static RegistryException blobUnknown(Digest digest) {
        return new RegistryException(ErrorCode.BLOB_UNKNOWN, "blob unknown to registry", Map.of("digest", digest.toString()));
    }

    /**
     * Mounts a blob into repository; false means the client must upload it. canPull says which repositories the
     * caller may read (all of them while access control is off): the blob is mounted only from a readable repository
     * that holds it (from, else any), so knowing a digest never grants its content.
     */
    public boolean mount(RepositoryName repository, Digest digest, RepositoryName from, Predicate<RepositoryName> canPull) {
        if (metadata.linkedBlobSize(repository, digest).isPresent()) {
            return true;
        }
        if (from != null && canPull.test(from) && metadata.linkedBlobSize(from, digest).isPresent()) {
            return metadata.linkBlob(repository, digest);
        }
        for (RepositoryName holder : metadata.repositoriesHolding(digest, 100)) {
            if (canPull.test(holder)) {
                return metadata.linkBlob(repository, digest);
            }
        }
        return false;
    }

    // ---- manifests

    /** The outcome of a manifest push. */
    public record PutResult(Digest digest, Digest subject, List<Tag> tags) {}

    public PutResult putManifest(RepositoryName repository, Reference reference, String contentType, byte[] bytes,
                                 List<Tag> extraTags, String actor) {
        if (bytes.length > MAX_MANIFEST_BYTES) {
            throw new RegistryException(ErrorCode.MANIFEST_TOO_LARGE, "manifest larger than 4 MiB",
                    Map.of("size", bytes.length, "limit", MAX_MANIFEST_BYTES));
        }
        Digest digest = Digest.of(reference.isDigest() ? reference.digest().algorithm() : "sha256", bytes);
        if (reference.isDigest() && !reference.digest().equals(digest)) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, "manifest digest does not match the reference",
                    Map.of("expected", reference.digest().toString(), "computed", digest.toString()));
        }
        Manifest manifest = Manifest.parse(bytes, contentType, digest);
        Set<Tag> tags = new LinkedHashSet<>();
        if (!reference.isDigest()) {
            tags.add(reference.tag());
        }
        tags.addAll(extraTags);
        List<Digest> blobRefs = manifest.references().stream().map(Descriptor::digest).distinct().toList();
        List<Digest> children = manifest.children().stream().map(Descriptor::digest).distinct().toList();
        ManifestRecord record = new ManifestRecord(repository, digest, manifest.mediaType(), bytes.length,
                manifest.subject() == null ? null : manifest.subject().digest(), manifest.effectiveArtifactType(),
                manifest.annotations());
        TagChange change = policies.tagChange(repository, actor, "push");
        // Under the digest's lock, so that garbage collection cannot drop the bytes between the write and the record.
        try {
            digestLocks.run(digest, () -> {
                blobs.put(digest, bytes);
                try {
                    metadata.putManifest(record, blobRefs, children, List.copyOf(tags), change);
                } catch (RegistryException refused) {
                    // Refused (quota, a missing blob, an immutable tag): bytes no record names would never be collected.
                    if (metadata.blobSize(digest).isEmpty()) {
                        blobs.delete(digest);
                    }
                    throw refused;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        manifestBytes.put(digest, bytes);
        if (LOG.isDebugEnabled()) {
            LOG.debug("manifest {} of {}: stored in {}, tags {}", digest, repository, blobs, tags);
        }
        pushListener.accept(repository, record);
        return new PutResult(digest, record.subject(), List.copyOf(tags));
    }

    /** Sets what is told of every manifest pushed (after it is stored): the scanning service's trigger. */
    public void onPush(java.util.function.BiConsumer<RepositoryName, ManifestRecord> listener) {
        this.pushListener = listener;
    }

    /** A manifest's record and its exact stored bytes. */
    public record StoredManifest(ManifestRecord record, byte[] bytes) {}

    public ManifestRecord manifestRecord(RepositoryName repository, Reference reference) {
        Optional<ManifestRecord> record = reference.isDigest()
                ? metadata.manifest(repository, reference.digest())
                : metadata.manifestByTag(repository, reference.tag());
        return record.orElseThrow(() -> manifestUnknown(reference));
    }

    public StoredManifest manifest(RepositoryName repository, Reference reference) {
        ManifestRecord record = manifestRecord(repository, reference);
        return new StoredManifest(record, manifestBytes(record.digest(), reference));
    }

    /**
     * The stored bytes of a manifest the caller read from the metadata store (a listing's digest), without looking
     * its record up again; MANIFEST_UNKNOWN when they are gone.
     */
    byte[] listedManifestBytes(Digest digest) {
        return manifestBytes(digest, new Reference(null, digest));
    }

    private byte[] manifestBytes(Digest digest, Reference reference) {
        byte[] cached = manifestBytes.get(digest);
        if (cached != null) {
            return cached;
        }
        try {
            Optional<BlobStore.BlobContent> content = blobs.open(digest, OptionalLong.empty());
            if (content.isEmpty()) {
                throw manifestUnknown(reference);
            }
            try (BlobStore.BlobContent c = content.get(); InputStream in = c.openStream(0, c.size())) {
                byte[] bytes = in.readAllBytes();
                manifestBytes.put(digest, bytes);
                return bytes;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RegistryException manifestUnknown(Reference reference) {
        return new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "manifest unknown", Map.of(
                reference.isDigest() ? "digest" : "tag", reference.toString()));
    }

    /** Remembers that a client pulled digest (a GET of the manifest); written to the store by {@link #flushPulls}. */
    public void recordPull(RepositoryName repository, Digest digest) {
        pullTimes.pulled(repository, digest);
    }

    /** Writes the pull times remembered since the last flush in one batch; returns how many manifests it wrote. */
    public int flushPulls() {
        return pullTimes.flush();
    }

    /** Deletes a tag (that tag only) or a manifest by digest (with every tag on it). */
    public void deleteManifest(RepositoryName repository, Reference reference, String actor) {
        TagChange change = policies.tagChange(repository, actor, "delete");
        boolean deleted = reference.isDigest()
                ? metadata.deleteManifest(repository, reference.digest(), change)
                : metadata.deleteTag(repository, reference.tag(), change);
        if (!deleted) {
            throw manifestUnknown(reference);
        }
    }

    // ---- tag history, rollback, promotion

    public List<TagMove> tagHistory(RepositoryName repository, Tag tag, int limit) {
        return metadata.tagHistory(repository, tag, limit);
    }

    /**
     * Points a tag back: at digest, or where it pointed steps moves ago. Recorded like any move; refused for an
     * immutable tag. Returns the digest the tag now points at.
     */
    public Digest rollback(RepositoryName repository, Tag tag, Digest to, int steps, String actor) {
        Digest target = to;
        TagChange change = policies.tagChange(repository, actor, "rollback");
        if (target == null) {
            List<TagMove> history = metadata.tagHistory(repository, tag, Math.max(steps, 1));
            if (steps < 1 || history.size() < steps || history.get(steps - 1).previous() == null
                    || history.get(0).next() == null) {
                throw new RegistryException(ErrorCode.INVALID_REQUEST, "the history of " + repository + ":" + tag
                        + " has no digest " + steps + " move(s) back");
            }
            target = history.get(steps - 1).previous();
            // Steps count back from where the tag pointed when the history was read: a push in between is refused
            // (409), never silently undone.
            change = change.ifAt(history.get(0).next());
        }
        if (to != null && !lifecycle.wasInHistory(repository, tag, to)) {
            // A rollback returns a tag to where it was; another image is given a tag by promotion.
            throw new RegistryException(ErrorCode.INVALID_REQUEST, to + " was never in the history of " + repository
                    + ":" + tag + " (see its tag history; promote to give it another image)",
                    Map.of("digest", to.toString()));
        }
        if (!metadata.moveTag(repository, tag, target, change)) {
            throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "the repository no longer holds " + target
                    + " (outside the history window and collected)", Map.of("digest", target.toString()));
        }
        return target;
    }

    /**
     * Gives the image source:reference the tag targetTag in target (the same or another repository), by reference:
     * blobs and child manifests are mounted, no bytes are copied. Returns the promoted manifest's digest.
     */
    public Digest promote(RepositoryName source, Reference reference, RepositoryName target, Tag targetTag, String actor) {
        StoredManifest stored = manifest(source, reference);
        if (!target.equals(source)) {
            copyManifestReferences(source, stored, target, actor);
        }
        if (!metadata.moveTag(target, targetTag, stored.record().digest(), policies.tagChange(target, actor, "promote"))) {
            throw new IllegalStateException("promoted manifest vanished from " + target);
        }
        return stored.record().digest();
    }

    private void copyManifestReferences(RepositoryName source, StoredManifest stored, RepositoryName target, String actor) {
        Manifest manifest = Manifest.parse(stored.bytes(), stored.record().mediaType(), stored.record().digest());
        for (Descriptor child : manifest.children()) {
            copyManifestReferences(source, manifest(source, new Reference(null, child.digest())), target, actor);
        }
        List<Digest> blobRefs = manifest.references().stream().map(Descriptor::digest).distinct().toList();
        for (Digest blob : blobRefs) {
            if (metadata.linkedBlobSize(source, blob).isEmpty() || !metadata.linkBlob(target, blob)) {
                throw new RegistryException(ErrorCode.MANIFEST_BLOB_UNKNOWN, "source image is incomplete",
                        Map.of("digest", blob.toString()));
            }
        }
        List<Digest> children = manifest.children().stream().map(Descriptor::digest).distinct().toList();
        ManifestRecord record = stored.record();
        metadata.putManifest(new ManifestRecord(target, record.digest(), record.mediaType(), record.size(), record.subject(),
                record.artifactType(), record.annotations()), blobRefs, children, List.of(),
                policies.tagChange(target, actor, "promote"));
    }

    // ---- listings

    public Page<String> tags(RepositoryName repository, String last, int limit) {
        return tagLists.page(repository, last, limit);
    }

    /**
     * A catalog page of the repositories canPull accepts (all of them while access control is off), scanning on
     * until the page is full; a page read holds one more name than asked, so a full listing is one query.
     */
    public Page<String> catalog(String last, int limit, Predicate<RepositoryName> canPull) {
        List<String> names = new ArrayList<>();
        String cursor = last;
        while (true) {
            Page<String> page = metadata.repositories(cursor, Math.max(limit + 1, 100));
            for (String name : page.items()) {
                cursor = name;
                if (canPull.test(new RepositoryName(name))) {
                    if (names.size() == limit) {
                        return new Page<>(names, true);
                    }
                    names.add(name);
                }
            }
            if (!page.more()) {
                return new Page<>(names, false);
            }
        }
    }

    /** Manifests whose subject is digest, optionally only those of one artifact type. */
    public List<ManifestRecord> referrers(RepositoryName repository, Digest subject, String artifactType) {
        List<ManifestRecord> result = new ArrayList<>();
        for (ManifestRecord record : metadata.referrers(repository, subject)) {
            if (artifactType == null || artifactType.equals(record.artifactType())) {
                result.add(record);
            }
        }
        return result;
    }

    /** The operation a repository delete records in the history of each of its tags. */
    public static final String REPOSITORY_DELETE = "repo-delete";

    /**
     * Deletes a repository, each tag's removal recorded in its history. Refused (DENIED, naming the rule) while the
     * repository holds a tag an immutable rule protects, unless force (an admin's explicit choice, which the caller
     * audits). False when there is no such repository.
     */
    public boolean deleteRepository(RepositoryName repository, String actor, boolean force) {
        TagChange change = force ? TagChange.by(actor, REPOSITORY_DELETE)
                : policies.tagChange(repository, actor, REPOSITORY_DELETE);
        return metadata.deleteRepository(repository, change);
    }

    /** The repository's tags an immutable rule protects, each with its rule: "v1.0 (rule 'v*')". */
    public List<String> immutableTags(RepositoryName repository) {
        TagChange rules = policies.tagChange(repository, "", "");
        List<String> found = new ArrayList<>();
        String last = null;
        for (int pages = 0; pages < 100_000; pages++) {
            Page<String> page = metadata.tags(repository, last, 1000);
            for (String name : page.items()) {
                String rule = rules.immutableRule().apply(new Tag(name));
                if (rule != null) {
                    found.add(name + " (rule '" + rule + "')");
                }
                last = name;
            }
            if (!page.more() || page.items().isEmpty()) {
                break;
            }
        }
        return found;
    }

    public boolean ready() {
        return metadata.ping();
    }
}
