package io.berth.scan.inventory;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * One layer of an image as the inventory reads it: its digest (the cache key), its media type (which says how it is
 * compressed) and a way to open its blob, as stored (compressed). The stream is opened at most once per read and closed
 * by the reader.
 */
public record Layer(String digest, String mediaType, Opener opener) {

    /** Opens the layer's blob as stored. */
    @FunctionalInterface
    public interface Opener {
        InputStream open() throws IOException;
    }

    public Layer {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(opener, "opener");
        mediaType = mediaType == null ? "" : mediaType;
    }
}
