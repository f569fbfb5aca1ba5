package io.berth.scan.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.io.input.BoundedInputStream;
import org.apache.commons.io.input.CloseShieldInputStream;

/**
 * Reads one layer, streamed: decompresses it (gzip, zstd or none, told by the stream's magic bytes, which also covers
 * media types that lie), walks its tar entries once, records whiteouts and opaque directories, and hands the files of
 * interest to their extractors. Text databases are buffered up to {@link #MAX_BUFFERED} bytes each; rpm's sqlite
 * database goes to a temporary file; archives and executables are read through as streams. Nothing else is kept.
 */
public final class LayerScanner {

    /** The most a text file of interest is buffered; a larger one is skipped with a reason. */
    public static final int MAX_BUFFERED = 64 << 20;
    /** The most of an rpm database written to a temporary file. */
    public static final long MAX_RPMDB = 1L << 30;

    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private static final Pattern NPM = Pattern.compile("(^|.*/)node_modules/(@[^/]+/)?[^/@][^/]*/package\\.json");
    private static final Pattern STATUS_D = Pattern.compile("var/lib/dpkg/status\\.d/[^/]+");
    private static final ObjectMapper JSON = new ObjectMapper();

    private enum Target {
        DPKG, DPKG_STATUS_D, APK, OS_RELEASE, RPM_SQLITE, RPM_WAL, RPM_BDB, RPM_OTHER, JAR, PYTHON, NPM, EXECUTABLE
    }

    private final Path tempDir;

    /** @param tempDir where rpm databases are written for sqlite to open (null: the system's temporary directory) */
    public LayerScanner(Path tempDir) {
        this.tempDir = tempDir;
    }

    /** Reads the layer to its end and returns what it contributes to an image's inventory. */
    public LayerFindings scan(Layer layer) throws IOException {
        Map<String, FileFindings> files = new HashMap<>();
        List<String> whiteouts = new ArrayList<>();
        List<String> opaque = new ArrayList<>();
        long[] compressed = {0};
        Map<String, Path> rpmFiles = new HashMap<>();
        try (InputStream raw = layer.opener().open();
                InputStream counted = counting(raw, compressed);
                InputStream tarBytes = decompress(new BufferedInputStream(counted, 1 << 16));
                TarArchiveInputStream tar = new TarArchiveInputStream(tarBytes, StandardCharsets.UTF_8.name())) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String path = normalise(entry.getName());
                if (path.isEmpty()) {
                    continue;
                }
                int slash = path.lastIndexOf('/');
                String dir = slash < 0 ? "" : path.substring(0, slash);
                String base = path.substring(slash + 1);
                if (base.startsWith(WHITEOUT)) {
                    if (base.equals(OPAQUE)) {
                        opaque.add(dir);
                    } else {
                        whiteouts.add((dir.isEmpty() ? "" : dir + "/") + base.substring(WHITEOUT.length()));
                    }
                    continue;
                }
                if (entry.isDirectory()) {
                    continue;
                }
                if (entry.isLink()) {
                    FileFindings target = files.get(normalise(entry.getLinkName()));
                    if (target != null) {
                        files.put(path, target);
                    }
                    continue;
                }
                Target target = classify(path, entry);
                if (target == null) {
                    continue;
                }
                if (entry.isSymbolicLink()) {
                    // A link where a database was hides the lower layers' file; os-release falls back on its own.
                    files.put(path, FileFindings.skipped("symbolic link to " + entry.getLinkName()));
                    continue;
                }
                if (!entry.isFile()) {
                    continue;
                }
                if (target == Target.RPM_SQLITE || target == Target.RPM_WAL || target == Target.RPM_BDB) {
                    // The database and its write-ahead log are read together once the layer is through.
                    FileFindings tooLarge = spool(path, entry, tar, rpmFiles);
                    if (tooLarge != null) {
                        files.put(path, tooLarge);
                    }
                    continue;
                }
                FileFindings found = read(target, path, entry, tar);
                if (found != null) {
                    files.put(path, found);
                }
            }
            tarBytes.transferTo(OutputStream.nullOutputStream()); // the end-of-archive blocks and any padding
            readRpmDatabases(rpmFiles, files);
        } finally {
            for (Path p : rpmFiles.values()) {
                Files.deleteIfExists(p);
                Files.deleteIfExists(p.resolveSibling(p.getFileName() + "-wal"));
                Files.deleteIfExists(p.resolveSibling(p.getFileName() + "-shm"));
            }
        }
        return new LayerFindings(layer.digest(), files, whiteouts, opaque, compressed[0]);
    }

    private FileFindings read(Target target, String path, TarArchiveEntry entry, InputStream tar) {
        try {
            return switch (target) {
                case DPKG -> FileFindings.of(TextDatabases.dpkgStatus(text(entry, tar), true));
                case DPKG_STATUS_D -> path.endsWith(".md5sums") ? null
                        : FileFindings.of(TextDatabases.dpkgStatus(text(entry, tar), false));
                case APK -> FileFindings.of(TextDatabases.apkInstalled(text(entry, tar)));
                case OS_RELEASE -> new FileFindings(List.of(), TextDatabases.osRelease(text(entry, tar)), null);
                case PYTHON -> FileFindings.of(TextDatabases.pythonMetadata(text(entry, tar)));
                case NPM -> FileFindings.of(npm(text(entry, tar)));
                case RPM_SQLITE, RPM_WAL, RPM_BDB -> throw new IllegalStateException("spooled, not read here");
                case RPM_OTHER -> FileFindings.skipped("rpm database in ndb format: not read");
                case JAR -> FileFindings.of(JarScanner.scan(tar, path));
                case EXECUTABLE -> {
                    GoBuildInfo.Result go = GoBuildInfo.scan(tar);
                    yield new FileFindings(go.packages(), null, go.skipped());
                }
            };
        } catch (IOException | RuntimeException e) {
            // One unreadable file does not spoil the layer: the tar stream skips the rest of the entry.
            return FileFindings.skipped(target.name().toLowerCase() + " unreadable: " + e.getMessage());
        } catch (TooLarge e) {
            return FileFindings.skipped(e.getMessage());
        }
    }

    private static Target classify(String path, TarArchiveEntry entry) {
        switch (path) {
            case "var/lib/dpkg/status": return Target.DPKG;
            case "lib/apk/db/installed": return Target.APK;
            case "etc/os-release", "usr/lib/os-release": return Target.OS_RELEASE;
            case "var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite": return Target.RPM_SQLITE;
            case "var/lib/rpm/rpmdb.sqlite-wal", "usr/lib/sysimage/rpm/rpmdb.sqlite-wal": return Target.RPM_WAL;
            case "var/lib/rpm/Packages": return Target.RPM_BDB;
            case "var/lib/rpm/Packages.db", "usr/lib/sysimage/rpm/Packages.db": return Target.RPM_OTHER;
            default: break;
        }
        if (path.startsWith("var/lib/dpkg/status.d/") && STATUS_D.matcher(path).matches()) {
            return Target.DPKG_STATUS_D;
        }
        if (JarScanner.isArchive(path)) {
            return Target.JAR;
        }
        if (path.endsWith(".dist-info/METADATA") || path.endsWith(".egg-info/PKG-INFO")
                || (path.endsWith(".egg-info") && entry.isFile())) {
            return Target.PYTHON;
        }
        if (path.endsWith("/package.json") && NPM.matcher(path).matches()) {
            return Target.NPM;
        }
        if (entry.isFile() && (entry.getMode() & 0111) != 0 && entry.getSize() >= 1024) {
            return Target.EXECUTABLE;
        }
        return null;
    }

    private static List<FoundPackage> npm(String json) throws IOException {
        JsonNode root = JSON.readTree(json);
        String name = root == null ? null : root.path("name").asText(null);
        String version = root == null ? null : root.path("version").asText(null);
        if (name == null || name.isBlank() || version == null || version.isBlank()) {
            return List.of();
        }
        return List.of(new FoundPackage(PackageKind.NPM, name, version, null, null, null));
    }

    /** Writes an rpm database file (or its WAL) to a temporary file; the findings of a file over the cap, or null. */
    private FileFindings spool(String path, TarArchiveEntry entry, InputStream tar, Map<String, Path> spooled)
            throws IOException {
        if (entry.getSize() > MAX_RPMDB) {
            return FileFindings.skipped("rpm database of " + entry.getSize() + " bytes is over the cap of " + MAX_RPMDB);
        }
        Path file = spooled.get(path);
        if (file == null) {
            file = tempDir == null ? Files.createTempFile("berth-rpmdb-", ".sqlite")
                    : Files.createTempFile(tempDir, "berth-rpmdb-", ".sqlite");
            spooled.put(path, file);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            CloseShieldInputStream.wrap(tar).transferTo(out);
        }
        return null;
    }

    /**
     * Reads each spooled rpm database: Berkeley DB ones directly, sqlite ones with their write-ahead log from the same
     * layer beside them if there is one.
     */
    private static void readRpmDatabases(Map<String, Path> spooled, Map<String, FileFindings> files)
            throws IOException {
        for (Map.Entry<String, Path> e : spooled.entrySet()) {
            if (e.getKey().endsWith("-wal")) {
                continue;
            }
            Path db = e.getValue();
            Path wal = spooled.get(e.getKey() + "-wal");
            if (wal != null) {
                Files.copy(wal, db.resolveSibling(db.getFileName() + "-wal"));
            }
            boolean bdb = e.getKey().endsWith("/Packages");
            try {
                files.put(e.getKey(), FileFindings.of(bdb ? RpmBerkeleyDb.read(db) : RpmDatabase.readSqlite(db)));
            } catch (IOException | RuntimeException ex) {
                files.put(e.getKey(), FileFindings.skipped("rpm " + (bdb ? "Berkeley DB" : "sqlite")
                        + " database unreadable: " + ex.getMessage()));
            }
        }
    }

    private static String text(TarArchiveEntry entry, InputStream tar) throws IOException, TooLarge {
        if (entry.getSize() > MAX_BUFFERED) {
            throw new TooLarge(entry.getName() + " is " + entry.getSize() + " bytes, over the cap of " + MAX_BUFFERED);
        }
        byte[] bytes = BoundedInputStream.builder().setInputStream(CloseShieldInputStream.wrap(tar))
                .setMaxCount(MAX_BUFFERED).get().readAllBytes();
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A tar entry name as a path from the root: no leading {@code ./} or {@code /}, no trailing slash. */
    static String normalise(String name) {
        String p = name;
        while (p.startsWith("./") || p.startsWith("/")) {
            p = p.substring(p.charAt(0) == '.' ? 2 : 1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.equals(".") ? "" : p;
    }

    /** The layer's tar bytes: gzip and zstd recognised by their magic numbers, anything else taken as a plain tar. */
    static InputStream decompress(BufferedInputStream in) throws IOException {
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            return new BufferedInputStream(new ZstdInputStreamNoFinalizer(in), 1 << 16);
        }
        return in;
    }

    private static InputStream counting(InputStream in, long[] count) {
        return new java.io.FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    count[0]++;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    count[0] += n;
                }
                return n;
            }
        };
    }

    /** A file over its cap: skipped with this message. */
    private static final class TooLarge extends Exception {
        TooLarge(String message) {
            super(message, null, false, false);
        }
    }
}
