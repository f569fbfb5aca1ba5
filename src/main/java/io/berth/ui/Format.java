package io.berth.ui;

import io.berth.oci.Digest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the templates write sizes, times, digests and the UI's paths. */
public final class Format {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB", "PB"};

    private Format() {}

    /** Bytes in decimal units, as registries and docker show them: 1.2 MB. */
    public static String bytes(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1000 && unit < UNITS.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, value < 10 ? "%.1f %s" : "%.0f %s", value, UNITS[unit]);
    }

    public static String time(Instant at) {
        return at == null ? "never" : TIME.format(at);
    }

    /** The algorithm and the first 12 hex digits. */
    public static String shortDigest(Digest digest) {
        String hex = digest.hex();
        return digest.algorithm() + ":" + hex.substring(0, Math.min(12, hex.length()));
    }

    /** A repository's page (repository names are lower-case letters, digits, separators and slashes: URL-safe). */
    public static String repositoryPath(String repository) {
        return "/r/" + repository;
    }

    /** A manifest's page by digest. */
    public static String artifactPath(String repository, Digest digest) {
        return "/r/" + repository + "/-/" + digest;
    }

    public static String orDash(String value) {
        return value == null || value.isEmpty() ? "–" : value;
    }
}
