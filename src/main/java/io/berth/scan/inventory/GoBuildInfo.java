package io.berth.scan.inventory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The build information Go (1.18 and later) writes into every binary's {@code .go.buildinfo} section, found in a
 * stream without random access: the section starts, 16-byte aligned, with the magic {@code "\xff Go buildinf:"}, a
 * pointer size, a flags byte (bit 2: strings inline), padding to 32 bytes, then the Go version and the module
 * information as length-prefixed (uvarint) strings. The module information lists the main module ({@code mod}),
 * dependencies ({@code dep}) and replacements ({@code =>}, which apply to the line before).
 */
final class GoBuildInfo {

    private static final byte[] MAGIC = "\u00ff Go buildinf:".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] ELF = {0x7f, 'E', 'L', 'F'};
    private static final int HEADER = 32;
    private static final int MAX_INFO = 1 << 20;
    private static final int FLAG_INLINE = 2;

    private GoBuildInfo() {
    }

    /** Outcome of reading one executable: packages, or why none could be read despite a Go header. */
    record Result(List<FoundPackage> packages, String skipped, boolean isElf) {
    }

    /** Reads {@code in} (to its end, or to the build information) looking for Go build information. */
    static Result scan(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        int n = in.readNBytes(buf, 0, buf.length);
        if (n < 4 || !Arrays.equals(buf, 0, 4, ELF, 0, 4)) {
            return new Result(List.of(), null, false);
        }
        // buf[0, n) holds the file from offset `base`; magic sits at 16-aligned file offsets.
        long base = 0;
        while (true) {
            int limit = n - MAGIC.length;
            for (int i = (int) ((16 - (base % 16)) % 16); i <= limit; i += 16) {
                if (buf[i] == (byte) 0xff && Arrays.equals(buf, i, i + MAGIC.length, MAGIC, 0, MAGIC.length)) {
                    return parse(buf, i, n, in);
                }
            }
            // Keep the unchecked tail (less than one magic long) and read on.
            int keepFrom = Math.max(0, limit + 1);
            int kept = n - keepFrom;
            System.arraycopy(buf, keepFrom, buf, 0, kept);
            base += keepFrom;
            int r = in.readNBytes(buf, kept, buf.length - kept);
            if (r <= 0) {
                return new Result(List.of(), null, true);
            }
            n = kept + r;
        }
    }

    private static Result parse(byte[] buf, int at, int n, InputStream in) throws IOException {
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        info.write(buf, at, n - at);
        byte[] more = in.readNBytes(MAX_INFO - info.size());
        info.write(more, 0, more.length);
        byte[] b = info.toByteArray();
        if (b.length < HEADER) {
            return new Result(List.of(), "truncated Go build information", true);
        }
        if ((b[15] & FLAG_INLINE) == 0) {
            return new Result(List.of(), "Go build information of a Go older than 1.18 (pointer form)", true);
        }
        int[] pos = {HEADER};
        String goVersion = varString(b, pos);
        String modInfo = varString(b, pos);
        if (goVersion == null || modInfo == null) {
            return new Result(List.of(), "malformed Go build information", true);
        }
        return new Result(modules(goVersion, modInfo), null, true);
    }

    /** The Go packages a binary's version and module information name: stdlib first, then the modules. */
    static List<FoundPackage> modules(String goVersion, String modInfo) {
        List<FoundPackage> out = new ArrayList<>();
        String std = goVersion.startsWith("go") ? goVersion.substring(2) : goVersion;
        int space = std.indexOf(' '); // "go1.22.1 X:nocoverageredesign"
        std = space > 0 ? std.substring(0, space) : std;
        if (!std.isEmpty() && Character.isDigit(std.charAt(0))) {
            out.add(new FoundPackage(PackageKind.GO, "stdlib", "v" + std, null, null, null));
        }
        // Module information is framed by 16-byte sentinels when it comes from the binary.
        if (modInfo.length() >= 33 && modInfo.charAt(modInfo.length() - 17) == '\n') {
            modInfo = modInfo.substring(16, modInfo.length() - 16);
        }
        boolean lastAdded = false;
        for (String line : modInfo.split("\n")) {
            String[] f = line.split("\t");
            if ((f[0].equals("mod") || f[0].equals("dep")) && f.length >= 2) {
                lastAdded = f.length >= 3 && !f[2].equals("(devel)") && !f[2].isEmpty();
                if (lastAdded) {
                    out.add(new FoundPackage(PackageKind.GO, f[1], f[2], null, null, null));
                }
            } else if (f[0].equals("=>") && f.length >= 3 && lastAdded) {
                // A replacement by a local directory has no version ("(devel)"): the module stays as required.
                if (!f[2].isEmpty() && !f[2].equals("(devel)")) {
                    out.set(out.size() - 1, new FoundPackage(PackageKind.GO, f[1], f[2], null, null, null));
                }
            }
        }
        return out;
    }

    private static String varString(byte[] b, int[] pos) {
        long len = 0;
        int shift = 0;
        while (pos[0] < b.length) {
            int x = b[pos[0]++] & 0xff;
            len |= (long) (x & 0x7f) << shift;
            if (x < 0x80) {
                if (len > b.length - pos[0]) {
                    return null;
                }
                String s = new String(b, pos[0], (int) len, StandardCharsets.UTF_8);
                pos[0] += (int) len;
                return s;
            }
            shift += 7;
            if (shift > 35) {
                return null;
            }
        }
        return null;
    }
}
