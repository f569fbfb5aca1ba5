package io.berth.scan.osv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Range semantics as properties over seeded random records: the matcher's answer for every version of a small
 * universe equals a model that expands the events into intervals ([introduced, fixed), [introduced, last_affected],
 * [introduced, ∞)) capped by the limits, plus the listed versions; and a fixed version, when given, is above the
 * installed one, not affected itself, with every version between affected (unless a limit cuts the range short).
 */
class RangePropertyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> UNIVERSE = universe();

    private static List<String> universe() {
        List<String> u = new ArrayList<>();
        for (int minor = 0; minor < 5; minor++) {
            for (int patch = 0; patch < 4; patch++) {
                u.add("1." + minor + "." + patch + "-rc.1");
                u.add("1." + minor + "." + patch);
            }
        }
        return List.copyOf(u);
    }

    /** An event at a universe position; position -1 is introduced "0". */
    private record Ev(OsvRecord.EventKind kind, int at) {
        String version() {
            return at < 0 ? "0" : UNIVERSE.get(at);
        }
    }

    @Test
    void matcherAgreesWithTheIntervalModel() {
        for (String ecosystem : List.of("npm", "Maven")) {
            Random random = new Random(42);
            int affectedSeen = 0;
            for (int round = 0; round < 400; round++) {
                List<Ev> events = events(random);
                List<Integer> limits = new ArrayList<>();
                if (random.nextInt(4) == 0) {
                    limits.add(random.nextInt(UNIVERSE.size()));
                    if (random.nextBoolean()) {
                        limits.add(random.nextInt(UNIVERSE.size()));
                    }
                }
                List<Integer> listed = new ArrayList<>();
                if (random.nextInt(3) == 0) {
                    listed.add(random.nextInt(UNIVERSE.size()));
                }
                OsvRecord record = record(ecosystem, events, limits, listed, random);
                for (int v = 0; v < UNIVERSE.size(); v++) {
                    String version = UNIVERSE.get(v);
                    Optional<String> expected = model(events, limits, listed, v);
                    Optional<Finding> actual = Matcher.match(record, Records.pkg(ecosystem, "pkg", version));
                    String what = ecosystem + " " + record.json() + " at " + version;
                    assertEquals(expected.isPresent(), actual.isPresent(), what);
                    if (expected.isPresent()) {
                        affectedSeen++;
                        assertEquals(expected.get().isEmpty() ? null : expected.get(), actual.get().fixedVersion(),
                                what);
                        checkFix(record, ecosystem, v, actual.get().fixedVersion(), limits.isEmpty());
                    }
                }
            }
            assertTrue(affectedSeen > 1000, "too few affected cases: " + affectedSeen);
        }
    }

    /** Well-formed events: ascending positions, alternating introduced and fixed (or last_affected), then shuffled. */
    private static List<Ev> events(Random random) {
        List<Ev> events = new ArrayList<>();
        int pos = random.nextInt(3) == 0 ? -1 : random.nextInt(6);
        int pairs = 1 + random.nextInt(3);
        for (int i = 0; i < pairs && pos < UNIVERSE.size(); i++) {
            events.add(new Ev(OsvRecord.EventKind.INTRODUCED, pos));
            pos += 1 + random.nextInt(8);
            if (pos >= UNIVERSE.size() || random.nextInt(6) == 0) {
                break; // open-ended
            }
            boolean last = random.nextInt(4) == 0;
            events.add(new Ev(last ? OsvRecord.EventKind.LAST_AFFECTED : OsvRecord.EventKind.FIXED, pos));
            pos += 1 + random.nextInt(8);
            if (last) {
                break; // a range has last_affected or fixed events, not both
            }
        }
        Collections.shuffle(events, random);
        return events;
    }

    private static OsvRecord record(String ecosystem, List<Ev> events, List<Integer> limits, List<Integer> listed,
            Random random) {
        ObjectNode root = JSON.createObjectNode().put("id", "PROP-1").put("modified", "2024-01-01T00:00:00Z");
        ObjectNode affected = root.putArray("affected").addObject();
        affected.putObject("package").put("ecosystem", ecosystem).put("name", "pkg");
        ObjectNode range = affected.putArray("ranges").addObject()
                .put("type", ecosystem.equals("npm") && random.nextBoolean() ? "SEMVER" : "ECOSYSTEM");
        ArrayNode ev = range.putArray("events");
        for (Ev e : events) {
            ev.addObject().put(e.kind().name().toLowerCase(java.util.Locale.ROOT), e.version());
        }
        for (int l : limits) {
            ev.addObject().put("limit", UNIVERSE.get(l));
        }
        ArrayNode versions = affected.putArray("versions");
        listed.forEach(i -> versions.add(UNIVERSE.get(i)));
        return OsvRecord.parse(root);
    }

    /** Empty when not affected; else the fixed version, "" when none. */
    private static Optional<String> model(List<Ev> events, List<Integer> limits, List<Integer> listed, int v) {
        List<Ev> sorted = new ArrayList<>(events);
        sorted.sort((a, b) -> Integer.compare(a.at(), b.at()));
        Integer open = null;
        String fix = null;
        boolean inRange = false;
        for (Ev e : sorted) {
            if (e.kind() == OsvRecord.EventKind.INTRODUCED && open == null) {
                open = e.at();
            } else if (open != null) {
                boolean closedAfter = e.kind() == OsvRecord.EventKind.LAST_AFFECTED;
                if (v >= open && (v < e.at() || (closedAfter && v == e.at()))) {
                    inRange = true;
                    fix = closedAfter ? "" : e.version();
                }
                open = null;
            }
        }
        if (open != null && v >= open) {
            inRange = true;
            fix = "";
        }
        if (inRange && !limits.isEmpty() && limits.stream().noneMatch(l -> v < l)) {
            inRange = false;
        }
        if (inRange) {
            return Optional.of(fix);
        }
        return listed.contains(v) ? Optional.of("") : Optional.empty();
    }

    private static void checkFix(OsvRecord record, String ecosystem, int v, String fix, boolean uncapped) {
        if (fix == null) {
            return;
        }
        int f = UNIVERSE.indexOf(fix);
        assertTrue(f > v, "fix " + fix + " not above " + UNIVERSE.get(v));
        assertTrue(Matcher.match(record, Records.pkg(ecosystem, "pkg", fix)).isEmpty()
                || record.affected().get(0).versions().contains(fix), "fix " + fix + " itself affected");
        for (int i = v; uncapped && i < f; i++) { // a limit may end the range before its fix
            assertTrue(Matcher.match(record, Records.pkg(ecosystem, "pkg", UNIVERSE.get(i))).isPresent(),
                    UNIVERSE.get(i) + " between " + UNIVERSE.get(v) + " and its fix " + fix + " not affected");
        }
    }
}
