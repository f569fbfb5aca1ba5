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
     * when an image was last pushed to it or a tag last moved (null: never).
     */
    public record RepositorySummary(String name, long tagCount, long manifestCount, long sizeBytes, Instant lastPushAt) {}

    /**
     * A tag and the manifest it points at. sizeBytes is the content the tag pulls: the manifest, its config and
     * layers; for an index, the index, every child manifest, and each blob of the children once. pushedAt is when
     * the tag last moved; immutable says whether an immutable-tag rule of the namespace protects it.
     */
    public record TagSummary(String tag, Digest digest, String mediaType, long sizeBytes, Instant pushedAt,
                             boolean immutable) {
        public TagSummary withImmutable(boolean value) {
            return new TagSummary(tag, digest, mediaType, sizeBytes, pushedAt, value);
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

    /** A namespace's usage (each blob and manifest of its repositories once), its quota (null: none), its repositories. */
    public record NamespaceUsage(String namespace, long usedBytes, Long quotaBytes, long repositoryCount) {}
}
