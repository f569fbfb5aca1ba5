package io.berth.scan.inventory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveInputStream;
import org.apache.commons.io.input.BoundedInputStream;
import org.apache.commons.io.input.CloseShieldInputStream;

/**
 * Java archives (jar, war, ear), read as a stream: every {@code META-INF/maven/G/A/pom.properties} is a package;
 * nested archives (Spring Boot's {@code BOOT-INF/lib}, {@code WEB-INF/lib}, fat jars) are read in turn, as streams,
 * down to a bounded depth; an archive naming no Maven coordinates falls back to its {@code MANIFEST.MF}
 * (Implementation-/Bundle- fields).
 */
final class JarScanner {

    static final int MAX_DEPTH = 4;
    private static final int MAX_SMALL_ENTRY = 1 << 20;
    private static final Pattern POM_PROPERTIES = Pattern.compile("META-INF/maven/[^/]+/[^/]+/pom\\.properties");
    private static final Pattern FILE_VERSION = Pattern.compile("^(.+?)-(\\d[^/]*)$");

    private JarScanner() {
    }

    static boolean isArchive(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        return p.endsWith(".jar") || p.endsWith(".war") || p.endsWith(".ear") || p.endsWith(".hpi")
                || p.endsWith(".jpi");
    }

    /** The packages of the archive read from {@code in} (left open); {@code location} names it in findings. */
    static List<FoundPackage> scan(InputStream in, String location) throws IOException {
        Map<String, FoundPackage> found = new LinkedHashMap<>();
        scan(in, location, null, 0, found);
        return new ArrayList<>(found.values());
    }

    private static void scan(InputStream in, String fileName, String location, int depth,
            Map<String, FoundPackage> found) throws IOException {
        Manifest manifest = null;
        boolean ownCoordinates = false;
        var zip = new ZipArchiveInputStream(CloseShieldInputStream.wrap(in), "UTF-8", true, true);
        ZipArchiveEntry entry;
        while ((entry = zip.getNextEntry()) != null) {
            if (entry.isDirectory() || !zip.canReadEntryData(entry)) {
                continue;
            }
            String name = entry.getName();
            if (POM_PROPERTIES.matcher(name).matches()) {
                Properties props = new Properties();
                props.load(new ByteArrayInputStream(readSmall(zip)));
                String g = props.getProperty("groupId");
                String a = props.getProperty("artifactId");
                String v = props.getProperty("version");
                if (notBlank(g) && notBlank(a) && notBlank(v)) {
                    add(found, g.strip() + ":" + a.strip(), v.strip(), location);
                    ownCoordinates = true;
                }
            } else if (name.equalsIgnoreCase("META-INF/MANIFEST.MF")) {
                manifest = new Manifest(new ByteArrayInputStream(readSmall(zip)));
            } else if (depth + 1 < MAX_DEPTH && isArchive(name)) {
                String nestedLocation = (location == null ? fileName : location) + "!/" + name;
                scan(zip, baseName(name), nestedLocation, depth + 1, found);
            }
        }
        if (!ownCoordinates && manifest != null) {
            fromManifest(manifest.getMainAttributes(), fileName, location, found);
        }
    }

    /** A package from the manifest: version from Implementation-Version or Bundle-Version, name from the rest. */
    private static void fromManifest(Attributes main, String fileName, String location,
            Map<String, FoundPackage> found) {
        String version = first(main, "Implementation-Version", "Bundle-Version", "Specification-Version");
        String artifact = null;
        String fromFile = baseName(fileName).replaceFirst("(?i)\\.(jar|war|ear|hpi|jpi)$", "");
        Matcher m = FILE_VERSION.matcher(fromFile);
        if (m.matches()) {
            artifact = m.group(1);
            version = version == null ? m.group(2) : version;
        }
        String group = first(main, "Implementation-Vendor-Id", "Automatic-Module-Name", "Bundle-SymbolicName");
        if (group != null) {
            group = group.split(";")[0].strip();
            if (artifact == null) {
                artifact = first(main, "Implementation-Title", "Bundle-Name");
            }
            if (artifact != null && group.endsWith("." + artifact)) {
                group = group.substring(0, group.length() - artifact.length() - 1);
            }
        }
        if (group == null || artifact == null || version == null || artifact.contains(" ")) {
            return;
        }
        add(found, group + ":" + artifact, version, location);
    }

    private static void add(Map<String, FoundPackage> found, String name, String version, String location) {
        found.putIfAbsent(name + "@" + version + "@" + location,
                new FoundPackage(PackageKind.MAVEN, name, version, null, null, location));
    }

    private static String first(Attributes attributes, String... names) {
        for (String n : names) {
            String v = attributes.getValue(n);
            if (notBlank(v)) {
                return v.strip();
            }
        }
        return null;
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    private static String baseName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static byte[] readSmall(InputStream in) throws IOException {
        byte[] bytes = BoundedInputStream.builder().setInputStream(CloseShieldInputStream.wrap(in))
                .setMaxCount(MAX_SMALL_ENTRY + 1L).get().readAllBytes();
        if (bytes.length > MAX_SMALL_ENTRY) {
            throw new IOException("archive entry larger than " + MAX_SMALL_ENTRY + " bytes");
        }
        return bytes;
    }
}
