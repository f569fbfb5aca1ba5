package io.berth.scan.inventory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The text package databases and metadata files: dpkg's status (and distroless {@code status.d} entries), apk's
 * installed database, os-release and Python's core metadata (RFC 822 style headers).
 */
final class TextDatabases {

    private TextDatabases() {
    }

    /** The paragraphs of a deb822 file (dpkg status): field name to value, continuation lines joined. */
    static List<Map<String, String>> deb822(String text) {
        List<Map<String, String>> paragraphs = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        String last = null;
        for (String line : text.split("\n", -1)) {
            if (line.isBlank()) {
                if (!current.isEmpty()) {
                    paragraphs.add(current);
                    current = new LinkedHashMap<>();
                }
                last = null;
            } else if ((line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                if (last != null) {
                    current.merge(last, "\n" + line.strip(), String::concat);
                }
            } else {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    last = line.substring(0, colon).strip();
                    current.put(last, line.substring(colon + 1).strip());
                }
            }
        }
        if (!current.isEmpty()) {
            paragraphs.add(current);
        }
        return paragraphs;
    }

    /**
     * The installed packages of a dpkg status file: those whose Status says {@code installed}. {@code Source:} may
     * carry the source version in parentheses ({@code Source: glibc (2.36-9)}); the name is kept.
     */
    static List<FoundPackage> dpkgStatus(String text, boolean requireStatus) {
        List<FoundPackage> out = new ArrayList<>();
        for (Map<String, String> p : deb822(text)) {
            String name = p.get("Package");
            String version = p.get("Version");
            if (name == null || version == null) {
                continue;
            }
            String status = p.get("Status");
            if (status != null ? !status.endsWith(" installed") : requireStatus) {
                continue;
            }
            String source = p.get("Source");
            String sourceVersion = null;
            if (source != null) {
                int paren = source.indexOf('(');
                if (paren >= 0 && source.endsWith(")")) {
                    sourceVersion = source.substring(paren + 1, source.length() - 1).strip();
                }
                source = (paren >= 0 ? source.substring(0, paren) : source).strip();
            }
            out.add(new FoundPackage(PackageKind.DPKG, name, version, source, p.get("Architecture"), null,
                    version.equals(sourceVersion) ? null : sourceVersion));
        }
        return out;
    }

    /** apk's {@code lib/apk/db/installed}: blocks of one-letter fields (P name, V version, A arch, o origin). */
    static List<FoundPackage> apkInstalled(String text) {
        List<FoundPackage> out = new ArrayList<>();
        String name = null;
        String version = null;
        String arch = null;
        String origin = null;
        for (String line : (text + "\n\n").split("\n", -1)) {
            if (line.isEmpty()) {
                if (name != null && version != null) {
                    out.add(new FoundPackage(PackageKind.APK, name, version, origin, arch, null));
                }
                name = version = arch = origin = null;
            } else if (line.length() >= 2 && line.charAt(1) == ':') {
                String value = line.substring(2);
                switch (line.charAt(0)) {
                    case 'P' -> name = value;
                    case 'V' -> version = value;
                    case 'A' -> arch = value;
                    case 'o' -> origin = value;
                    default -> { }
                }
            }
        }
        return out;
    }

    /** os-release's {@code KEY=VALUE} lines, quotes and shell escapes undone. */
    static Map<String, String> osRelease(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            int eq = line.indexOf('=');
            if (line.startsWith("#") || eq <= 0) {
                continue;
            }
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')
                    && value.charAt(value.length() - 1) == value.charAt(0)) {
                value = value.substring(1, value.length() - 1).replaceAll("\\\\([\"'$`\\\\])", "$1");
            }
            out.put(line.substring(0, eq).strip(), value);
        }
        return out;
    }

    /** Python core metadata (METADATA, PKG-INFO): Name and Version from the headers; the name normalised (PEP 503). */
    static List<FoundPackage> pythonMetadata(String text) {
        String name = null;
        String version = null;
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                break;
            }
            if (name == null && line.regionMatches(true, 0, "Name:", 0, 5)) {
                name = line.substring(5).strip();
            } else if (version == null && line.regionMatches(true, 0, "Version:", 0, 8)) {
                version = line.substring(8).strip();
            }
        }
        if (name == null || name.isEmpty() || version == null || version.isEmpty()) {
            return List.of();
        }
        return List.of(new FoundPackage(PackageKind.PYPI, pep503(name), version, null, null, null));
    }

    /** PEP 503's normalised project name: lower case, runs of {@code -_.} as one {@code -}. */
    static String pep503(String name) {
        return name.replaceAll("[-_.]+", "-").toLowerCase(Locale.ROOT);
    }
}
