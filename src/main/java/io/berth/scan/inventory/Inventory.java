package io.berth.scan.inventory;

import io.berth.scan.InstalledPackage;
import java.util.List;

/**
 * The packages installed in an image's final filesystem.
 *
 * @param distro   the distribution from os-release, or null when the image has none
 * @param packages every package found, in a stable order (by path, then name)
 * @param skipped  files of interest that could not be (fully) read, each as {@code path: reason}
 */
public record Inventory(Distro distro, List<Item> packages, List<String> skipped) {

    public Inventory {
        packages = List.copyOf(packages);
        skipped = List.copyOf(skipped);
    }

    /**
     * One package with where it came from.
     *
     * @param pkg         the package as matching takes it
     * @param kind        the extractor that found it
     * @param arch        the architecture for OS packages, or null
     * @param layerDigest the digest of the layer whose file named it
     * @param sourceVersion the source package's version where it differs from the package's (dpkg binary-only
     *                    rebuilds: OSV's Debian records give source versions), else null
     */
    public record Item(InstalledPackage pkg, PackageKind kind, String arch, String layerDigest, String sourceVersion) {

        /** The version of the source package: OSV's Debian records compare this one. */
        public String sourceVersionOrVersion() {
            return sourceVersion == null ? pkg.version() : sourceVersion;
        }
    }

    /** Just the packages, as matching takes them. */
    public List<InstalledPackage> installed() {
        return packages.stream().map(Item::pkg).toList();
    }
}
