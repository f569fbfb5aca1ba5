package io.berth.registry;

import io.berth.oci.Digest;
import io.berth.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Copies blobs into a store, each verified against its digest on the way: small ones in one put, larger ones
 * streamed through an upload of the store, so no blob is held in memory and a bad one never becomes visible.
 * Blobs the store already holds (with the same size) are left alone.
 */
public final class BlobCopier {
    /** Blobs up to this size are read into memory, verified, then stored with one put. */
    private static final int IN_MEMORY = 4 << 20;

    @FunctionalInterface
    public interface Source {
        InputStream open() throws IOException;
    }

    private final BlobStore target;
    private final AtomicInteger copied = new AtomicInteger();
    private final AtomicInteger present = new AtomicInteger();
    private final AtomicLong bytesCopied = new AtomicLong();

    BlobCopier(BlobStore target) {
        this.target = target;
    }

    public int copied() {
        return copied.get();
    }

    public int present() {
        return present.get();
    }

    public long bytesCopied() {
        return bytesCopied.get();
    }

    /** True when copied, false when the store held it already; IOException when the source is missing or bad. */
    public boolean copy(Digest digest, long size, Source source) throws IOException {
        Optional<Long> held = target.size(digest);
        if (held.isPresent()) {
            if (held.get() != size) {
                throw new IOException("the target holds " + digest + " with " + held.get() + " bytes, not " + size);
            }
            present.incrementAndGet();
            return false;
        }
        if (size <= IN_MEMORY) {
            byte[] bytes;
            try (InputStream in = source.open()) {
                bytes = in.readNBytes(IN_MEMORY + 1);
            }
            check(digest, size, bytes.length, digest.newMessageDigest().digest(bytes));
            target.put(digest, bytes);
        } else {
            stream(digest, size, source);
        }
        copied.incrementAndGet();
        bytesCopied.addAndGet(size);
        return true;
    }

    private void stream(Digest digest, long size, Source source) throws IOException {
        BlobStore.Upload upload = target.openUpload("copy-" + UUID.randomUUID());
        upload.create();
        boolean committed = false;
        try {
            MessageDigest hash = digest.newMessageDigest();
            long length = 0;
            try (InputStream in = source.open(); BlobStore.UploadAppender appender = upload.append(0, null)) {
                byte[] buffer = new byte[1 << 20];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    hash.update(buffer, 0, n);
                    appender.write(ByteBuffer.wrap(buffer, 0, n));
                    length += n;
                }
            }
            check(digest, size, length, hash.digest());
            upload.commit(digest, length, null);
            committed = true;
        } finally {
            if (!committed) {
                upload.delete();
            }
        }
    }

    private static void check(Digest digest, long size, long length, byte[] computed) throws IOException {
        if (length != size) {
            throw new IOException(digest + " has " + length + " bytes, expected " + size);
        }
        if (!digest.matches(computed)) {
            throw new IOException("the content of " + digest + " does not match its digest (corrupt)");
        }
    }

    /** bytes as KiB, MiB or GiB. */
    public static String size(long bytes) {
        if (bytes < 1 << 20) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return bytes < 1L << 30 ? String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20))
                : String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
