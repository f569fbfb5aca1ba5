package io.berth.model;

import java.time.Instant;
import java.util.Objects;

/** The vulnerability database's records as its store keeps them and its service hands them out. */
public final class VulnDb {
    private VulnDb() {}

    /**
     * One imported source: the ecosystems its records name ("Debian" for Debian's all.zip), the generation of its last
     * import that changed something, the records it held then, the digest of its content and when it was imported.
     */
    public record Source(String name, long generation, long recordCount, String contentDigest, Instant importedAt) {}

    /**
     * A package as OSV names it: ecosystem exactly as the record gives it ({@code Debian:12}, {@code PyPI}) and name.
     */
    public record PackageRef(String ecosystem, String name) {
        public PackageRef {
            Objects.requireNonNull(ecosystem, "ecosystem");
            Objects.requireNonNull(name, "name");
        }

        /** The ecosystem without its release: {@code Debian} for {@code Debian:12}, {@code PyPI} for {@code PyPI}. */
        public String base() {
            return baseOf(ecosystem);
        }

        public static String baseOf(String ecosystem) {
            int colon = ecosystem.indexOf(':');
            return colon < 0 ? ecosystem : ecosystem.substring(0, colon);
        }
    }

    /** An OSV record's JSON exactly as it was imported, with its id and modified time. */
    public record RawRecord(String id, String modified, String json) {}

    /** Totals of the database: its generation, records, and withdrawn records among them. */
    public record Totals(long generation, long records, long withdrawn) {}
}
