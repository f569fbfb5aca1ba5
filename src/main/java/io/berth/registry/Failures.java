package io.berth.registry;

import io.berth.metadata.MetadataException;
import io.berth.storage.DiskReserve;

/**
 * What a failure from the stores means for a caller, so front doors can answer it without knowing the stores: the
 * disk is full, or the database cannot be reached. Each looks through wrapping causes.
 */
public final class Failures {
    private Failures() {}

    /** True when the failure, or a cause of it, is a write refused for want of space (ENOSPC, SQLITE_FULL). */
    public static boolean storageFull(Throwable failure) {
        return DiskReserve.isNoSpace(failure);
    }

    /** The message of the innermost cause: one line for a log, without a stack trace. */
    public static String rootMessage(Throwable failure) {
        return DiskReserve.rootMessage(failure);
    }

    /** The message saying the database is unreachable when that is what failed (possibly wrapped), else null. */
    public static String databaseUnreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof MetadataException e && e.unavailable()) {
                return e.getMessage();
            }
        }
        return null;
    }
}
