package io.berth.scan.version;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.apache.maven.artifact.versioning.ComparableVersion;
import org.junit.jupiter.api.Test;

/**
 * Each ordering against the ecosystem's own implementation over thousands of generated pairs: dpkg itself, rpm's Lua
 * {@code rpm.vercmp}, Maven's {@code ComparableVersion}, Debian's python3-packaging, and Debian's node-semver (the
 * npm {@code semver} package). The generators are seeded, so a failure names pairs that fail again.
 */
class VersionOracleTest {

    private static final long SEED = 20261207L;

    @Test
    void dpkgAgreesWithDpkgCompareVersions() throws Exception {
        Oracle.require("/usr/bin/dpkg", "dpkg");
        VersionGenerator g = new VersionGenerator(SEED);
        List<String[]> pairs = g.pairs(2500, g::dpkg, VersionScheme.DPKG::isValid);
        String loop = "while IFS=$'\\t' read -r a b; do if dpkg --compare-versions \"$a\" lt \"$b\"; then echo -1; "
                + "elif dpkg --compare-versions \"$a\" eq \"$b\"; then echo 0; else echo 1; fi; done";
        List<String> answers = Oracle.answers(List.of("bash", "-c", loop), pairs);
        assertAgree(VersionScheme.DPKG, pairs, answers);
    }

    @Test
    void rpmAgreesWithRpmVercmp() throws Exception {
        Oracle.require("/usr/bin/rpm", "rpm");
        VersionGenerator g = new VersionGenerator(SEED);
        List<String[]> pairs = g.pairs(20000, g::rpm, VersionScheme.RPM::isValid);
        String lua = "%{lua: for l in io.lines() do local t = l:find(\"\\t\", 1, true); "
                + "io.write(rpm.vercmp(l:sub(1, t - 1), l:sub(t + 1)), \"\\n\") end}";
        List<String> answers = Oracle.answers(List.of("rpm", "--eval", lua), pairs);
        assertAgree(VersionScheme.RPM, pairs, answers);
    }

    @Test
    void mavenAgreesWithComparableVersion() {
        VersionGenerator g = new VersionGenerator(SEED);
        List<String[]> pairs = g.pairs(20000, g::maven, VersionScheme.MAVEN::isValid);
        List<String> answers = new ArrayList<>();
        for (String[] p : pairs) {
            answers.add(String.valueOf(new ComparableVersion(p[0]).compareTo(new ComparableVersion(p[1]))));
        }
        assertAgree(VersionScheme.MAVEN, pairs, answers);
    }

    @Test
    void pep440AgreesWithPythonPackaging() throws Exception {
        Oracle.require("/usr/lib/python3/dist-packages/packaging/version.py", "python3-packaging");
        VersionGenerator g = new VersionGenerator(SEED);
        // Both valid and invalid strings go to packaging: validity must agree too.
        List<String[]> pairs = g.pairs(10000, g::pep440, v -> true);
        String script = """
                import sys
                from packaging.version import Version, InvalidVersion
                for line in sys.stdin:
                    a, b = line.rstrip("\\n").split("\\t")
                    try:
                        va, vb = Version(a), Version(b)
                    except InvalidVersion:
                        print("invalid", (a, b))
                        continue
                    print((va > vb) - (va < vb), str(va), str(vb))
                """;
        List<String> answers = Oracle.answers(List.of("/usr/bin/python3", "-c", script), pairs);
        assertSameValidityThenAgree(VersionScheme.PEP440, pairs, answers, 3000, (p, answer) -> {
            String n0 = Pep440Version.parse(p[0]).normalized();
            String n1 = Pep440Version.parse(p[1]).normalized();
            return n0.equals(answer[1]) && n1.equals(answer[2]) ? null
                    : "packaging normalises to " + answer[1] + " / " + answer[2] + ", we to " + n0 + " / " + n1;
        });
    }

    @Test
    void semverAgreesWithNpmSemver() throws Exception {
        Oracle.require("/usr/share/nodejs/semver/package.json", "node-semver");
        Oracle.require("/usr/bin/node", "nodejs");
        VersionGenerator g = new VersionGenerator(SEED);
        List<String[]> pairs = g.pairs(10000, g::semver, v -> true);
        String script = """
                const compare = require('/usr/share/nodejs/semver/functions/compare');
                const valid = require('/usr/share/nodejs/semver/functions/valid');
                const lines = require('fs').readFileSync(0, 'utf8').split('\\n').filter(l => l.length > 0);
                const out = [];
                for (const l of lines) {
                  const [a, b] = l.split('\\t');
                  out.push(valid(a) && valid(b) ? String(compare(a, b)) : 'invalid');
                }
                process.stdout.write(out.join('\\n') + '\\n');
                """;
        List<String> answers = Oracle.answers(List.of("node", "-e", script), pairs);
        assertSameValidityThenAgree(VersionScheme.SEMVER, pairs, answers, 2000, (p, answer) -> null);
    }

    /**
     * Answers are {@code invalid ...} or {@code <sign> ...}: the scheme must accept exactly the pairs the oracle
     * accepts, {@code extra} may find more to say about an accepted pair (null when nothing), and the accepted pairs
     * (at least {@code minValid}) must order alike.
     */
    private static void assertSameValidityThenAgree(VersionScheme<?> scheme, List<String[]> pairs,
            List<String> answers, int minValid, BiFunction<String[], String[], String> extra) {
        List<String[]> valid = new ArrayList<>();
        List<String> cmp = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            String[] p = pairs.get(i);
            boolean ours = scheme.isValid(p[0]) && scheme.isValid(p[1]);
            String[] answer = answers.get(i).split(" ");
            if (answer[0].equals("invalid") == ours) {
                wrong.add(p[0] + " / " + p[1] + ": oracle says " + answers.get(i) + ", " + scheme + " valid=" + ours);
            } else if (ours) {
                valid.add(p);
                cmp.add(answer[0]);
                String problem = extra.apply(p, answer);
                if (problem != null) {
                    wrong.add(p[0] + " / " + p[1] + ": " + problem);
                }
            }
        }
        assertEquals(List.of(), wrong.subList(0, Math.min(20, wrong.size())));
        assertTrue(valid.size() > minValid, "too few valid " + scheme + " pairs: " + valid.size());
        assertAgree(scheme, valid, cmp);
    }

    private static void assertAgree(VersionScheme<?> scheme, List<String[]> pairs, List<String> answers) {
        List<String> wrong = Oracle.disagreements(scheme, pairs, answers);
        assertEquals(List.of(), wrong.subList(0, Math.min(20, wrong.size())),
                wrong.size() + " of " + pairs.size() + " pairs disagree");
        long distinct = answers.stream().map(a -> Integer.signum(Integer.parseInt(a.trim()))).distinct().count();
        assertEquals(3, distinct, "the pairs should cover less, equal and greater");
    }
}
