package io.berth.scan.version;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Orderings without a tool on this machine (apk against apk-tools' own table; SemVer against semver.org's rules and
 * the npm semver fixtures; Go's module versions), what each parser rejects, and the ecosystem lookup.
 */
class VersionSchemeTest {

    @Test
    void apkFollowsApkToolsTable() throws IOException {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        try (InputStream in = getClass().getResourceAsStream("/scan/version/apk-version.data")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.trim().split("\\s+");
                int expected = switch (f[1]) {
                    case "<" -> -1;
                    case ">" -> 1;
                    default -> 0;
                };
                checked++;
                if (VersionScheme.APK.compare(f[0], f[2]) != expected
                        || VersionScheme.APK.compare(f[2], f[0]) != -expected) {
                    wrong.add(line);
                }
            }
        }
        assertEquals(List.of(), wrong);
        assertTrue(checked > 130, "table read: " + checked);
    }

    @Test
    void apkRejectsWhatApkToolsRejects() {
        for (String bad : List.of("", "1.0bc", "23_foo", "1.0-1", "1.0A", "1.0_beta-2", "1.0 ", "1.0-r1_p1", "1.0.A")) {
            assertFalse(VersionScheme.APK.isValid(bad), bad);
        }
        InvalidVersionException e = assertThrows(InvalidVersionException.class, () -> VersionScheme.APK.parse("1.0bc"));
        assertTrue(e.getMessage().contains("apk version '1.0bc' is invalid"), e.getMessage());
    }

    /** semver.org section 11's example chain and the npm semver package's comparison fixtures (first > second). */
    @Test
    void semverFollowsTheSpecificationAndNpmFixtures() {
        assertAscending(VersionScheme.SEMVER, "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1");
        String[][] greater = {{"0.0.0", "0.0.0-foo"}, {"0.0.1", "0.0.0"}, {"1.0.0", "0.9.9"}, {"0.10.0", "0.9.0"},
            {"0.99.0", "0.10.0"}, {"2.0.0", "1.2.3"}, {"v0.0.0", "0.0.0-foo"}, {"1.2.3", "1.2.3-asdf"},
            {"1.2.3", "1.2.3-4"}, {"1.2.3", "1.2.3-4-foo"}, {"1.2.3-5-foo", "1.2.3-5"}, {"1.2.3-5", "1.2.3-4"},
            {"1.2.3-5-foo", "1.2.3-5-Foo"}, {"3.0.0", "2.7.2+asdf"}, {"1.2.3-a.10", "1.2.3-a.5"},
            {"1.2.3-a.b", "1.2.3-a.5"}, {"1.2.3-a.b", "1.2.3-a"}, {"1.2.3-a.b.c.10.d.5", "1.2.3-a.b.c.5.d.100"},
            {"1.2.3-r2", "1.2.3-r100"}, {"1.2.3-r100", "1.2.3-R2"}};
        for (String[] p : greater) {
            assertEquals(1, VersionScheme.SEMVER.compare(p[0], p[1]), p[0] + " > " + p[1]);
            assertEquals(-1, VersionScheme.SEMVER.compare(p[1], p[0]), p[1] + " < " + p[0]);
        }
        String[][] equal = {{"1.2.3", "v1.2.3"}, {"1.2.3-beta+build", "1.2.3-beta+otherbuild"},
            {"1.2.3+build", "1.2.3+otherbuild"}, {"1.2.3-beta", "v1.2.3-beta+build"}};
        for (String[] p : equal) {
            assertEquals(0, VersionScheme.SEMVER.compare(p[0], p[1]), p[0] + " = " + p[1]);
        }
        for (String bad : List.of("1.2", "01.2.3", "1.02.3", "1.2.3-01", "1.2.3-", "1.2.3+", "1.2.3-a..b", "x1.2.3",
                "1.2.3.4", "", " 1.2.3")) {
            assertFalse(VersionScheme.SEMVER.isValid(bad), bad);
        }
    }

    @Test
    void goOrdersModuleAndToolchainVersions() {
        assertAscending(VersionScheme.GO, "v0.0.0-20190101000000-abcdefabcdef", "v0.0.0-20200101000000-abcdefabcdef",
                "v0.1.0", "v1.2.3", "v1.2.4-0.20200101000000-abcdefabcdef", "v1.2.4", "v2.0.0-rc.1",
                "v2.0.0+incompatible", "v2.1.0");
        assertEquals(0, VersionScheme.GO.compare("v2.0.0+incompatible", "2.0.0"));
        assertEquals(0, VersionScheme.GO.compare("v1", "v1.0.0"));
        assertEquals(0, VersionScheme.GO.compare("v1.2", "1.2.0"));
        assertAscending(VersionScheme.GO, "go1.20", "go1.21rc2", "go1.21.0", "1.21.3", "go1.22.1");
        assertEquals(0, VersionScheme.GO.compare("go1.21rc2", "1.21.0-rc.2"));
        assertFalse(VersionScheme.GO.isValid("latest"));
        assertFalse(VersionScheme.GO.isValid("v1.2.3.4"));
    }

    @Test
    void parsersRejectGarbageClearly() {
        Map<VersionScheme<?>, List<String>> bad = Map.of(
                VersionScheme.DPKG, List.of("", "a1.0", ":1.0", "1:", "1.0-", "x:1.0", "1.0 1", "1_0", "1.0-a_b"),
                VersionScheme.RPM, List.of("", "1.0 1", "1.0-", "-1", "1:2:3", "1.0\t"),
                VersionScheme.MAVEN, List.of("", "1.0 final"),
                VersionScheme.PEP440, List.of("", "1.0-foo", "french toast", "1.0+", "1..0", "1.0.post.dev.x"),
                VersionScheme.SEMVER, List.of("1", "1.0", "v"));
        bad.forEach((scheme, versions) -> {
            for (String v : versions) {
                InvalidVersionException e = assertThrows(InvalidVersionException.class, () -> scheme.parse(v),
                        scheme + " accepted '" + v + "'");
                assertTrue(e.getMessage().startsWith(scheme.name() + " version '"), e.getMessage());
            }
        });
        assertEquals("dpkg version '1.0-' is invalid: revision number is empty",
                assertThrows(InvalidVersionException.class, () -> VersionScheme.DPKG.parse("1.0-")).getMessage());
    }

    @Test
    void ecosystemsMapToTheirOrdering() {
        Map<String, VersionScheme<?>> expected = Map.ofEntries(Map.entry("Debian:12", VersionScheme.DPKG),
                Map.entry("Debian", VersionScheme.DPKG), Map.entry("Ubuntu:22.04:LTS", VersionScheme.DPKG),
                Map.entry("Ubuntu:Pro:18.04:LTS", VersionScheme.DPKG), Map.entry("Alpine:v3.20", VersionScheme.APK),
                Map.entry("Rocky Linux:9", VersionScheme.RPM), Map.entry("AlmaLinux:9", VersionScheme.RPM),
                Map.entry("Red Hat:enterprise_linux:9::appstream", VersionScheme.RPM),
                Map.entry("openSUSE:Leap 15.5", VersionScheme.RPM), Map.entry("Maven", VersionScheme.MAVEN),
                Map.entry("Maven:https://maven.google.com", VersionScheme.MAVEN), Map.entry("PyPI", VersionScheme.PEP440),
                Map.entry("npm", VersionScheme.SEMVER), Map.entry("Go", VersionScheme.GO));
        expected.forEach((eco, scheme) -> assertEquals(scheme, VersionSchemes.forEcosystem(eco).orElseThrow(), eco));
        assertTrue(VersionSchemes.forEcosystem("NuGet").isEmpty());
        assertTrue(VersionSchemes.forEcosystem("GIT").isEmpty());
    }

    /**
     * Every ordering is a total order on generated versions: antisymmetric and transitive (sorting agrees). Not Maven:
     * ComparableVersion itself is not transitive ({@code 1-cr.4 > 1.jre.0}, a sub-list above any qualifier, while
     * qualifiers order among themselves), and ours follows it, as the oracle test shows.
     */
    @Test
    void orderingsAreConsistentOnGeneratedVersions() {
        VersionGenerator g = new VersionGenerator(7);
        Map<VersionScheme<?>, java.util.function.Supplier<String>> gens = Map.of(VersionScheme.DPKG, g::dpkg,
                VersionScheme.RPM, g::rpm, VersionScheme.PEP440, g::pep440,
                VersionScheme.SEMVER, g::semver);
        Random r = new Random(7);
        gens.forEach((scheme, gen) -> {
            List<String> vs = new ArrayList<>();
            for (int i = 0; i < 3000 && vs.size() < 300; i++) {
                String v = r.nextBoolean() ? gen.get() : g.mutate(gen.get());
                if (scheme.isValid(v)) {
                    vs.add(v);
                }
            }
            vs.sort(scheme);
            for (int i = 0; i < vs.size(); i++) {
                for (int j = i; j < vs.size(); j++) {
                    int c = scheme.compare(vs.get(i), vs.get(j));
                    assertTrue(c <= 0, scheme + ": sorted " + vs.get(i) + " before " + vs.get(j) + " but compare " + c);
                    assertEquals(-c, scheme.compare(vs.get(j), vs.get(i)), scheme + " antisymmetry");
                }
            }
        });
    }

    private static void assertAscending(VersionScheme<?> scheme, String... versions) {
        for (int i = 0; i + 1 < versions.length; i++) {
            assertEquals(-1, scheme.compare(versions[i], versions[i + 1]), versions[i] + " < " + versions[i + 1]);
            assertEquals(1, scheme.compare(versions[i + 1], versions[i]), versions[i + 1] + " > " + versions[i]);
        }
    }
}
