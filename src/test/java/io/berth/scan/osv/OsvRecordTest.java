package io.berth.scan.osv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing OSV records: every field matching and reports use, and clear errors for documents that break the schema. */
class OsvRecordTest {

    @Test
    void parsesEveryField() {
        OsvRecord r = Records.record("PYSEC-2021-XXXX.json");
        assertEquals("PYSEC-2021-XXXX", r.id());
        assertEquals(Instant.parse("2021-04-07T15:14:00Z"), r.modified());
        assertEquals(Instant.parse("2021-04-01T20:15:00Z"), r.published());
        assertNull(r.withdrawn());
        assertEquals(List.of("CVE-2021-29421"), r.aliases());
        assertEquals("XXE in pikepdf", r.summary());
        assertTrue(r.details().startsWith("models/metadata.py"));
        OsvRecord.Affected a = r.affected().get(0);
        assertEquals(new OsvRecord.Package("PyPI", "pikepdf", null), a.pkg());
        assertEquals(2, a.ranges().size());
        assertEquals("GIT", a.ranges().get(0).type());
        assertEquals("https://github.com/pikepdf/pikepdf", a.ranges().get(0).repo());
        assertEquals(List.of(new OsvRecord.Event(OsvRecord.EventKind.INTRODUCED, "2.8.0"),
                new OsvRecord.Event(OsvRecord.EventKind.FIXED, "2.10.0")), a.ranges().get(1).events());
        assertEquals(6, a.versions().size());
        assertEquals("HIGH", a.ecosystemSpecific().path("severity").asText());
        assertEquals(List.of(new OsvRecord.Reference("FIX",
                "https://github.com/pikepdf/pikepdf/commit/3f38f73218e5e782fe411ccbb3b44a793c0b343a")), r.references());

        OsvRecord debian = Records.record("DEBIAN-CVE-2024-5535.json");
        assertEquals("pkg:deb/debian/openssl?arch=source", debian.affected().get(0).pkg().purl());
        assertEquals(Instant.parse("2024-09-18T03:29:28.811925Z"), debian.modified());
        OsvRecord npm = Records.record("GHSA-r9p9-mrjm-926w.json");
        assertEquals(List.of(new OsvRecord.Severity("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N")),
                npm.severity());
        assertEquals("MODERATE", npm.databaseSpecific().path("severity").asText());
        assertTrue(Records.record("LIMIT-AND-WITHDRAWN.json", 1).isWithdrawn());
    }

    @Test
    void everyTestRecordParses() {
        for (String f : List.of("ALPINE-CVE-2024-6119.json", "DEBIAN-CVE-2024-5535.json", "DSA-3029-1.json",
                "GHSA-h2-last-affected.json", "GHSA-mr95-9rr4-668f.json", "GHSA-r9p9-mrjm-926w.json",
                "GO-2023-2102.json", "OSV-2020-584.json", "PYSEC-2021-XXXX.json", "RLSA-2024-2447.json",
                "RUSTSEC-2019-0033.json", "UBUNTU-CVE-2024-2511.json")) {
            OsvRecord r = Records.record(f);
            assertTrue(!r.affected().isEmpty(), f);
        }
    }

    @Test
    void brokenRecordsAreRejectedWithWhereAndWhy() {
        Map<String, String> cases = Map.of(
                "not json", "OSV record is not JSON",
                "[]", "OSV record is not a JSON object",
                "{\"modified\":\"2024-01-01T00:00:00Z\"}", "record: 'id' is required",
                "{\"id\":\"X-1\"}", "OSV record X-1: 'modified' is required",
                "{\"id\":\"X-1\",\"modified\":\"yesterday\"}", "OSV record X-1: 'modified' is not an RFC 3339 time",
                "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\"}}]}",
                "OSV record X-1 affected[0].package: 'name' is required",
                "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\","
                        + "\"name\":\"a\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"1.0.0\","
                        + "\"fixed\":\"1.0.2\"}]}]}]}",
                "OSV record X-1 affected[0].ranges[0].events[0]: an event has exactly one of",
                "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":{}}",
                "OSV record X-1: 'affected' must be an array");
        cases.forEach((json, message) -> {
            OsvFormatException e = assertThrows(OsvFormatException.class,
                    () -> OsvRecord.parse(json.getBytes(StandardCharsets.UTF_8)), json);
            assertTrue(e.getMessage().startsWith(message), "'" + e.getMessage() + "' should start with '" + message + "'");
        });
    }

    @Test
    void parsesFromAStreamAsFromBytes() throws Exception {
        try (var in = new java.io.ByteArrayInputStream(Records.bytes("GO-2023-2102.json"))) {
            assertEquals(Records.record("GO-2023-2102.json"), OsvRecord.parse(in));
        }
        assertThrows(OsvFormatException.class, () -> OsvRecord.parse(new java.io.ByteArrayInputStream(new byte[0])));
    }

    @Test
    void timesWithoutAZoneAreReadAsUtc() {
        OsvRecord r = OsvRecord.parse("{\"id\":\"X-2\",\"modified\":\"2024-01-01T10:00:00\"}"
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(Instant.parse("2024-01-01T10:00:00Z"), r.modified());
        assertTrue(r.affected().isEmpty());
    }
}
