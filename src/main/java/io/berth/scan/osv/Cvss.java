package io.berth.scan.osv;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import us.springett.cvss.CvssV2;
import us.springett.cvss.CvssV4;

/**
 * CVSS base scores from vectors. Version 3.0 and 3.1 with the specification's formula (and each version's Roundup);
 * version 4.0, whose score comes from the specification's macrovector table and interpolation, and version 2 with
 * the cvss-calculator library.
 */
public final class Cvss {

    private static final Set<String> V3_BASE = Set.of("AV", "AC", "PR", "UI", "S", "C", "I", "A");
    private static final Set<String> V3_OTHER = Set.of("E", "RL", "RC", "CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI",
            "MS", "MC", "MI", "MA");

    private Cvss() {
    }

    /** The base score of a CVSS v3.0 or v3.1 vector ({@code CVSS:3.1/AV:N/AC:L/…}). */
    public static double v3BaseScore(String vector) {
        boolean v31;
        if (vector.startsWith("CVSS:3.1/")) {
            v31 = true;
        } else if (vector.startsWith("CVSS:3.0/")) {
            v31 = false;
        } else {
            throw new IllegalArgumentException("not a CVSS v3 vector (CVSS:3.0/ or CVSS:3.1/): " + vector);
        }
        Map<String, String> m = new HashMap<>();
        for (String part : vector.substring(9).split("/", -1)) {
            int colon = part.indexOf(':');
            String key = colon < 0 ? part : part.substring(0, colon);
            if (colon < 0 || !(V3_BASE.contains(key) || V3_OTHER.contains(key)) || m.put(key, part.substring(colon + 1)) != null) {
                throw new IllegalArgumentException("bad or repeated metric '" + part + "' in CVSS vector " + vector);
            }
        }
        if (!m.keySet().containsAll(V3_BASE)) {
            throw new IllegalArgumentException("CVSS vector lacks base metrics: " + vector);
        }
        boolean changed = metric(m, "S", vector, "U", 0, "C", 1) == 1;
        double av = metric(m, "AV", vector, "N", 0.85, "A", 0.62, "L", 0.55, "P", 0.2);
        double ac = metric(m, "AC", vector, "L", 0.77, "H", 0.44);
        double pr = metric(m, "PR", vector, "N", 0.85, "L", changed ? 0.68 : 0.62, "H", changed ? 0.5 : 0.27);
        double ui = metric(m, "UI", vector, "N", 0.85, "R", 0.62);
        double c = metric(m, "C", vector, "H", 0.56, "L", 0.22, "N", 0);
        double i = metric(m, "I", vector, "H", 0.56, "L", 0.22, "N", 0);
        double a = metric(m, "A", vector, "H", 0.56, "L", 0.22, "N", 0);
        double iss = 1 - (1 - c) * (1 - i) * (1 - a);
        double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
        double exploitability = 8.22 * av * ac * pr * ui;
        if (impact <= 0) {
            return 0;
        }
        double raw = changed ? Math.min(1.08 * (impact + exploitability), 10) : Math.min(impact + exploitability, 10);
        return v31 ? roundUp31(raw) : roundUp30(raw);
    }

    private static double metric(Map<String, String> m, String key, String vector, Object... valuesAndWeights) {
        String v = m.get(key);
        for (int k = 0; k < valuesAndWeights.length; k += 2) {
            if (valuesAndWeights[k].equals(v)) {
                return ((Number) valuesAndWeights[k + 1]).doubleValue();
            }
        }
        throw new IllegalArgumentException("bad value '" + key + ":" + v + "' in CVSS vector " + vector);
    }

    /** CVSS 3.1's Roundup: the smallest one-decimal number not below the input, free of floating-point noise. */
    static double roundUp31(double input) {
        long intInput = Math.round(input * 100000);
        if (intInput % 10000 == 0) {
            return intInput / 100000.0;
        }
        return (Math.floorDiv(intInput, 10000) + 1) / 10.0;
    }

    /** CVSS 3.0's round up to one decimal. */
    static double roundUp30(double input) {
        return BigDecimal.valueOf(Math.ceil(input * 10)).divide(BigDecimal.TEN, 1, RoundingMode.UNNECESSARY)
                .doubleValue();
    }

    /** The base score of a CVSS v4.0 vector ({@code CVSS:4.0/AV:N/…}). */
    public static double v4BaseScore(String vector) {
        if (!vector.startsWith("CVSS:4.0/")) {
            throw new IllegalArgumentException("not a CVSS v4.0 vector: " + vector);
        }
        try {
            us.springett.cvss.Cvss cvss = us.springett.cvss.Cvss.fromVector(vector);
            if (!(cvss instanceof CvssV4)) {
                throw new IllegalArgumentException("not a CVSS v4.0 vector: " + vector);
            }
            return cvss.calculateScore().getBaseScore();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad CVSS v4.0 vector " + vector + ": " + e.getMessage(), e);
        }
    }

    /** The base score of a CVSS v2 vector ({@code AV:N/AC:L/Au:N/C:P/I:P/A:P}, optionally in parentheses). */
    public static double v2BaseScore(String vector) {
        String v = vector.startsWith("(") && vector.endsWith(")") ? vector.substring(1, vector.length() - 1) : vector;
        try {
            CvssV2 cvss = (CvssV2) us.springett.cvss.Cvss.fromVector("(" + v + ")");
            if (cvss == null) {
                throw new IllegalArgumentException("not a CVSS v2 vector: " + vector);
            }
            return cvss.calculateScore().getBaseScore();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad CVSS v2 vector " + vector + ": " + e.getMessage(), e);
        }
    }
}
