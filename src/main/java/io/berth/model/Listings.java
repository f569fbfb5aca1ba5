package io.berth.model;

import io.berth.oci.Descriptor;
import io.berth.oci.Digest;
import io.berth.oci.RepositoryName;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the listing queries hand out (management API, later the web UI): repositories with their counts and sizes,
 * tags with the manifest they point at, one manifest in detail, and each namespace's usage.
 */
public final class Listings {
    private Listings() {}

    /**
     * A repository: its tags, its manifests (tagged or not), the bytes it holds (each blob and manifest once) and
     * when an image was last pushed to it or a tag last moved (null: never) and when one of its manifests was last
     * pulled (null: never, or not yet written from memory).
     */
    public record RepositorySummary(String name, long tagCount, long manifestCount, long sizeBytes, Instant lastPushAt,
                                    Instant lastPullAt) {
        public RepositorySummary(String name, long tagCount, long manifestCount, long sizeBytes, Instant lastPushAt) {
            this(name, tagCount, manifestCount, sizeBytes, lastPushAt, null);
        }
    }

    /**
     * A tag and the manifest it points at. sizeBytes is the content the tag pulls: the manifest, its config and
     * layers; for an index, the index, every child manifest, and each blob of the children once. pushedAt is when
     * the tag last moved; immutable says whether an immutable-tag rule of the namespace protects it;
     * lastPullAt is when its manifest was last pulled (null: never, or not yet written from memory).
     */
    public record TagSummary(String tag, Digest digest, String mediaType, long sizeBytes, Instant pushedAt,
                             boolean immutable, Instant lastPullAt) {
        public TagSummary(String tag, Digest digest, String mediaType, long sizeBytes, Instant pushedAt,
                          boolean immutable) {
            this(tag, digest, mediaType, sizeBytes, pushedAt, immutable, null);
        }

        public TagSummary withImmutable(boolean value) {
            return new TagSummary(tag, digest, mediaType, sizeBytes, pushedAt, value, lastPullAt);
        }
    }

    /** One entry of an index: the platform it declares (null fields when it declares none) and its content's size. */
    public record Platform(String os, String architecture, String variant, Digest digest, long sizeBytes) {}

    /**
     * One manifest in detail: for an image manifest its config and layers (as its descriptors state them), for an
     * index its platforms; the tags on it, the manifests whose subject it is, and its annotations.
     */
    public record ManifestDetails(RepositoryName repository, Digest digest, String mediaType, String artifactType,
                                  long sizeBytes, List<String> tags, Descriptor config, List<Descriptor> layers,
                                  List<Platform> platforms, List<ManifestRecord> referrers,
                                  Map<String, String> annotations) {}

    /**
     * One entry of an index as the index lists it (its descriptor and declared platform, null fields when none) with
     * its content's size, and what it is: a platform image, or something attached to the index's images that only
     * looks like one (buildx's attestation manifests, declared for platform unknown/unknown; entries with an
     * artifactType, such as signatures).
     */
    public record IndexChild(Descriptor descriptor, String os, String architecture, String variant, long sizeBytes) {
        /** buildx's annotation on an attestation manifest in an index, and the digest of the image it attests. */
        public static final String REFERENCE_TYPE = "vnd.docker.reference.type";
        public static final String REFERENCE_DIGEST = "vnd.docker.reference.digest";

        /** "platform", "attestation" (buildx) or "artifact" (an entry with an artifactType or no real platform). */
        public String kind() {
            if ("attestation-manifest".equals(descriptor.annotations().get(REFERENCE_TYPE))) {
                return "attestation";
            }
            if (descriptor.artifactType() != null && !descriptor.artifactType().isEmpty()) {
                return "artifact";
            }
            if ("unknown".equals(os) && "unknown".equals(architecture)) {
                return "artifact";
            }
            return "platform";
        }

        /** os/architecture(/variant), or null when the entry declares no platform. */
        public String platform() {
            if (os == null && architecture == null) {
                return null;
            }
            return os + "/" + architecture + (variant == null ? "" : "/" + variant);
        }
    }

    /**
     * A manifest no tag points at: its types, size, subject (a referrer's), when it was pushed and one index of the
     * repository that includes it (null: none, the manifest is an orphan until garbage collection takes it).
     */
    public record UntaggedManifest(Digest digest, String mediaType, String artifactType, long size, Digest subject,
                                   Instant pushedAt, Digest parentIndex) {}

    /** That repository's manifest digest was last pulled at atMillis (as the in-memory pull times hand it over). */
    public record LastPull(RepositoryName repository, Digest digest, long atMillis) {}

    /** A namespace's usage (each blob and manifest of its repositories once), its quota (null: none), its repositories. */
    public record NamespaceUsage(String namespace, long usedBytes, Long quotaBytes, long repositoryCount) {}

    /**
     * A search hit: a tag of repository that points at digest, or (tag null) a manifest of repository whose digest
     * matched.
     */
    public record SearchHit(String repository, String tag, Digest digest) {}
}
