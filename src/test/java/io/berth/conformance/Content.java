package io.berth.conformance;

import io.berth.testing.Response;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Test content: digests, unique blobs, and manifests built as the image and distribution specs describe them. */
final class Content {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
    static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    static final String SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
    static final String SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    /** The OCI empty descriptor's content, "{}". */
    static final byte[] EMPTY_JSON = "{}".getBytes(StandardCharsets.US_ASCII);

    private Content() {}

    static String sha256(byte[] bytes) {
        return digest("sha256", "SHA-256", bytes);
    }

    static String sha512(byte[] bytes) {
        return digest("sha512", "SHA-512", bytes);
    }

    private static String digest(String algorithm, String jca, byte[] bytes) {
        try {
            return algorithm + ":" + HexFormat.of().formatHex(MessageDigest.getInstance(jca).digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A sha256 digest of content nobody uploaded. */
    static String unknownDigest() {
        return sha256(("never uploaded " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8));
    }

    /** Random bytes, so no two tests ever share a blob by accident. */
    static byte[] randomBlob(int size) {
        byte[] bytes = new byte[size];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    /** A small valid image config whose digest is unique. */
    static byte[] imageConfig() {
        return ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
                + "\"config\":{\"Labels\":{\"test\":\"" + UUID.randomUUID() + "\"}}}").getBytes(StandardCharsets.UTF_8);
    }

    static ObjectNode descriptor(String mediaType, byte[] content) {
        return descriptor(mediaType, sha256(content), content.length);
    }

    static ObjectNode descriptor(String mediaType, String digest, long size) {
        ObjectNode node = Response.JSON.createObjectNode();
        node.put("mediaType", mediaType);
        node.put("digest", digest);
        node.put("size", size);
        return node;
    }

    /** An image manifest (OCI or Docker schema 2, by mediaType) over a config and layers. */
    static ObjectNode imageManifest(String mediaType, ObjectNode config, ObjectNode... layers) {
        ObjectNode node = Response.JSON.createObjectNode();
        node.put("schemaVersion", 2);
        node.put("mediaType", mediaType);
        node.set("config", config);
        ArrayNode array = node.putArray("layers");
        for (ObjectNode layer : layers) {
            array.add(layer);
        }
        return node;
    }

    /** An index (OCI index or Docker manifest list, by mediaType) over child manifests. */
    static ObjectNode index(String mediaType, ObjectNode... manifests) {
        ObjectNode node = Response.JSON.createObjectNode();
        node.put("schemaVersion", 2);
        node.put("mediaType", mediaType);
        ArrayNode array = node.putArray("manifests");
        for (ObjectNode manifest : manifests) {
            ObjectNode child = manifest.deepCopy();
            ObjectNode platform = child.putObject("platform");
            platform.put("architecture", "amd64");
            platform.put("os", "linux");
            array.add(child);
        }
        return node;
    }

    static ObjectNode annotations(ObjectNode node, Map<String, String> annotations) {
        ObjectNode map = node.putObject("annotations");
        annotations.forEach(map::put);
        return node;
    }

    static JsonNode parse(byte[] json) {
        try {
            return Response.JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Compact JSON, as most clients send it. */
    static byte[] bytes(ObjectNode node) {
        try {
            return Response.JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Indented JSON with a trailing newline: a registry that re-serialises would change these bytes. */
    static byte[] prettyBytes(ObjectNode node) {
        try {
            return (Response.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
