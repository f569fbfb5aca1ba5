package io.berth.scan.version;

import java.util.Map;
import java.util.Optional;

/** Which version ordering an OSV ecosystem uses. */
public final class VersionSchemes {

    private static final Map<String, VersionScheme<?>> BY_BASE = Map.ofEntries(
            Map.entry("Debian", VersionScheme.DPKG),
            Map.entry("Ubuntu", VersionScheme.DPKG),
            Map.entry("Alpine", VersionScheme.APK),
            Map.entry("Wolfi", VersionScheme.APK),
            Map.entry("Chainguard", VersionScheme.APK),
            Map.entry("MinimOS", VersionScheme.APK),
            Map.entry("Alpaquita", VersionScheme.APK),
            Map.entry("BellSoft Hardened Containers", VersionScheme.APK),
            Map.entry("Red Hat", VersionScheme.RPM),
            Map.entry("Rocky Linux", VersionScheme.RPM),
            Map.entry("AlmaLinux", VersionScheme.RPM),
            Map.entry("openSUSE", VersionScheme.RPM),
            Map.entry("SUSE", VersionScheme.RPM),
            Map.entry("openEuler", VersionScheme.RPM),
            Map.entry("Mageia", VersionScheme.RPM),
            Map.entry("Photon OS", VersionScheme.RPM),
            Map.entry("Azure Linux", VersionScheme.RPM),
            Map.entry("CBL-Mariner", VersionScheme.RPM),
            Map.entry("Oracle Linux", VersionScheme.RPM),
            Map.entry("Amazon Linux", VersionScheme.RPM),
            Map.entry("Maven", VersionScheme.MAVEN),
            Map.entry("PyPI", VersionScheme.PEP440),
            Map.entry("npm", VersionScheme.SEMVER),
            Map.entry("crates.io", VersionScheme.SEMVER),
            Map.entry("Hex", VersionScheme.SEMVER),
            Map.entry("Bitnami", VersionScheme.SEMVER),
            Map.entry("SwiftURL", VersionScheme.SEMVER),
            Map.entry("Go", VersionScheme.GO),
            Map.entry("Kubernetes", VersionScheme.GO));

    private VersionSchemes() {
    }

    /**
     * The ordering of an OSV ecosystem's versions, the release suffix ignored: {@code Debian:12} and {@code Ubuntu:22.04:LTS}
     * give dpkg, {@code Alpine:v3.20} apk, {@code Red Hat:enterprise_linux:9::appstream}, {@code Rocky Linux:9},
     * {@code AlmaLinux:9} and {@code openSUSE:Leap 15.5} rpm, {@code Maven} (and {@code Maven:https://…}) Maven,
     * {@code PyPI} PEP 440, {@code npm} SemVer, {@code Go} Go's. Empty for an ecosystem without a known ordering.
     */
    public static Optional<VersionScheme<?>> forEcosystem(String ecosystem) {
        return Optional.ofNullable(BY_BASE.get(base(ecosystem)));
    }

    /** The ecosystem without its {@code :release} suffix ({@code Debian:12} → {@code Debian}). */
    public static String base(String ecosystem) {
        int colon = ecosystem.indexOf(':');
        return (colon < 0 ? ecosystem : ecosystem.substring(0, colon)).strip();
    }

    /** The ecosystem's suffix after the first {@code :}, or empty ({@code Alpine:v3.20} → {@code v3.20}). */
    public static String release(String ecosystem) {
        int colon = ecosystem.indexOf(':');
        return colon < 0 ? "" : ecosystem.substring(colon + 1).strip();
    }
}
