package io.berth.auth;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * Creates the directories and files that hold secrets (the data directory with berth.db, whose rows hold password
 * and token hashes, and the token signing key) readable by the owner only: directories 0700, files 0600, whatever
 * the umask. Existing ones are left as they are. On a file system without POSIX permissions, plain creation.
 */
public final class PrivateFiles {
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles() {}

    /** Creates dir and its missing parents, each new one 0700. */
    public static void createDirectories(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (!posix(absolute)) {
            Files.createDirectories(absolute);
            return;
        }
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = absolute; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        while (!missing.isEmpty()) {
            Path next = missing.pop();
            try {
                Files.createDirectory(next, attribute(DIRECTORY));
                // The umask applies to the mode given at creation; set it again to be exact.
                Files.setPosixFilePermissions(next, DIRECTORY);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(next)) {
                    throw e;
                }
            }
        }
    }

    /** Creates an empty file 0600 (and its missing parent directories 0700) unless it exists. */
    public static void createFileIfMissing(Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        createDirectories(absolute.getParent());
        if (Files.exists(absolute)) {
            return;
        }
        try {
            if (posix(absolute.getParent())) {
                Files.createFile(absolute, attribute(FILE));
                Files.setPosixFilePermissions(absolute, FILE);
            } else {
                Files.createFile(absolute);
            }
        } catch (FileAlreadyExistsException e) {
            // Made by another process meanwhile: theirs stands.
        }
    }

    private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> permissions) {
        return PosixFilePermissions.asFileAttribute(permissions);
    }

    private static boolean posix(Path path) {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing != null && existing.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
