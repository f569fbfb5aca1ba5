package io.berth.registry;

import java.nio.ByteBuffer;

/**
 * Receives one request body of an upload. {@link #write} runs on the HTTP event loop (append and hash while the
 * bytes arrive, no blocking calls beyond the page-cache write); {@link #complete} and {@link #abort} do the
 * blocking part and run on the blocking executor.
 */
public interface UploadWriter {
    void write(ByteBuffer bytes);

    /** Ends the body and returns what the request answers. */
    UploadResult complete();

    /** Drops what this body wrote; the upload stays at its earlier offset. Safe to call more than once. */
    void abort();
}
