package io.berth.scan.osv;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How severe a finding is, and where that came from.
 *
 * @param level  the level, as Harbor's report names it
 * @param score  the CVSS base score, or null when the level is a rating without a score
 * @param vector the CVSS vector the score comes from, or null
 * @param source {@code CVSS_V3}, {@code CVSS_V4}, {@code CVSS_V2}, {@code Ubuntu}, {@code database_specific.severity},
 *               {@code ecosystem_specific.urgency}, … or {@code none}
 */
public record Rating(SeverityLevel level, Double score, String vector, String source) {

    static final Rating UNKNOWN = new Rating(SeverityLevel.UNKNOWN, null, null, "none");

    /**
     * The rating of a record for one of its affected packages: the package's CVSS vectors, else the record's, in the
     * order v3 (what Harbor's report carries), v4, v2; a vector that does not parse is passed over. Without a usable
     * vector, the record's own rating: Ubuntu's priority, {@code database_specific.severity} (GitHub's
     * {@code MODERATE} is Medium), a CVSS vector in {@code database_specific.cvss}, {@code ecosystem_specific.severity},
     * and Debian's {@code urgency} ({@code unimportant} is Low, {@code not yet assigned} Unknown).
     */
    public static Rating of(OsvRecord record, OsvRecord.Affected affected) {
        List<OsvRecord.Severity> severities = affected != null && !affected.severity().isEmpty()
                ? affected.severity() : record.severity();
        for (String type : List.of("CVSS_V3", "CVSS_V4", "CVSS_V2")) {
            for (OsvRecord.Severity s : severities) {
                if (s.type().equals(type)) {
                    Optional<Rating> r = cvss(type, s.score());
                    if (r.isPresent()) {
                        return r.get();
                    }
                }
            }
        }
        for (OsvRecord.Severity s : severities) {
            if (s.type().equalsIgnoreCase("Ubuntu")) {
                Optional<SeverityLevel> level = word(s.score());
                if (level.isPresent()) {
                    return new Rating(level.get(), null, null, "Ubuntu");
                }
            }
        }
        JsonNode eco = affected == null ? null : affected.ecosystemSpecific();
        JsonNode db = affected == null ? null : affected.databaseSpecific();
        for (JsonNode node : new JsonNode[] {db, record.databaseSpecific()}) {
            if (node != null) {
                Optional<Rating> r = fromObject(node, "database_specific");
                if (r.isPresent()) {
                    return r.get();
                }
            }
        }
        if (eco != null) {
            Optional<Rating> r = fromObject(eco, "ecosystem_specific");
            if (r.isPresent()) {
                return r.get();
            }
        }
        return UNKNOWN;
    }

    private static Optional<Rating> fromObject(JsonNode node, String where) {
        Optional<SeverityLevel> level = OsvRecord.text(node, "severity").flatMap(Rating::word);
        if (level.isPresent()) {
            return Optional.of(new Rating(level.get(), null, null, where + ".severity"));
        }
        Optional<String> vector = OsvRecord.text(node.path("cvss"), "vectorString");
        if (vector.isPresent()) {
            Optional<Rating> r = cvss(vector.get().startsWith("CVSS:4") ? "CVSS_V4"
                    : vector.get().startsWith("CVSS:3") ? "CVSS_V3" : "CVSS_V2", vector.get());
            if (r.isPresent()) {
                return r;
            }
        }
        level = OsvRecord.text(node, "urgency").flatMap(Rating::word);
        return level.map(l -> new Rating(l, null, null, where + ".urgency"));
    }

    private static Optional<Rating> cvss(String type, String vector) {
        try {
            double score = switch (type) {
                case "CVSS_V3" -> Cvss.v3BaseScore(vector);
                case "CVSS_V4" -> Cvss.v4BaseScore(vector);
                default -> Cvss.v2BaseScore(vector);
            };
            return Optional.of(new Rating(SeverityLevel.ofScore(score), score, vector, type));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** A severity word as databases write it, to a level; empty for words that say nothing (not yet assigned). */
    static Optional<SeverityLevel> word(String text) {
        String w = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z ]", "").strip();
        return switch (w) {
            case "critical" -> Optional.of(SeverityLevel.CRITICAL);
            case "high", "important" -> Optional.of(SeverityLevel.HIGH);
            case "medium", "moderate" -> Optional.of(SeverityLevel.MEDIUM);
            case "low", "negligible", "unimportant" -> Optional.of(SeverityLevel.LOW);
            case "none" -> Optional.of(SeverityLevel.NONE);
            default -> Optional.empty();
        };
    }
}
