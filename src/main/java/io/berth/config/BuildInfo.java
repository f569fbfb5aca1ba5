package io.berth.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Which Berth this is: version, git commit and build time, written into {@code build.properties} by the Maven build.
 * A value the build could not fill in (no git checkout, an unfiltered resource) reads as "unknown".
 */
public record BuildInfo(String version, String commit, String time) {
    private static final String UNKNOWN = "unknown";
    private static final BuildInfo CURRENT = read();

    public static BuildInfo current() {
        return CURRENT;
    }

    private static BuildInfo read() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // An unreadable resource in our own jar: every field reads "unknown".
        }
        return new BuildInfo(value(properties, "version"), value(properties, "commit"), value(properties, "time"));
    }

    private static String value(Properties properties, String key) {
        String value = properties.getProperty(key, "").trim();
        return value.isEmpty() || value.contains("${") ? UNKNOWN : value;
    }

    /** "0.1.0 (commit 385646b29f8e, built 2026-12-07T20:30:00Z)". */
    public String describe() {
        return version + " (commit " + commit + ", built " + time + ")";
    }

    /** The value of the Berth-Version response header: "0.1.0 385646b29f8e". */
    public String header() {
        return version + " " + commit;
    }
}
