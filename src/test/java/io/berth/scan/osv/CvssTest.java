package io.berth.scan.osv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import us.springett.cvss.Cvss;

/** CVSS base scores: v3.x by the specification's formula, checked on every base vector against cvss-calculator. */
class CvssTest {

    private static final String[][] V3_METRICS = {{"AV", "N", "A", "L", "P"}, {"AC", "L", "H"},
        {"PR", "N", "L", "H"}, {"UI", "N", "R"}, {"S", "U", "C"}, {"C", "H", "L", "N"}, {"I", "H", "L", "N"},
        {"A", "H", "L", "N"}};

    @Test
    void v3ScoresOfTheSpecificationsExamples() {
        assertEquals(9.8, io.berth.scan.osv.Cvss.v3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
        assertEquals(10.0, io.berth.scan.osv.Cvss.v3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"));
        assertEquals(6.8, io.berth.scan.osv.Cvss.v3BaseScore("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N"));
        assertEquals(7.8, io.berth.scan.osv.Cvss.v3BaseScore("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"));
        assertEquals(6.1, io.berth.scan.osv.Cvss.v3BaseScore("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"));
        assertEquals(0.0, io.berth.scan.osv.Cvss.v3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"));
        // Temporal and environmental metrics do not change the base score.
        assertEquals(9.8, io.berth.scan.osv.Cvss.v3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O"));
    }

    /** All 2,592 base vectors, in 3.0 and 3.1, against the cvss-calculator library's implementation. */
    @Test
    void v3AgreesWithCvssCalculatorOnEveryBaseVector() {
        List<String> vectors = new ArrayList<>();
        vectors.add("");
        for (String[] metric : V3_METRICS) {
            List<String> next = new ArrayList<>();
            for (String prefix : vectors) {
                for (int k = 1; k < metric.length; k++) {
                    next.add(prefix + "/" + metric[0] + ":" + metric[k]);
                }
            }
            vectors = next;
        }
        assertEquals(2592, vectors.size());
        List<String> wrong = new ArrayList<>();
        for (String version : List.of("3.0", "3.1")) {
            for (String v : vectors) {
                String vector = "CVSS:" + version + v;
                double expected = Cvss.fromVector(vector).calculateScore().getBaseScore();
                double actual = io.berth.scan.osv.Cvss.v3BaseScore(vector);
                if (expected != actual) {
                    wrong.add(vector + ": cvss-calculator " + expected + ", ours " + actual);
                }
            }
        }
        assertEquals(List.of(), wrong.subList(0, Math.min(20, wrong.size())), wrong.size() + " vectors differ");
    }

    @Test
    void v4ScoresOfKnownVectors() {
        assertEquals(9.3, io.berth.scan.osv.Cvss.v4BaseScore(
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"));
        assertEquals(10.0, io.berth.scan.osv.Cvss.v4BaseScore(
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"));
        assertEquals(8.5, io.berth.scan.osv.Cvss.v4BaseScore(
                "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"));
        assertEquals(0.0, io.berth.scan.osv.Cvss.v4BaseScore(
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N"));
    }

    @Test
    void v2Scores() {
        assertEquals(7.5, io.berth.scan.osv.Cvss.v2BaseScore("AV:N/AC:L/Au:N/C:P/I:P/A:P"));
        assertEquals(10.0, io.berth.scan.osv.Cvss.v2BaseScore("(AV:N/AC:L/Au:N/C:C/I:C/A:C)"));
    }

    @Test
    void badVectorsAreRejected() {
        for (String bad : List.of("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:2.0/AV:N", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1")) {
            assertThrows(IllegalArgumentException.class, () -> io.berth.scan.osv.Cvss.v3BaseScore(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> io.berth.scan.osv.Cvss.v4BaseScore("CVSS:4.0/AV:N"));
        assertThrows(IllegalArgumentException.class, () -> io.berth.scan.osv.Cvss.v2BaseScore("AV:N/AC:L"));
    }

    @Test
    void levelsFollowTheQualitativeScale() {
        assertEquals(SeverityLevel.NONE, SeverityLevel.ofScore(0.0));
        assertEquals(SeverityLevel.LOW, SeverityLevel.ofScore(0.1));
        assertEquals(SeverityLevel.LOW, SeverityLevel.ofScore(3.9));
        assertEquals(SeverityLevel.MEDIUM, SeverityLevel.ofScore(4.0));
        assertEquals(SeverityLevel.MEDIUM, SeverityLevel.ofScore(6.9));
        assertEquals(SeverityLevel.HIGH, SeverityLevel.ofScore(7.0));
        assertEquals(SeverityLevel.HIGH, SeverityLevel.ofScore(8.9));
        assertEquals(SeverityLevel.CRITICAL, SeverityLevel.ofScore(9.0));
        assertEquals("Critical", SeverityLevel.CRITICAL.harborName());
    }
}
