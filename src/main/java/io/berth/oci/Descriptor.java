package io.berth.oci;

import java.util.Map;

/** An OCI content descriptor as found in manifests and indexes. */
public record Descriptor(String mediaType, Digest digest, long size, String artifactType, Map<String, String> annotations) {
    public Descriptor {
        if (size < 0) {
            throw new RegistryException(ErrorCode.MANIFEST_INVALID, "descriptor size must not be negative");
        }
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }
}
