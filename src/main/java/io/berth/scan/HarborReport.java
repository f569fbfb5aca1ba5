package io.berth.scan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.model.Scans.Counts;
import io.berth.scan.osv.Finding;
import io.berth.scan.osv.SeverityLevel;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Reports in the format of Harbor's pluggable scanner API v1.1
 * ({@code application/vnd.security.vulnerability.report; version=1.1}): generated_at, artifact, scanner, severity
 * (the worst finding's; None without findings) and vulnerabilities, each with id, package, version (installed),
 * fix_version, severity, description, links, preferred_cvss when the record has a CVSS vector, and vendor_attributes
 * (the record's aliases, the package's ecosystem and where it was found).
 */
public final class HarborReport {
    public static final String MEDIA_TYPE = "application/vnd.security.vulnerability.report; version=1.1";
    public static final String SCANNER_NAME = "Berth";
    public static final String SCANNER_VENDOR = "Berth";
    static final ObjectMapper JSON = new ObjectMapper();

    private HarborReport() {
    }

    /** The report of one image. */
    static ObjectNode image(String repository, String digest, String mediaType, String version, Instant at,
                            List<Finding> findings) {
        ObjectNode report = head(repository, digest, mediaType, version, at);
        report.put("severity", worst(findings.stream().map(f -> f.rating().level()).toList()).harborName());
        ArrayNode items = report.putArray("vulnerabilities");
        for (Finding f : findings) {
            ObjectNode item = items.addObject();
            item.put("id", f.id());
            item.put("package", f.installed().name());
            item.put("version", f.installed().version());
            item.put("fix_version", f.fixedVersion() == null ? "" : f.fixedVersion());
            item.put("severity", f.rating().level().harborName());
            String text = f.record().summary() == null || f.record().summary().isBlank()
                    ? f.record().details() : f.record().summary();
            item.put("description", text == null ? "" : text);
            ArrayNode links = item.putArray("links");
            f.links().forEach(links::add);
            if (f.rating().vector() != null && f.rating().score() != null) {
                ObjectNode cvss = item.putObject("preferred_cvss");
                String v = f.rating().source().equals("CVSS_V2") ? "v2" : "v3";
                cvss.put("score_" + v, f.rating().score());
                cvss.put("vector_" + v, f.rating().vector());
            }
            ObjectNode vendor = item.putObject("vendor_attributes");
            ArrayNode aliases = vendor.putArray("aliases");
            f.aliases().forEach(aliases::add);
            vendor.put("ecosystem", f.installed().ecosystem());
            vendor.put("path", f.installed().path());
            vendor.put("severity_source", f.rating().source());
        }
        return report;
    }

    /**
     * The report of an index: the Harbor fields over all its platforms (severity the worst of them, vulnerabilities
     * each finding once per package and version, with the platforms it is found in), then {@code platforms}: each
     * platform's digest, severity and counts (its own report is at its digest), and {@code summary}: counts over all.
     */
    static ObjectNode index(String repository, String digest, String mediaType, String version, Instant at,
                            List<PlatformReport> platforms) {
        ObjectNode report = head(repository, digest, mediaType, version, at);
        java.util.Map<String, ObjectNode> merged = new java.util.LinkedHashMap<>();
        java.util.List<SeverityLevel> levels = new java.util.ArrayList<>();
        ArrayNode list = JSON.createArrayNode();
        for (PlatformReport p : platforms) {
            ObjectNode entry = list.addObject();
            entry.put("platform", p.platform());
            entry.put("digest", p.digest());
            entry.put("severity", p.report().path("severity").asText());
            entry.set("summary", p.report().path("summary"));
            for (var v : p.report().path("vulnerabilities")) {
                String key = v.path("id").asText() + " " + v.path("package").asText() + " " + v.path("version").asText();
                ObjectNode item = merged.computeIfAbsent(key, k -> {
                    ObjectNode copy = ((ObjectNode) v).deepCopy();
                    copy.with("vendor_attributes").putArray("platforms");
                    levels.add(level(v.path("severity").asText()));
                    return copy;
                });
                ((ArrayNode) item.with("vendor_attributes").get("platforms")).add(p.platform());
            }
        }
        report.put("severity", worst(levels).harborName());
        ArrayNode items = report.putArray("vulnerabilities");
        merged.values().forEach(items::add);
        report.set("platforms", list);
        return report;
    }

    /** One platform of an index: its name (os/architecture[/variant]), digest and report. */
    record PlatformReport(String platform, String digest, ObjectNode report) {}

    /** Adds the summary (counts by severity, total, fixable) and returns the counts. */
    static Counts summarize(ObjectNode report) {
        int critical = 0;
        int high = 0;
        int medium = 0;
        int low = 0;
        int other = 0;
        int fixable = 0;
        for (var v : report.path("vulnerabilities")) {
            switch (level(v.path("severity").asText())) {
                case CRITICAL -> critical++;
                case HIGH -> high++;
                case MEDIUM -> medium++;
                case LOW -> low++;
                default -> other++;
            }
            if (!v.path("fix_version").asText().isEmpty()) {
                fixable++;
            }
        }
        Counts counts = new Counts(critical, high, medium, low, other);
        ObjectNode summary = report.putObject("summary");
        summary.put("total", counts.total()).put("fixable", fixable).put("Critical", critical).put("High", high)
                .put("Medium", medium).put("Low", low).put("Unknown", other);
        return counts;
    }

    private static ObjectNode head(String repository, String digest, String mediaType, String version, Instant at) {
        ObjectNode report = JSON.createObjectNode();
        report.put("generated_at", at.toString());
        report.putObject("artifact").put("repository", repository).put("digest", digest).put("mime_type", mediaType);
        report.putObject("scanner").put("name", SCANNER_NAME).put("vendor", SCANNER_VENDOR).put("version", version);
        return report;
    }

    /** The worst level of levels; None when there is none. */
    static SeverityLevel worst(Collection<SeverityLevel> levels) {
        return levels.stream().max(Enum::compareTo).orElse(SeverityLevel.NONE);
    }

    /** A level from its Harbor name (Unknown for anything else). */
    public static SeverityLevel level(String harborName) {
        for (SeverityLevel l : SeverityLevel.values()) {
            if (l.harborName().equalsIgnoreCase(harborName)) {
                return l;
            }
        }
        return SeverityLevel.UNKNOWN;
    }
}
