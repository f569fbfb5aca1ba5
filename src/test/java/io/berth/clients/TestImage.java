package io.berth.clients;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A tiny image (two layers of a few bytes, unique content) built by the lab with umoci in its own OCI layout:
 * an amd64 variant, an arm64 variant with the same layers and its own config, and an OCI index of both.
 */
record TestImage(String name, Path layout, LocalManifest amd64, LocalManifest arm64, LocalManifest index) {

    /** Every digest a client must hold after fetching the index for all platforms. */
    public Set<String> allDigests() {
        Set<String> digests = new LinkedHashSet<>(List.of(index.digest(), amd64.digest(), arm64.digest(),
                amd64.configDigest(), arm64.configDigest()));
        digests.addAll(amd64.layerDigests());
        digests.addAll(arm64.layerDigests());
        return digests;
    }
}
