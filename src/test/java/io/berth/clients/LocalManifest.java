package io.berth.clients;

import java.util.List;

/**
 * An image manifest or index as it sits in one of the lab's OCI layouts: the exact bytes a client starts from.
 * For an index, configDigest and architecture are null and layerDigests is empty.
 *
 * @param ociReference the skopeo/podman transport reference, "oci:/path/to/layout:tag"
 */
record LocalManifest(String ociReference, String mediaType, String digest, byte[] bytes,
                            String configDigest, List<String> layerDigests, String architecture) {}
