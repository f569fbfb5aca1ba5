package io.berth.cli;

import io.berth.config.ConfigException;
import io.berth.oci.RegistryException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Locale;

/** A failure as the one line a command prints: the cause, with the path, key or host it concerns; never a trace. */
final class OneLine {
    private OneLine() {}

    static String describe(Throwable e) {
        if (e instanceof ConfigException) {
            return firstLine(e.getMessage(), e);
        }
        if (e instanceof RegistryException failure) {
            // The words the management API answers with ("CODE: message"), so both modes print the same line.
            return failure.code().base().name() + ": " + firstLine(e.getMessage(), e);
        }
        if (e instanceof UncheckedIOException unchecked && unchecked.getCause() != null) {
            String reason = reason(unchecked.getCause());
            String context = unchecked.getMessage();
            return context == null || context.equals(unchecked.getCause().toString()) || context.contains(reason)
                    ? reason : firstLine(context, e) + ": " + reason;
        }
        if (e instanceof IOException io) {
            return reason(io);
        }
        return firstLine(e.getMessage(), e);
    }

    /** "no such file: /x", "permission denied: /x", "unknown host db.example", or the message's first line. */
    static String reason(Throwable e) {
        if (e instanceof NoSuchFileException missing) {
            return "no such file: " + missing.getFile();
        }
        if (e instanceof AccessDeniedException denied) {
            return "permission denied: " + denied.getFile();
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason().toLowerCase(Locale.ROOT) + (fs.getFile() == null ? "" : ": " + fs.getFile());
        }
        if (e instanceof UnknownHostException) {
            return "unknown host " + e.getMessage();
        }
        return firstLine(e.getMessage(), e);
    }

    private static String firstLine(String message, Throwable e) {
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return message.lines().findFirst().orElse(message).strip();
    }
}
