package io.berth.scan.inventory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Layers for the inventory tests: tars written with commons-compress, compressed by the real gzip and zstd tools. */
final class TestLayers {

    private TestLayers() {
    }

    /** One tar entry to write. */
    sealed interface Item permits FileItem, TreeItem, LinkItem {
    }

    record FileItem(String path, byte[] content, int mode) implements Item {
    }

    /** Every file, directory and symbolic link under {@code dir}, placed under {@code prefix} in the tar. */
    record TreeItem(Path dir, String prefix) implements Item {
    }

    record LinkItem(String path, String target, boolean symbolic) implements Item {
    }

    static FileItem file(String path, String content) {
        return new FileItem(path, content.getBytes(StandardCharsets.UTF_8), 0644);
    }

    static FileItem file(String path, byte[] content, int mode) {
        return new FileItem(path, content, mode);
    }

    static FileItem whiteout(String path) {
        int slash = path.lastIndexOf('/');
        return file(path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1), "");
    }

    static FileItem opaque(String dir) {
        return file(dir + "/.wh..wh..opq", "");
    }

    static TreeItem tree(Path dir, String prefix) {
        return new TreeItem(dir, prefix);
    }

    static LinkItem symlink(String path, String target) {
        return new LinkItem(path, target, true);
    }

    static LinkItem hardlink(String path, String target) {
        return new LinkItem(path, target, false);
    }

    /** A plain tar at {@code out} of the items, in order (paths as {@code ./a/b}, as docker and buildah write them). */
    static Path tar(Path out, Item... items) throws IOException {
        try (OutputStream os = Files.newOutputStream(out); TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Item item : items) {
                switch (item) {
                    case FileItem f -> {
                        TarArchiveEntry e = new TarArchiveEntry("./" + f.path());
                        e.setSize(f.content().length);
                        e.setMode(0100000 | f.mode());
                        tar.putArchiveEntry(e);
                        tar.write(f.content());
                        tar.closeArchiveEntry();
                    }
                    case LinkItem l -> {
                        TarArchiveEntry e = new TarArchiveEntry("./" + l.path(),
                                l.symbolic() ? TarArchiveEntry.LF_SYMLINK : TarArchiveEntry.LF_LINK);
                        e.setLinkName(l.symbolic() ? l.target() : "./" + l.target());
                        tar.putArchiveEntry(e);
                        tar.closeArchiveEntry();
                    }
                    case TreeItem t -> addTree(tar, t);
                }
            }
        }
        return out;
    }

    private static void addTree(TarArchiveOutputStream tar, TreeItem t) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(t.dir())) {
            paths = new ArrayList<>(walk.sorted().toList());
        }
        for (Path p : paths) {
            String rel = t.dir().relativize(p).toString().replace('\\', '/');
            String name = "./" + (t.prefix().isEmpty() ? rel : rel.isEmpty() ? t.prefix() : t.prefix() + "/" + rel);
            if (Files.isSymbolicLink(p)) {
                TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                e.setLinkName(Files.readSymbolicLink(p).toString());
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                tar.putArchiveEntry(new TarArchiveEntry(name + "/"));
                tar.closeArchiveEntry();
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                TarArchiveEntry e = new TarArchiveEntry(name);
                e.setSize(Files.size(p));
                e.setMode(0100000 | mode(p));
                tar.putArchiveEntry(e);
                try (InputStream in = Files.newInputStream(p)) {
                    in.transferTo(tar);
                }
                tar.closeArchiveEntry();
            }
        }
    }

    private static int mode(Path p) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        int mode = 0;
        for (PosixFilePermission perm : perms) {
            mode |= 1 << (8 - perm.ordinal());
        }
        return mode;
    }

    /** {@code tar} compressed by the gzip tool, next to it. */
    static Path gzip(Path tar) throws IOException {
        Path out = tar.resolveSibling(tar.getFileName() + ".gz");
        run(List.of("gzip", "-k", "-f", "-6", tar.toString()));
        return out;
    }

    /** {@code tar} compressed by the zstd tool, next to it. */
    static Path zstd(Path tar) throws IOException {
        Path out = tar.resolveSibling(tar.getFileName() + ".zst");
        run(List.of("zstd", "-q", "-f", "-3", tar.toString(), "-o", out.toString()));
        return out;
    }

    /** A layer of the file, its digest the file's SHA-256, its media type by its name's ending. */
    static Layer layer(Path file) throws IOException {
        String name = file.getFileName().toString();
        String type = name.endsWith(".gz") ? "application/vnd.oci.image.layer.v1.tar+gzip"
                : name.endsWith(".zst") ? "application/vnd.oci.image.layer.v1.tar+zstd"
                : "application/vnd.oci.image.layer.v1.tar";
        return new Layer(sha256(file), type, () -> Files.newInputStream(file));
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command (bounded to 10 minutes), failing on a non-zero exit; returns its standard output. */
    static String run(List<String> command) throws IOException {
        return run(command, null);
    }

    static String run(List<String> command, Path dir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Path err = Files.createTempFile("berth-test-", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        try {
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + command);
            }
            if (p.exitValue() != 0) {
                throw new IOException(command + " exited " + p.exitValue() + ": " + Files.readString(err));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
