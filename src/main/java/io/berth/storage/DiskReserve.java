package io.berth.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Space kept back on the data directory's filesystem so that a full disk does not block its own clean-up: SQLite
 * needs free pages to delete rows, and deletes and garbage collection are what frees space. A file of {@link #SIZE}
 * bytes holds the space while there is room. The first "no space left on device" (or a filesystem with almost nothing
 * left) releases it and makes the storage <em>full</em>: writes that add content are refused (507) so the released
 * space serves deletes only. When {@link #check} finds room for the reserve and as much again, it is re-created and
 * writes are accepted again.
 */
public final class DiskReserve {
    private static final Logger LOG = LoggerFactory.getLogger(DiskReserve.class);
    /** Far more than the pages SQLite writes to delete a repository's rows or to record a collection. */
    static final long SIZE = 8L << 20;
    /** Below this much usable space the filesystem counts as full even before a write failed. */
    private static final long LOW = 1L << 20;
    private static final int MAX_CAUSES = 16;

    private final Path dir;
    private final Path file;
    private volatile boolean full;

    private DiskReserve(Path dir) {
        this.dir = dir;
        this.file = dir.resolve("reserve.space");
    }

    /** The reserve of the data directory dir, created now if there is room (else the storage starts full). */
    public static DiskReserve open(Path dir) throws IOException {
        DiskReserve reserve = new DiskReserve(Files.createDirectories(dir));
        reserve.check();
        return reserve;
    }

    /** True while the filesystem is full: the reserve is released and writes that add content are refused. */
    public boolean full() {
        return full;
    }

    /** Notes a failed write: when it ran out of space, releases the reserve (once) and returns true. */
    public boolean noteFailure(Throwable failure) {
        if (!isNoSpace(failure)) {
            return false;
        }
        enterFull(rootMessage(failure));
        return true;
    }

    /**
     * Looks at the free space (one statfs): enters the full state when almost nothing is left, leaves it (re-creating
     * the reserve) when the reserve fits twice over. Runs at start and then periodically, off any request.
     */
    public synchronized void check() throws IOException {
        java.nio.file.FileStore store = Files.getFileStore(dir);
        long usable = store.getUsableSpace();
        if (!full) {
            // Some network and FUSE filesystems report no sizes at all (total 0): only a failed write tells there.
            if (usable < LOW && store.getTotalSpace() > 0) {
                enterFull(usable + " bytes left");
            } else if (!Files.exists(file) && !create()) {
                enterFull("no room for the " + (SIZE >> 20) + " MiB reserve");
            }
        } else if (usable >= 2 * SIZE && create()) {
            full = false;
            LOG.info("storage has room again ({} MiB usable): reserve re-created, writes accepted", usable >> 20);
        }
    }

    private synchronized void enterFull(String cause) {
        if (full) {
            return;
        }
        full = true;
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("could not release the storage reserve {}: {}", file, e.toString());
        }
        LOG.warn("storage full ({}): released the {} MiB reserve so deletes and garbage collection can run; "
                + "pushes answer 507 until space is freed", cause, SIZE >> 20);
    }

    /** Writes the reserve with bytes that do not compress (a compressing filesystem would keep zeros in no space). */
    private boolean create() {
        byte[] chunk = new byte[1 << 20];
        ThreadLocalRandom.current().nextBytes(chunk);
        Path temp = dir.resolve("reserve.space.tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                for (long written = 0; written < SIZE; written += chunk.length) {
                    ByteBuffer buffer = ByteBuffer.wrap(chunk);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                }
                channel.force(true);
            }
            Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // Nothing more to release.
            }
            if (!isNoSpace(e)) {
                LOG.warn("could not create the storage reserve {}: {}", file, e.toString());
            }
            return false;
        }
    }

    /**
     * True when failure, or a cause of it, is a filesystem out of space: ENOSPC from a write, fsync or rename
     * ("No space left on device"), SQLite's SQLITE_FULL, or a write refused here while the storage is full.
     */
    public static boolean isNoSpace(Throwable failure) {
        Throwable t = failure;
        for (int i = 0; t != null && i < MAX_CAUSES; i++, t = t.getCause()) {
            if (t instanceof StorageFullException) {
                return true;
            }
            String message = t.getMessage();
            if (t instanceof IOException && message != null && message.contains("No space left on device")) {
                return true;
            }
            if (t instanceof SQLException sql && (sql.getErrorCode() == 13
                    || (message != null && message.contains("SQLITE_FULL")))) {
                return true;
            }
        }
        return false;
    }

    /** The message of the innermost cause: one line for a log, without a stack trace. */
    public static String rootMessage(Throwable failure) {
        Throwable t = failure;
        for (int i = 0; t.getCause() != null && i < MAX_CAUSES; i++) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** A write refused because the storage is full; no bytes were written. */
    public static final class StorageFullException extends IOException {
        StorageFullException() {
            super("No space left on device: the storage is full; delete content or free space, then retry");
        }
    }
}
