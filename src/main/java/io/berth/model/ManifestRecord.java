package io.berth.model;

import io.berth.oci.Digest;
import io.berth.oci.RepositoryName;
import java.util.Map;

/**
 * What the metadata store knows of a manifest in a repository. artifactType is the effective one (the
 * manifest's artifactType, else its config media type), as referrers responses show it.
 */
public record ManifestRecord(
        RepositoryName repository,
        Digest digest,
        String mediaType,
        long size,
        Digest subject,
        String artifactType,
        Map<String, String> annotations) {
    public ManifestRecord {
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }
}
