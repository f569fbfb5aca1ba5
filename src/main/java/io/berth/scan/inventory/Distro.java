package io.berth.scan.inventory;

import java.util.Locale;
import java.util.Map;

/**
 * The distribution an image is built on, from its os-release: its id and version, the OSV ecosystem its packages
 * belong to, and the purl namespace and {@code distro} qualifier of its packages.
 *
 * @param id        os-release's ID ({@code debian}, {@code ubuntu}, {@code alpine}, {@code rocky}, …)
 * @param versionId os-release's VERSION_ID, or null
 * @param ecosystem the OSV ecosystem of the distribution's packages ({@code Debian:12}, {@code Alpine:v3.20},
 *                  {@code Ubuntu:22.04:LTS}, {@code Rocky Linux:9}, …), or null for a distribution OSV has none for
 * @param prettyName os-release's PRETTY_NAME, or null
 */
public record Distro(String id, String versionId, String ecosystem, String prettyName) {

    /** The distribution os-release's fields describe. */
    public static Distro of(Map<String, String> osRelease) {
        String id = osRelease.getOrDefault("ID", "").toLowerCase(Locale.ROOT);
        String version = osRelease.get("VERSION_ID");
        String major = version == null ? null : version.split("\\.")[0];
        String ecosystem = switch (id) {
            case "debian" -> version == null ? "Debian" : "Debian:" + major;
            case "ubuntu" -> version == null ? "Ubuntu"
                    : "Ubuntu:" + version + (osRelease.getOrDefault("VERSION", "").contains("LTS") ? ":LTS" : "");
            case "alpine" -> version == null ? "Alpine" : "Alpine:v" + majorMinor(version);
            case "rocky" -> version == null ? "Rocky Linux" : "Rocky Linux:" + major;
            case "almalinux" -> version == null ? "AlmaLinux" : "AlmaLinux:" + major;
            case "rhel" -> version == null ? "Red Hat" : "Red Hat:enterprise_linux:" + major;
            case "opensuse-leap" -> version == null ? "openSUSE" : "openSUSE:Leap " + version;
            case "wolfi" -> "Wolfi";
            case "chainguard" -> "Chainguard";
            case "mageia" -> version == null ? "Mageia" : "Mageia:" + version;
            default -> null;
        };
        return new Distro(id, version, ecosystem, osRelease.get("PRETTY_NAME"));
    }

    /** The ecosystem for OS packages of {@code kind} when the image has no (known) os-release. */
    static String fallbackEcosystem(PackageKind kind) {
        return switch (kind) {
            case DPKG -> "Debian";
            case APK -> "Alpine";
            default -> "Red Hat";
        };
    }

    /** The purl {@code distro} qualifier: {@code debian-12}, {@code alpine-3.20}, {@code rocky-9.3}. */
    String purlDistro() {
        if (id.isEmpty()) {
            return null;
        }
        return versionId == null ? id : id + "-" + (id.equals("alpine") ? majorMinor(versionId) : versionId);
    }

    private static String majorMinor(String version) {
        String[] parts = version.split("\\.");
        return parts.length >= 2 ? parts[0] + "." + parts[1] : version;
    }
}
