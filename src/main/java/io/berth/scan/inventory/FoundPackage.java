package io.berth.scan.inventory;

import java.util.Objects;

/**
 * A package as one file of one layer shows it, before the image's distribution is known (os-release may sit in
 * another layer): what a layer's findings keep, and what the layer cache stores.
 *
 * @param kind       which extractor found it
 * @param name       the package name (for Maven {@code group:artifact}, for Go the module path, for PyPI normalised)
 * @param version    the version in the ecosystem's own syntax (rpm: {@code [epoch:]version-release})
 * @param sourceName the source package (dpkg {@code Source:}, apk origin, rpm source rpm name), or null
 * @param arch       the architecture for OS packages, or null
 * @param location   where inside the file it was found, for packages in nested jars ({@code app.jar!/BOOT-INF/lib/x.jar}),
 *                   or null when it is the file itself
 * @param sourceVersion the source package's version where it differs from {@code version} (dpkg's
 *                   {@code Source: name (version)}, as after a binary-only rebuild), else null
 */
public record FoundPackage(PackageKind kind, String name, String version, String sourceName, String arch,
        String location, String sourceVersion) {

    public FoundPackage(PackageKind kind, String name, String version, String sourceName, String arch,
            String location) {
        this(kind, name, version, sourceName, arch, location, null);
    }

    public FoundPackage {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
    }
}
