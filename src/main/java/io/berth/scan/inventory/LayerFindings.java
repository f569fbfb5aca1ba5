package io.berth.scan.inventory;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What one layer contributes to an image's inventory, independent of the layers under it, so that it can be cached
 * by the layer's digest and reused by every image sharing the layer: the files of interest it writes (with what each
 * held) and what it deletes from the layers below (whiteouts and opaque directories). Paths are relative to the root,
 * without a leading slash.
 *
 * @param digest      the layer's digest
 * @param files       file path to what it held, for the files the extractors read
 * @param whiteouts   paths this layer deletes from the layers below ({@code .wh.NAME}), with everything under them
 * @param opaqueDirs  directories whose lower-layer content this layer hides ({@code .wh..wh..opq})
 * @param bytesRead   the layer's size as stored (compressed), for throughput figures
 */
public record LayerFindings(String digest, Map<String, FileFindings> files, List<String> whiteouts,
        List<String> opaqueDirs, long bytesRead) {

    /** Version of the serialised form: a reader seeing another version treats the entry as absent. */
    public static final int FORMAT = 1;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    public LayerFindings {
        Objects.requireNonNull(digest, "digest");
        files = files == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(files));
        whiteouts = whiteouts == null ? List.of() : List.copyOf(whiteouts);
        opaqueDirs = opaqueDirs == null ? List.of() : List.copyOf(opaqueDirs);
    }

    /** How many packages the layer's files name: the weight of this entry in a cache. */
    public int packageCount() {
        return files.values().stream().mapToInt(f -> f.packages().size()).sum();
    }

    /** The serialised form (JSON), for a cache that outlives the process. */
    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(new Stored(FORMAT, this));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads {@link #toJson()}'s form; null for another format version. */
    public static LayerFindings fromJson(byte[] json) throws IOException {
        Stored stored = JSON.readValue(json, Stored.class);
        return stored.format() == FORMAT ? stored.layer() : null;
    }

    private record Stored(int format, LayerFindings layer) {
    }
}
