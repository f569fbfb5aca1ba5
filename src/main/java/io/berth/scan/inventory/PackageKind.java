package io.berth.scan.inventory;

/** Where a found package comes from: which package manager or language ecosystem wrote what it was read from. */
public enum PackageKind {
    /** Debian and Ubuntu packages: {@code var/lib/dpkg/status}, distroless {@code status.d}. */
    DPKG,
    /** Alpine (and Wolfi) packages: {@code lib/apk/db/installed}. */
    APK,
    /** RPM packages: {@code rpmdb.sqlite}. */
    RPM,
    /** Java archives: {@code pom.properties}, {@code MANIFEST.MF}. */
    MAVEN,
    /** Python distributions: {@code *.dist-info/METADATA}, {@code *.egg-info/PKG-INFO}. */
    PYPI,
    /** Node packages: {@code node_modules/**}{@code /package.json}. */
    NPM,
    /** Go binaries' build information: modules and the standard library. */
    GO;

    /** Whether packages of this kind belong to the distribution, so that os-release names their ecosystem. */
    public boolean isOs() {
        return this == DPKG || this == APK || this == RPM;
    }
}
