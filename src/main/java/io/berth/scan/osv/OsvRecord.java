package io.berth.scan.osv;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One OSV vulnerability record (schema 1.6): the fields matching and reports use, the rest of the document kept as
 * JSON in {@link #json()}. Parsing checks what the schema requires and matching relies on ({@code id},
 * {@code modified}, each affected package's ecosystem and name, each range's type and events with exactly one key)
 * and fails with {@link OsvFormatException} naming the record and the field.
 *
 * @param id               the record's id ({@code GHSA-…}, {@code DSA-…}, {@code CVE-…})
 * @param modified         when it last changed
 * @param published        when it was published, or null
 * @param withdrawn        when it was withdrawn, or null: a withdrawn record affects nothing
 * @param aliases          other ids of the same vulnerability
 * @param related          ids of related vulnerabilities
 * @param summary          the one-line summary, or empty
 * @param details          the details (CommonMark), or empty
 * @param severity         the record-wide severities
 * @param affected         the affected packages
 * @param references       links
 * @param databaseSpecific the top-level {@code database_specific} object (a MissingNode when absent)
 * @param json             the whole document
 */
public record OsvRecord(String id, Instant modified, Instant published, Instant withdrawn, List<String> aliases,
        List<String> related, String summary, String details, List<Severity> severity, List<Affected> affected,
        List<Reference> references, JsonNode databaseSpecific, JsonNode json) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * A severity entry: a CVSS vector or another scheme's rating.
     *
     * @param type  {@code CVSS_V2}, {@code CVSS_V3}, {@code CVSS_V4}, {@code Ubuntu}, …
     * @param score the vector or rating
     */
    public record Severity(String type, String score) {
    }

    /**
     * A package as OSV names it.
     *
     * @param ecosystem the ecosystem, with its release suffix where it has one
     * @param name      the name in that ecosystem (source package for Debian, Ubuntu, Alpine)
     * @param purl      its package URL, or null
     */
    public record Package(String ecosystem, String name, String purl) {
    }

    /** What one range event says. */
    public enum EventKind { INTRODUCED, FIXED, LAST_AFFECTED, LIMIT }

    /**
     * One event of a range.
     *
     * @param kind    what happens at the version
     * @param version the version (or commit for GIT ranges); {@code 0} for introduced means before every version,
     *                {@code *} for limit means after every version
     */
    public record Event(EventKind kind, String version) {
    }

    /**
     * A range of affected versions.
     *
     * @param type   {@code ECOSYSTEM}, {@code SEMVER} or {@code GIT} (or another, which matching ignores)
     * @param repo   the repository of a GIT range, or null
     * @param events the events in the record's order
     */
    public record Range(String type, String repo, List<Event> events) {
    }

    /**
     * One affected package.
     *
     * @param pkg               the package
     * @param severity          severities for this package (then the record has none of its own)
     * @param ranges            ranges of affected versions
     * @param versions          affected versions listed one by one
     * @param ecosystemSpecific the {@code ecosystem_specific} object (a MissingNode when absent)
     * @param databaseSpecific  the {@code database_specific} object (a MissingNode when absent)
     */
    public record Affected(Package pkg, List<Severity> severity, List<Range> ranges, List<String> versions,
            JsonNode ecosystemSpecific, JsonNode databaseSpecific) {
    }

    /**
     * A link.
     *
     * @param type {@code ADVISORY}, {@code WEB}, {@code FIX}, …
     * @param url  the URL
     */
    public record Reference(String type, String url) {
    }

    /** Whether the record has been withdrawn: it then affects nothing. */
    public boolean isWithdrawn() {
        return withdrawn != null;
    }

    /** Parses a record from its JSON bytes. */
    public static OsvRecord parse(byte[] json) {
        return parse(new ByteArrayInputStream(json));
    }

    /** Parses a record from a stream holding one JSON document (a zip entry of osv.dev's {@code all.zip}). */
    public static OsvRecord parse(InputStream json) {
        try {
            return parse(MAPPER.readTree(json));
        } catch (JsonProcessingException e) {
            throw new OsvFormatException("OSV record is not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new OsvFormatException("OSV record could not be read: " + e.getMessage(), e);
        }
    }

    /** Parses a record from a JSON tree. */
    public static OsvRecord parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new OsvFormatException("OSV record is not a JSON object");
        }
        String id = requiredText(root, "id", "record");
        String where = "OSV record " + id;
        Instant modified = time(root, "modified", where);
        if (modified == null) {
            throw new OsvFormatException(where + ": 'modified' is required");
        }
        List<Affected> affected = new ArrayList<>();
        int i = 0;
        for (JsonNode a : array(root, "affected", where)) {
            affected.add(affected(a, where + " affected[" + i++ + "]"));
        }
        List<Reference> references = new ArrayList<>();
        for (JsonNode r : array(root, "references", where)) {
            if (r.path("url").isTextual()) {
                references.add(new Reference(r.path("type").asText(""), r.path("url").asText()));
            }
        }
        return new OsvRecord(id, modified, time(root, "published", where), time(root, "withdrawn", where),
                strings(root, "aliases", where), strings(root, "related", where), root.path("summary").asText(""),
                root.path("details").asText(""), severities(root, where), List.copyOf(affected),
                List.copyOf(references), root.path("database_specific"), root);
    }

    private static Affected affected(JsonNode a, String where) {
        JsonNode p = a.path("package");
        if (!p.isObject()) {
            throw new OsvFormatException(where + ": 'package' is required");
        }
        Package pkg = new Package(requiredText(p, "ecosystem", where + ".package"),
                requiredText(p, "name", where + ".package"), p.path("purl").isTextual() ? p.path("purl").asText() : null);
        List<Range> ranges = new ArrayList<>();
        int i = 0;
        for (JsonNode r : array(a, "ranges", where)) {
            ranges.add(range(r, where + ".ranges[" + i++ + "]"));
        }
        return new Affected(pkg, severities(a, where), List.copyOf(ranges), strings(a, "versions", where),
                a.path("ecosystem_specific"), a.path("database_specific"));
    }

    private static Range range(JsonNode r, String where) {
        String type = requiredText(r, "type", where);
        List<Event> events = new ArrayList<>();
        int i = 0;
        for (JsonNode e : array(r, "events", where)) {
            String at = where + ".events[" + i++ + "]";
            if (!e.isObject() || e.size() != 1) {
                throw new OsvFormatException(at + ": an event has exactly one of introduced, fixed, last_affected, "
                        + "limit");
            }
            String key = e.fieldNames().next();
            EventKind kind = switch (key) {
                case "introduced" -> EventKind.INTRODUCED;
                case "fixed" -> EventKind.FIXED;
                case "last_affected" -> EventKind.LAST_AFFECTED;
                case "limit" -> EventKind.LIMIT;
                default -> throw new OsvFormatException(at + ": unknown event '" + key + "'");
            };
            events.add(new Event(kind, requiredText(e, key, at)));
        }
        return new Range(type, r.path("repo").isTextual() ? r.path("repo").asText() : null, List.copyOf(events));
    }

    private static List<Severity> severities(JsonNode node, String where) {
        List<Severity> out = new ArrayList<>();
        for (JsonNode s : array(node, "severity", where)) {
            if (s.path("type").isTextual() && s.path("score").isTextual()) {
                out.add(new Severity(s.path("type").asText(), s.path("score").asText()));
            }
        }
        return List.copyOf(out);
    }

    private static Iterable<JsonNode> array(JsonNode node, String field, String where) {
        JsonNode v = node.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new OsvFormatException(where + ": '" + field + "' must be an array");
        }
        return v;
    }

    private static List<String> strings(JsonNode node, String field, String where) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : array(node, field, where)) {
            if (!s.isTextual()) {
                throw new OsvFormatException(where + ": '" + field + "' must hold strings");
            }
            out.add(s.asText());
        }
        return List.copyOf(out);
    }

    private static String requiredText(JsonNode node, String field, String where) {
        JsonNode v = node.path(field);
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw new OsvFormatException(where + ": '" + field + "' is required and must be a non-empty string");
        }
        return v.asText();
    }

    private static Instant time(JsonNode node, String field, String where) {
        JsonNode v = node.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(v.asText()).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(v.asText()).toInstant(ZoneOffset.UTC); // a few feeds leave out the zone
            } catch (DateTimeParseException ignored) {
                // reported below
            }
            throw new OsvFormatException(where + ": '" + field + "' is not an RFC 3339 time: " + v.asText(), e);
        }
    }

    /** A text field of an object node, if present ({@code database_specific.severity}, {@code urgency}, …). */
    static Optional<String> text(JsonNode node, String field) {
        JsonNode v = node == null ? MissingNode.getInstance() : node.path(field);
        return v.isTextual() && !v.asText().isBlank() ? Optional.of(v.asText()) : Optional.empty();
    }
}
