package io.berth.registry;

import io.berth.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/** A blob's bytes as the registry serves them: its size, a local file for zero-copy sends when the store has one, a range as a stream. */
public final class BlobBytes {
    private final BlobStore.BlobContent content;

    BlobBytes(BlobStore.BlobContent content) {
        this.content = content;
    }

    public long size() {
        return content.size();
    }

    /** A local file for zero-copy sends, when the store has one. */
    public Optional<Path> localFile() {
        return content.localFile();
    }

    /** A stream of length bytes from offset. */
    public InputStream openStream(long offset, long length) throws IOException {
        return content.openStream(offset, length);
    }
}
