package io.berth.scan.osv;

/** The severity levels of Harbor's vulnerability report, lowest first. */
public enum SeverityLevel {
    UNKNOWN("Unknown"), NONE("None"), LOW("Low"), MEDIUM("Medium"), HIGH("High"), CRITICAL("Critical");

    private final String harborName;

    SeverityLevel(String harborName) {
        this.harborName = harborName;
    }

    /** The name Harbor's report uses ({@code Critical}, {@code High}, …). */
    public String harborName() {
        return harborName;
    }

    /** The CVSS qualitative rating of a base score: 0 None, to 3.9 Low, to 6.9 Medium, to 8.9 High, else Critical. */
    public static SeverityLevel ofScore(double score) {
        if (score <= 0) {
            return NONE;
        }
        if (score < 4.0) {
            return LOW;
        }
        if (score < 7.0) {
            return MEDIUM;
        }
        return score < 9.0 ? HIGH : CRITICAL;
    }
}
