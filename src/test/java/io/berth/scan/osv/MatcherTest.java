package io.berth.scan.osv;

import static io.berth.scan.osv.Records.pkg;
import static io.berth.scan.osv.Records.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.scan.InstalledPackage;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Matching real-shaped OSV records of every ecosystem against installed packages, affected and fixed. */
class MatcherTest {

    private static void assertAffected(OsvRecord r, InstalledPackage p, String fixed) {
        Optional<Finding> f = Matcher.match(r, p);
        assertTrue(f.isPresent(), r.id() + " should affect " + p);
        assertEquals(fixed, f.get().fixedVersion(), "fixed version of " + r.id() + " for " + p.version());
        assertEquals(r.id(), f.get().id());
    }

    private static void assertNotAffected(OsvRecord r, InstalledPackage p) {
        assertEquals(Optional.empty(), Matcher.match(r, p), r.id() + " should not affect " + p);
    }

    @Test
    void debianRecordsNameSourcePackagesPerRelease() {
        OsvRecord r = record("DEBIAN-CVE-2024-5535.json");
        assertAffected(r, pkg("Debian:12", "libssl3", "3.0.13-1~deb12u1", "openssl"), "3.0.14-1~deb12u1");
        assertAffected(r, pkg("Debian:12", "openssl", "3.0.11-1~deb12u2", "openssl"), "3.0.14-1~deb12u1");
        // ~deb12u1 sorts before the release: 3.0.14-1~deb12u0 is still affected, 3.0.14-1 is not.
        assertAffected(r, pkg("Debian:12", "libssl3", "3.0.14-1~deb12u0", "openssl"), "3.0.14-1~deb12u1");
        assertNotAffected(r, pkg("Debian:12", "libssl3", "3.0.14-1~deb12u1", "openssl"));
        assertNotAffected(r, pkg("Debian:12", "libssl3", "3.0.15-1~deb12u1", "openssl"));
        // The same version in Debian 11 is past that release's fix; Debian 11's own versions are not.
        assertAffected(r, pkg("Debian:11", "libssl1.1", "1.1.1w-0+deb11u1", "openssl"), "1.1.1w-0+deb11u2");
        assertNotAffected(r, pkg("Debian:11", "libssl1.1", "1.1.1w-0+deb11u2", "openssl"));
        // The record names the source package: a binary whose own name is openssl but built from another source is not it.
        assertNotAffected(r, pkg("Debian:12", "openssl", "3.0.13-1~deb12u1", "openssl-other"));
        assertNotAffected(r, pkg("Ubuntu:22.04", "libssl3", "3.0.2-0ubuntu1", "openssl"));
        Finding f = Matcher.match(r, pkg("Debian:12", "libssl3", "3.0.13-1~deb12u1", "openssl")).orElseThrow();
        assertEquals(new Rating(SeverityLevel.LOW, null, null, "ecosystem_specific.urgency"), f.rating());
        assertEquals("Debian:12", f.affected().pkg().ecosystem());
    }

    @Test
    void debianExampleFromTheSchema() {
        OsvRecord r = record("DSA-3029-1.json");
        assertAffected(r, pkg("Debian:7", "nginx-full", "1.2.1-2.2+wheezy2", "nginx"), "1.2.1-2.2+wheezy3");
        assertNotAffected(r, pkg("Debian:7", "nginx-full", "1.2.1-2.2+wheezy3", "nginx"));
        assertNotAffected(r, pkg("Debian:8", "nginx-full", "1.2.1-2.2+wheezy2", "nginx"));
        assertEquals(SeverityLevel.UNKNOWN, Matcher.match(r, pkg("Debian:7", "nginx", "1.2.1-1")).orElseThrow()
                .rating().level());
    }

    @Test
    void alpineRecordsNameOriginsPerBranch() {
        OsvRecord r = record("ALPINE-CVE-2024-6119.json");
        assertAffected(r, pkg("Alpine:v3.20", "libcrypto3", "3.3.1-r3", "openssl"), "3.3.2-r0");
        assertAffected(r, pkg("Alpine:v3.20", "libssl3", "3.3.2_alpha1-r0", "openssl"), "3.3.2-r0");
        assertNotAffected(r, pkg("Alpine:v3.20", "libcrypto3", "3.3.2-r0", "openssl"));
        assertNotAffected(r, pkg("Alpine:v3.20", "libcrypto3", "3.3.2-r1", "openssl"));
        assertAffected(r, pkg("Alpine:v3.19", "libcrypto3", "3.1.6-r2", "openssl"), "3.1.7-r0");
        assertNotAffected(r, pkg("Alpine:v3.21", "libcrypto3", "3.3.1-r3", "openssl"));
        // A package whose ecosystem carries the point release still belongs to the branch.
        assertAffected(r, pkg("Alpine:v3.20.3", "libcrypto3", "3.3.1-r3", "openssl"), "3.3.2-r0");
    }

    @Test
    void mavenRecordWithRangesAndCvssInDatabaseSpecific() {
        OsvRecord r = record("GHSA-mr95-9rr4-668f.json");
        assertAffected(r, pkg("Maven", "com.typesafe.akka:akka-actor_2.12", "2.5.15"), "2.5.16");
        assertAffected(r, pkg("Maven", "com.typesafe.akka:akka-actor_2.11", "2.5.0"), "2.5.16");
        assertAffected(r, pkg("Maven", "com.typesafe.akka:akka-actor_2.12", "2.5.16-RC1"), "2.5.16");
        assertNotAffected(r, pkg("Maven", "com.typesafe.akka:akka-actor_2.12", "2.5.16"));
        assertNotAffected(r, pkg("Maven", "com.typesafe.akka:akka-actor_2.12", "2.4.20"));
        assertNotAffected(r, pkg("Maven", "com.typesafe.akka:akka-actor_2.13", "2.5.15"));
        Rating rating = Matcher.match(r, pkg("Maven", "com.typesafe.akka:akka-actor_2.12", "2.5.1")).orElseThrow()
                .rating();
        assertEquals(new Rating(SeverityLevel.CRITICAL, 9.1, "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N",
                "CVSS_V3"), rating);
    }

    @Test
    void lastAffectedIsInclusiveAndGivesNoFix() {
        OsvRecord r = record("GHSA-h2-last-affected.json");
        assertAffected(r, pkg("Maven", "com.h2database:h2", "2.1.214"), null);
        assertAffected(r, pkg("Maven", "com.h2database:h2", "1.4.200"), null);
        assertNotAffected(r, pkg("Maven", "com.h2database:h2", "2.1.220"));
        assertNotAffected(r, pkg("Maven", "com.h2database:h2", "2.2.224"));
        Rating rating = Matcher.match(r, pkg("Maven", "com.h2database:h2", "2.1.214")).orElseThrow().rating();
        assertEquals("CVSS_V4", rating.source());
        assertEquals(8.5, rating.score());
        assertEquals(SeverityLevel.HIGH, rating.level());
    }

    @Test
    void npmAndCratesRecordsFromTheSchema() {
        OsvRecord r = record("GHSA-r9p9-mrjm-926w.json");
        assertAffected(r, pkg("npm", "elliptic", "6.5.3"), "6.5.4");
        assertAffected(r, pkg("npm", "elliptic", "6.5.4-beta.1"), "6.5.4");
        assertNotAffected(r, pkg("npm", "elliptic", "6.5.4"));
        assertNotAffected(r, pkg("npm", "Elliptic", "6.5.3"));
        assertNotAffected(r, pkg("PyPI", "elliptic", "6.5.3"));
        Finding f = Matcher.match(r, pkg("npm", "elliptic", "6.5.3")).orElseThrow();
        assertEquals(new Rating(SeverityLevel.MEDIUM, 6.8, "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N", "CVSS_V3"),
                f.rating());
        assertEquals(List.of("CVE-2020-28498"), f.aliases());
        assertEquals(7, f.links().size());

        OsvRecord rust = record("RUSTSEC-2019-0033.json");
        assertAffected(rust, pkg("crates.io", "http", "0.1.19"), "0.1.20");
        assertNotAffected(rust, pkg("crates.io", "http", "0.2.0"));
        assertEquals(new Rating(SeverityLevel.HIGH, null, null, "ecosystem_specific.severity"),
                Matcher.match(rust, pkg("crates.io", "http", "0.1.0")).orElseThrow().rating());
    }

    @Test
    void pypiRecordWithVersionsListGitRangeAndNormalisedNames() {
        OsvRecord r = record("PYSEC-2021-XXXX.json");
        assertAffected(r, pkg("PyPI", "pikepdf", "2.9.2"), "2.10.0");
        assertAffected(r, pkg("PyPI", "PikePDF", "2.8.0.post1"), "2.10.0");
        assertAffected(r, pkg("PyPI", "pikepdf", "2.9.post0"), "2.10.0");
        assertNotAffected(r, pkg("PyPI", "pikepdf", "2.10.0"));
        assertNotAffected(r, pkg("PyPI", "pikepdf", "2.7.9"));
        assertNotAffected(r, pkg("PyPI", "pike-pdf", "2.9.2"));
    }

    @Test
    void goModulesPseudoVersionsAndStdlibWithTwoIntroducedFixedPairs() {
        OsvRecord r = record("GO-2023-2102.json");
        assertAffected(r, pkg("Go", "golang.org/x/net", "v0.15.0"), "0.17.0");
        assertAffected(r, pkg("Go", "golang.org/x/net", "v0.0.0-20230905200255-921286631fa9"), "0.17.0");
        assertNotAffected(r, pkg("Go", "golang.org/x/net", "v0.17.0"));
        assertNotAffected(r, pkg("Go", "golang.org/x/net", "v0.17.1-0.20231101000000-abcdefabcdef"));
        assertAffected(r, pkg("Go", "stdlib", "go1.20.9"), "1.20.10");
        assertNotAffected(r, pkg("Go", "stdlib", "go1.20.10"));
        assertAffected(r, pkg("Go", "stdlib", "go1.21rc2"), "1.21.3");
        assertAffected(r, pkg("Go", "stdlib", "v1.21.2"), "1.21.3");
        assertNotAffected(r, pkg("Go", "stdlib", "1.21.3"));
        assertNotAffected(r, pkg("Go", "stdlib", "go1.22.0"));
        assertEquals(SeverityLevel.UNKNOWN, Matcher.match(r, pkg("Go", "stdlib", "go1.20.9")).orElseThrow().rating()
                .level());
    }

    @Test
    void rpmDistributionsWithEpochsAndBinaryPackagesOfOneSource() {
        OsvRecord r = record("RLSA-2024-2447.json");
        assertAffected(r, pkg("Rocky Linux:9", "openssl-libs", "1:3.0.7-24.el9", "openssl"), "1:3.0.7-27.el9");
        assertNotAffected(r, pkg("Rocky Linux:9", "openssl-libs", "1:3.0.7-27.el9", "openssl"));
        // Without its epoch a version is epoch 0: below anything of epoch 1.
        assertAffected(r, pkg("Rocky Linux:9", "openssl-libs", "3.2.0-1.el9", "openssl"), "1:3.0.7-27.el9");
        assertNotAffected(r, pkg("Rocky Linux:8", "openssl-libs", "1:1.1.1k-9.el8", "openssl"));
        assertAffected(r, pkg("Rocky Linux:9.3", "openssl-libs", "1:3.0.7-24.el9", "openssl"), "1:3.0.7-27.el9");
        assertEquals(SeverityLevel.HIGH, Matcher.match(r, pkg("Rocky Linux:9", "openssl", "1:3.0.7-1.el9"))
                .orElseThrow().rating().level());
    }

    @Test
    void ubuntuLtsSuffixAndPriority() {
        OsvRecord r = record("UBUNTU-CVE-2024-2511.json");
        assertAffected(r, pkg("Ubuntu:22.04", "libssl3", "3.0.2-0ubuntu1.15", "openssl"), "3.0.2-0ubuntu1.16");
        assertAffected(r, pkg("Ubuntu:22.04:LTS", "libssl3", "3.0.2-0ubuntu1.10", "openssl"), "3.0.2-0ubuntu1.16");
        assertNotAffected(r, pkg("Ubuntu:22.04", "libssl3", "3.0.2-0ubuntu1.16", "openssl"));
        assertNotAffected(r, pkg("Ubuntu:24.04", "libssl3", "3.0.2-0ubuntu1.15", "openssl"));
        assertEquals(new Rating(SeverityLevel.LOW, null, null, "Ubuntu"),
                Matcher.match(r, pkg("Ubuntu:22.04", "libssl3", "3.0.2-0ubuntu1.15", "openssl")).orElseThrow()
                        .rating());
    }

    @Test
    void limitCapsTheRangeAndWithdrawnRecordsAffectNothing() {
        OsvRecord limited = record("LIMIT-AND-WITHDRAWN.json", 0);
        assertAffected(limited, pkg("npm", "left-pad", "1.0.0"), null);
        assertAffected(limited, pkg("npm", "left-pad", "1.2.9"), null);
        assertNotAffected(limited, pkg("npm", "left-pad", "1.3.0"));
        assertNotAffected(limited, pkg("npm", "left-pad", "0.9.0"));
        OsvRecord withdrawn = record("LIMIT-AND-WITHDRAWN.json", 1);
        assertTrue(withdrawn.isWithdrawn());
        assertNotAffected(withdrawn, pkg("npm", "left-pad", "1.0.0"));
    }

    @Test
    void gitRangesAreIgnored() {
        assertNotAffected(record("OSV-2020-584.json"), pkg("OSS-Fuzz", "icu", "6e5755a2a833bc64852eae12967d0a54d7adf629"));
    }

    @Test
    void unreadableVersionsMatchNothingRatherThanFail() {
        OsvRecord r = record("DEBIAN-CVE-2024-5535.json");
        assertNotAffected(r, pkg("Debian:12", "libssl3", "not a version", "openssl"));
        assertAffected(r, pkg("Debian:12", "libssl3", "3.0.9-1", "openssl"), "3.0.14-1~deb12u1");
    }

    @Test
    void ecosystemReleasesCompareAsOsvWritesThem() {
        assertTrue(Matcher.ecosystemMatches("Debian:12", "Debian:12"));
        assertTrue(Matcher.ecosystemMatches("Debian", "Debian:12"));
        assertTrue(Matcher.ecosystemMatches("Debian:12", "Debian:12.7"));
        assertTrue(!Matcher.ecosystemMatches("Debian:1", "Debian:12"));
        assertTrue(Matcher.ecosystemMatches("Alpine:v3.20", "Alpine:3.20"));
        assertTrue(!Matcher.ecosystemMatches("Alpine:v3.2", "Alpine:v3.20"));
        assertTrue(Matcher.ecosystemMatches("Red Hat:enterprise_linux:9::appstream", "Red Hat:9.4"));
        assertTrue(!Matcher.ecosystemMatches("Red Hat:enterprise_linux:8::appstream", "Red Hat:9.4"));
        assertTrue(!Matcher.ecosystemMatches("Ubuntu:Pro:18.04:LTS", "Ubuntu:18.04"));
        assertTrue(Matcher.ecosystemMatches("Maven", "Maven"));
        assertTrue(!Matcher.ecosystemMatches("npm", "PyPI"));
    }

    @Test
    void lookupKeysFindTheRecordsKeys() {
        OsvRecord debian = record("DEBIAN-CVE-2024-5535.json");
        assertEquals(List.of(Matcher.key(debian.affected().get(0).pkg())),
                Matcher.lookupKeys(pkg("Debian:12", "libssl3", "3.0.13-1~deb12u1", "openssl")));
        OsvRecord py = record("PYSEC-2021-XXXX.json");
        assertEquals(List.of(Matcher.key(py.affected().get(0).pkg())),
                Matcher.lookupKeys(pkg("PyPI", "PikePDF", "2.9.2")));
        assertEquals(List.of("red hat:openssl-libs", "red hat:openssl"),
                Matcher.lookupKeys(pkg("Red Hat:9", "openssl-libs", "1:3.0.7-24.el9", "openssl")));
    }
}
