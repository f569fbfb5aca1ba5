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

    /** What an artifact or media type is, in a word: signature, SBOM, attestation, image, index or artifact. */
    public static String artifactKind(String type) {
        String t = type == null ? "" : type.toLowerCase(Locale.ROOT);
        if (t.contains("signature") || t.contains("sigstore") || t.contains("cosign") || t.contains("notary")
                || t.endsWith(".sig") || t.contains(".sig.")) {
            return "signature";
        }
        if (t.contains("spdx") || t.contains("cyclonedx") || t.contains("sbom") || t.contains("syft")) {
            return "SBOM";
        }
        if (t.contains("in-toto") || t.contains("intoto") || t.contains("attestation") || t.contains("provenance")
                || t.contains("slsa")) {
            return "attestation";
        }
        if (t.contains("vulnerab") || t.contains("sarif") || t.contains("vex")) {
            return "scan report";
        }
        if (t.contains("index") || t.contains("manifest.list")) {
            return "index";
        }
        if (t.equals("application/vnd.oci.image.config.v1+json") || t.contains("container.image")) {
            return "image";
        }
        return "artifact";
    }

    /** cosign's tag kinds: sha256-<hex>.sig, .att, .sbom. */
    public static String cosignKind(String tag) {
        return tag.endsWith(".sig") ? "signature" : tag.endsWith(".att") ? "attestation" : "SBOM";
    }

    /** The cosign tag a digest's signature or attestation has: sha256-<hex>.sig; null for any other tag. */
    public static String cosignSubject(String tag) {
        java.util.regex.Matcher m = COSIGN_TAG.matcher(tag);
        return m.matches() ? m.group(1) + ":" + m.group(2) : null;
    }

    private static final java.util.regex.Pattern COSIGN_TAG =
            java.util.regex.Pattern.compile("([a-z0-9]+)-([a-f0-9]{32,128})\\.(sig|att|sbom)");

    /** An argument list as a shell would read it back: words joined by spaces, those with spaces or quotes quoted. */
    public static String argv(java.util.List<String> words) {
        StringBuilder line = new StringBuilder();
        for (String word : words) {
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(word.isEmpty() || word.matches(".*[\\s\"'\\\\$`].*")
                    ? "'" + word.replace("'", "'\\''") + "'" : word);
        }
        return line.toString();
    }

    /** The platform of digest among an index's entries (os/arch), else its short form. */
    public static String platformOf(java.util.List<io.berth.model.Listings.IndexChild> entries, String digest) {
        for (io.berth.model.Listings.IndexChild entry : entries) {
            if (entry.descriptor().digest().toString().equals(digest) && entry.platform() != null) {
                return entry.platform();
            }
        }
        try {
            return shortDigest(Digest.parse(digest));
        } catch (RuntimeException e) {
            return digest;
        }
    }
}
