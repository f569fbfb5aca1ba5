package io.berth.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test images with known bytes: pushed through one address, then pulled and compared byte for byte through others. */
final class Images {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String ACCEPT_ALL = String.join(", ", OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST);

    private Images() {}

    /** Random bytes, the same for the same seed. */
    static byte[] bytes(long seed, int size) {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        return content;
    }

    /** An image manifest with its config and layers; mediaType is the OCI or the Docker schema 2 type. */
    record Image(String repo, String tag, String mediaType, byte[] config, List<byte[]> layers, byte[] manifest) {
        Digest digest() {
            return Digest.sha256(manifest);
        }

        /** Pushes blobs (in chunks of chunk bytes, 0 for monolithic) and the manifest under tag (null: by digest). */
        Digest push(OciClient client, int chunk) {
            client.pushBlob(repo, config, 0);
            for (byte[] layer : layers) {
                client.pushBlob(repo, layer, chunk);
            }
            return client.pushManifest(repo, tag == null ? digest().toString() : tag, manifest, mediaType);
        }

        /** Pulls the manifest (by tag when it has one) and every blob, and checks each is byte-identical. */
        void verify(OciClient client) {
            verify(client, tag == null ? digest().toString() : tag);
        }

        void verify(OciClient client, String reference) {
            assertThat(client.manifest(repo, reference, ACCEPT_ALL)).as("manifest %s:%s from %s", repo, reference, client.base())
                    .isEqualTo(manifest);
            assertThat(client.blob(repo, Digest.sha256(config))).as("config of %s from %s", repo, client.base()).isEqualTo(config);
            for (byte[] layer : layers) {
                assertThat(client.blob(repo, Digest.sha256(layer))).as("layer %s of %s from %s", Digest.sha256(layer), repo,
                        client.base()).isEqualTo(layer);
            }
        }
    }

    /** An index (multi-arch image) over image manifests of the same repository. */
    record Index(String repo, String tag, String mediaType, List<Image> children, byte[] manifest) {
        Digest digest() {
            return Digest.sha256(manifest);
        }

        Digest push(OciClient client, int chunk) {
            for (Image child : children) {
                child.push(client, chunk);
            }
            return client.pushManifest(repo, tag, manifest, mediaType);
        }

        void verify(OciClient client) {
            assertThat(client.manifest(repo, tag, ACCEPT_ALL)).as("index %s:%s from %s", repo, tag, client.base())
                    .isEqualTo(manifest);
            for (Image child : children) {
                child.verify(client, child.digest().toString());
            }
        }
    }

    /** An image whose layers are the shared base layers followed by one layer of its own. */
    static Image image(String repo, String tag, String mediaType, List<byte[]> base, long seed, int ownLayer) {
        List<byte[]> layers = new ArrayList<>(base);
        layers.add(bytes(seed, ownLayer));
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"seed\":\"" + seed + "\"}},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}").getBytes(StandardCharsets.UTF_8);
        return new Image(repo, tag, mediaType, config, layers, manifest(mediaType, config, layers));
    }

    static byte[] manifest(String mediaType, byte[] config, List<byte[]> layers) {
        boolean docker = mediaType.equals(DOCKER_MANIFEST);
        String configType = docker ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json";
        String layerType = docker ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.oci.image.layer.v1.tar+gzip";
        StringBuilder json = new StringBuilder("{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"" + mediaType + "\",\n");
        json.append("  \"config\": ").append(descriptor(configType, config)).append(",\n  \"layers\": [");
        for (int i = 0; i < layers.size(); i++) {
            json.append(i == 0 ? "\n    " : ",\n    ").append(descriptor(layerType, layers.get(i)));
        }
        return json.append("\n  ]\n}\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** An index over children, one platform each (amd64, arm64, ...). */
    static Index index(String repo, String tag, String mediaType, List<Image> children) {
        String[] architectures = {"amd64", "arm64", "s390x", "ppc64le"};
        StringBuilder json = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + mediaType + "\",\"manifests\":[");
        for (int i = 0; i < children.size(); i++) {
            Image child = children.get(i);
            json.append(i == 0 ? "" : ",").append("{\"mediaType\":\"").append(child.mediaType()).append("\",\"digest\":\"")
                    .append(child.digest()).append("\",\"size\":").append(child.manifest().length)
                    .append(",\"platform\":{\"architecture\":\"").append(architectures[i % architectures.length])
                    .append("\",\"os\":\"linux\"}}");
        }
        json.append("]}");
        return new Index(repo, tag, mediaType, List.copyOf(children), json.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String descriptor(String mediaType, byte[] content) {
        return "{\"mediaType\": \"" + mediaType + "\", \"digest\": \"" + Digest.sha256(content) + "\", \"size\": "
                + content.length + "}";
    }
}
