package io.berth.scan.inventory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * rpm's sqlite database ({@code rpmdb.sqlite}, the default since rpm 4.16): each row of its {@code Packages} table is
 * one package's header blob, in rpm's header format: the index length and data length (big-endian int32), then the
 * index entries (tag, type, offset, count; int32 each) and the data store they point into.
 */
final class RpmDatabase {

    private static final int TAG_NAME = 1000;
    private static final int TAG_VERSION = 1001;
    private static final int TAG_RELEASE = 1002;
    private static final int TAG_EPOCH = 1003;
    private static final int TAG_ARCH = 1022;
    private static final int TAG_SOURCERPM = 1044;
    private static final int TYPE_INT32 = 4;
    private static final int TYPE_STRING = 6;
    private static final int TYPE_STRING_ARRAY = 8;
    private static final int TYPE_I18NSTRING = 9;

    private RpmDatabase() {
    }

    /**
     * The packages of the sqlite database at {@code db}, a private copy (sqlite may replay a write-ahead log beside
     * it into it); gpg-pubkey pseudo-packages left out.
     */
    static List<FoundPackage> readSqlite(Path db) throws IOException {
        List<FoundPackage> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT blob FROM Packages")) {
            while (rs.next()) {
                FoundPackage p = header(rs.getBytes(1));
                if (p != null && !p.name().equals("gpg-pubkey")) {
                    out.add(p);
                }
            }
        } catch (SQLException e) {
            throw new IOException("rpm sqlite database: " + e.getMessage(), e);
        }
        return out;
    }

    /** One header blob as a package; null when it has no name or version. */
    static FoundPackage header(byte[] blob) throws IOException {
        if (blob == null || blob.length < 8) {
            throw new IOException("rpm header too short");
        }
        ByteBuffer b = ByteBuffer.wrap(blob);
        int il = b.getInt();
        int dl = b.getInt();
        long dataStart = 8L + 16L * il;
        if (il < 0 || dl < 0 || dataStart + dl > blob.length) {
            throw new IOException("rpm header sizes out of range: " + il + " entries, " + dl + " bytes");
        }
        String name = null;
        String version = null;
        String release = null;
        String arch = null;
        String sourceRpm = null;
        Integer epoch = null;
        for (int i = 0; i < il; i++) {
            int tag = b.getInt(8 + 16 * i);
            int type = b.getInt(12 + 16 * i);
            int offset = b.getInt(16 + 16 * i);
            if (offset < 0 || offset >= dl) {
                continue;
            }
            int at = (int) dataStart + offset;
            boolean string = type == TYPE_STRING || type == TYPE_STRING_ARRAY || type == TYPE_I18NSTRING;
            switch (tag) {
                case TAG_NAME -> name = string ? cString(blob, at, (int) dataStart + dl) : null;
                case TAG_VERSION -> version = string ? cString(blob, at, (int) dataStart + dl) : null;
                case TAG_RELEASE -> release = string ? cString(blob, at, (int) dataStart + dl) : null;
                case TAG_ARCH -> arch = string ? cString(blob, at, (int) dataStart + dl) : null;
                case TAG_SOURCERPM -> sourceRpm = string ? cString(blob, at, (int) dataStart + dl) : null;
                case TAG_EPOCH -> epoch = type == TYPE_INT32 && at + 4 <= dataStart + dl ? b.getInt(at) : null;
                default -> { }
            }
        }
        if (name == null || version == null) {
            return null;
        }
        String full = (epoch != null ? epoch + ":" : "") + version + (release != null ? "-" + release : "");
        return new FoundPackage(PackageKind.RPM, name, full, sourceName(sourceRpm), arch, null);
    }

    /** The source package's name from a source rpm file name: {@code glibc-2.34-60.el9.src.rpm} is {@code glibc}. */
    static String sourceName(String sourceRpm) {
        if (sourceRpm == null || sourceRpm.isEmpty() || sourceRpm.equals("(none)")) {
            return null;
        }
        String s = sourceRpm.endsWith(".rpm") ? sourceRpm.substring(0, sourceRpm.length() - 4) : sourceRpm;
        int dot = s.lastIndexOf('.');
        if (dot > 0) {
            s = s.substring(0, dot); // the arch: src or nosrc
        }
        for (int i = 0; i < 2; i++) {
            int dash = s.lastIndexOf('-');
            if (dash <= 0) {
                return null;
            }
            s = s.substring(0, dash);
        }
        return s;
    }

    private static String cString(byte[] blob, int from, int end) {
        int i = from;
        while (i < end && blob[i] != 0) {
            i++;
        }
        return new String(blob, from, i - from, StandardCharsets.UTF_8);
    }
}
