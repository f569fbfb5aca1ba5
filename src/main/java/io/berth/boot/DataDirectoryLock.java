package io.berth.boot;

import io.berth.auth.PrivateFiles;
import io.berth.config.ConfigException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * One server per data directory: {@code <data>/berth.lock}, locked for the server's lifetime and holding its pid. The
 * operating system drops the lock when the process ends, however it ends, so a crash leaves nothing to clean up.
 * Taking it also proves, before anything else starts, that the directory exists (or can be made) and is writable.
 */
record DataDirectoryLock(FileChannel channel, FileLock lock) {
    static final String FILE = "berth.lock";

    /** Makes the data directory if needed and locks it; a one-line ConfigException when that is not possible. */
    static DataDirectoryLock acquire(Path data) {
        Path absolute = data.toAbsolutePath();
        try {
            PrivateFiles.createDirectories(absolute);
        } catch (IOException e) {
            throw unusable(absolute, e);
        }
        Path file = absolute.resolve(FILE);
        FileChannel channel;
        try {
            // No TRUNCATE: the file may hold the pid of the server that has it locked.
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw unusable(absolute, e);
        }
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                String holder = holder(channel);
                channel.close();
                throw new ConfigException("the data directory " + absolute + " is in use by another Berth server"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")") + "; lock file " + file);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(false);
            return new DataDirectoryLock(channel, lock);
        } catch (IOException e) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Already failing with the cause that matters.
            }
            throw unusable(absolute, e);
        }
    }

    /** The pid the lock file names, or "" when it names none. */
    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
        return text.matches("[0-9]+") ? text : "";
    }

    /** "cannot use the data directory /srv/berth: permission denied" and the like. */
    static ConfigException unusable(Path data, IOException e) {
        String reason;
        if (e instanceof java.nio.file.NoSuchFileException) {
            reason = "no such file or directory";
        } else if (e instanceof AccessDeniedException) {
            reason = "permission denied";
        } else if (e instanceof FileAlreadyExistsException exists) {
            reason = (data.toString().equals(exists.getFile()) ? "" : exists.getFile() + " is ") + "not a directory";
        } else if (e instanceof FileSystemException fs && fs.getReason() != null) {
            reason = fs.getReason().toLowerCase(Locale.ROOT)
                    + (fs.getFile() == null || fs.getFile().equals(data.toString())
                    || fs.getFile().startsWith(data + "/") ? "" : " (" + fs.getFile() + ")");
        } else {
            reason = String.valueOf(e.getMessage());
        }
        return new ConfigException("cannot use the data directory " + data + ": " + reason);
    }

    /** Lets the lock go (the process ending does too). */
    void release() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // The process is ending; the operating system releases the lock with it.
        }
    }
}
