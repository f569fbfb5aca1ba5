package io.berth.scan;

import java.util.Objects;

/**
 * One package found in an image: what the inventory (layer reading) hands to matching (the vulnerability database).
 *
 * @param ecosystem  the OSV ecosystem the package belongs to, exactly as OSV names it, release included where OSV has
 *                   one: {@code Debian:12}, {@code Alpine:v3.20}, {@code Rocky Linux:9}, {@code Maven}, {@code PyPI},
 *                   {@code npm}, {@code Go}
 * @param name       the package name as its ecosystem writes it (binary package for dpkg/apk/rpm; {@code group:artifact}
 *                   for Maven; module path for Go)
 * @param version    the installed version in the ecosystem's own syntax (dpkg versions with epoch, rpm as
 *                   {@code [epoch:]version-release})
 * @param sourceName the source package the binary was built from (dpkg {@code Source:}, apk origin, rpm source rpm
 *                   name); equal to {@code name} when the ecosystem has no such notion. OSV's Debian and Alpine
 *                   records name source packages.
 * @param purl       the package URL (purl) of this package, for the SBOM
 * @param path       where in the image it was found (the database file, jar, dist-info directory or binary)
 */
public record InstalledPackage(String ecosystem, String name, String version, String sourceName, String purl,
        String path) {

    public InstalledPackage {
        Objects.requireNonNull(ecosystem, "ecosystem");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        sourceName = sourceName == null || sourceName.isBlank() ? name : sourceName;
        Objects.requireNonNull(purl, "purl");
        Objects.requireNonNull(path, "path");
    }
}
