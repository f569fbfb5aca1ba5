package io.berth.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed, validated image manifest or index. Parsing never changes the bytes: the digest is of exactly the
 * bytes that were pushed, and those bytes are what clients get back.
 *
 * @param references blobs (config and layers) of an image manifest, empty for an index
 * @param children   child manifests of an index, empty for an image manifest
 */
public record Manifest(
        Digest digest,
        String mediaType,
        byte[] bytes,
        List<Descriptor> references,
        List<Descriptor> children,
        Descriptor subject,
        String artifactType,
        String configMediaType,
        Map<String, String> annotations) {

    /** Layers that live outside the registry (Windows foreign layers) are not required to exist. */
    private static final Set<String> FOREIGN_LAYERS = Set.of(
            "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd");

    /**
     * Duplicate keys are refused (two readers could see two manifests), and so is data after the document, which the
     * Go decoders of clients refuse.
     */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    public int size() {
        return bytes.length;
    }

    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }

    /**
     * Parses pushed bytes. The media type is the request's Content-Type without parameters when it names a
     * manifest type, else the document's own mediaType field.
     */
    public static Manifest parse(byte[] bytes, String contentType, Digest digest) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw invalid("manifest is not valid JSON");
        } catch (IOException e) {
            throw invalid("manifest could not be read");
        }
        if (root == null || !root.isObject()) {
            throw invalid("manifest must be a JSON object");
        }
        String declared = textOrNull(root, "mediaType");
        String headerType = MediaTypes.withoutParameters(contentType);
        if (headerType != null && (headerType.equals("application/octet-stream") || headerType.equals("application/json"))
                && declared != null) {
            headerType = null;
        }
        String mediaType = headerType != null ? headerType : declared;
        JsonNode schemaVersion = root.get("schemaVersion");
        if ((mediaType != null && MediaTypes.isSchema1(mediaType))
                || (schemaVersion != null && schemaVersion.isInt() && schemaVersion.intValue() == 1)) {
            throw new RegistryException(ErrorCode.MANIFEST_INVALID,
                    "Docker schema 1 manifests are not supported; push with a current client (Docker schema 2 or OCI)",
                    Map.of("mediaType", String.valueOf(mediaType)));
        }
        if (mediaType == null) {
            throw invalid("manifest media type unknown: send a Content-Type or a mediaType field");
        }
        if (!MediaTypes.MANIFESTS.contains(mediaType)) {
            throw new RegistryException(ErrorCode.MANIFEST_INVALID, "unsupported manifest media type",
                    Map.of("mediaType", mediaType));
        }
        if (declared != null && !declared.equals(mediaType)) {
            throw new RegistryException(ErrorCode.MANIFEST_INVALID,
                    "manifest mediaType field does not match Content-Type",
                    Map.of("mediaType", declared, "contentType", mediaType));
        }
        if (schemaVersion == null || !schemaVersion.isInt() || schemaVersion.intValue() != 2) {
            throw invalid("schemaVersion must be 2");
        }
        Descriptor subject = root.has("subject") ? descriptor(root.get("subject"), "subject") : null;
        String artifactType = textOrNull(root, "artifactType");
        Map<String, String> annotations = stringMap(root.get("annotations"), "annotations");
        List<Descriptor> references = new ArrayList<>();
        List<Descriptor> children = new ArrayList<>();
        String configMediaType = null;
        if (MediaTypes.isIndex(mediaType)) {
            JsonNode manifests = root.get("manifests");
            if (manifests == null || !manifests.isArray()) {
                throw invalid("an index needs a manifests array");
            }
            for (JsonNode child : manifests) {
                children.add(descriptor(child, "manifests[]"));
            }
        } else {
            Descriptor config = descriptor(root.get("config"), "config");
            configMediaType = config.mediaType();
            references.add(config);
            JsonNode layers = root.get("layers");
            if (layers == null || !layers.isArray()) {
                throw invalid("an image manifest needs a layers array");
            }
            for (JsonNode layer : layers) {
                Descriptor d = descriptor(layer, "layers[]");
                if (!FOREIGN_LAYERS.contains(d.mediaType()) || !layer.has("urls")) {
                    references.add(d);
                }
            }
        }
        return new Manifest(digest, mediaType, bytes, List.copyOf(references), List.copyOf(children), subject,
                artifactType, configMediaType, annotations);
    }

    /** The type a referrers response shows for this manifest: artifactType, else its config's media type. */
    public String effectiveArtifactType() {
        return artifactType != null ? artifactType : configMediaType;
    }

    private static Descriptor descriptor(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw invalid(where + " must be a descriptor object");
        }
        String mediaType = textOrNull(node, "mediaType");
        String digest = textOrNull(node, "digest");
        JsonNode size = node.get("size");
        if (mediaType == null || digest == null || size == null || !size.isIntegralNumber()
                || !size.canConvertToLong()) {
            throw invalid(where + " needs mediaType, digest and size");
        }
        Digest parsed;
        try {
            parsed = Digest.parse(digest);
        } catch (RegistryException e) {
            throw invalid(where + " has an invalid digest");
        }
        return new Descriptor(mediaType, parsed, size.longValue(), textOrNull(node, "artifactType"),
                stringMap(node.get("annotations"), where + ".annotations"));
    }

    private static Map<String, String> stringMap(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw invalid(where + " must be an object of strings");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw invalid(where + " values must be strings");
            }
            map.put(e.getKey(), e.getValue().textValue());
        }
        return map;
    }

    private static String textOrNull(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw invalid(field + " must be a string");
        }
        return value.textValue();
    }

    private static RegistryException invalid(String message) {
        return new RegistryException(ErrorCode.MANIFEST_INVALID, message);
    }
}
