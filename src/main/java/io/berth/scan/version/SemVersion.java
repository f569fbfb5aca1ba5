package io.berth.scan.version;

import java.math.BigInteger;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SemVer 2.0 version, ordered by precedence (section 11): major, minor and patch numerically; a pre-release below
 * the release; pre-release identifiers one by one, numeric ones numerically and below alphanumeric ones (compared in
 * ASCII order), more identifiers above fewer. Build metadata is kept but takes no part in the order, so
 * {@code equals} follows precedence.
 *
 * <p>{@link #parse} is strict SemVer 2.0 (no leading zeros in numbers or numeric identifiers) with a leading
 * {@code v} tolerated, as OSV's Go data has it. {@link #parseGo} accepts Go module and toolchain versions:
 * {@code v1.2.3}, the shorthands {@code v1} and {@code v1.2} (= {@code v1.0.0}, {@code v1.2.0}), pseudo-versions
 * ({@code v0.0.0-20210101000000-abcdef123456}, which SemVer already orders by time), {@code +incompatible}, and Go
 * toolchain names ({@code go1.21.3}, {@code go1.21rc2} = {@code 1.21.0-rc.2}, {@code go1.20} = {@code 1.20.0}).
 *
 * @param text       the version as given
 * @param major      the major version
 * @param minor      the minor version
 * @param patch      the patch version
 * @param prerelease the pre-release identifiers, empty for a release
 * @param build      the build metadata, or null
 */
public record SemVersion(String text, BigInteger major, BigInteger minor, BigInteger patch, List<String> prerelease,
        String build) implements Comparable<SemVersion> {

    private static final String NUM = "(?:0|[1-9][0-9]*)";
    private static final String IDENT = "(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)";
    private static final String TAIL = "(?:-(?<pre>" + IDENT + "(?:\\." + IDENT + ")*))?"
            + "(?:\\+(?<build>[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?";
    private static final Pattern SEMVER = Pattern.compile(
            "v?(?<major>" + NUM + ")\\.(?<minor>" + NUM + ")\\.(?<patch>" + NUM + ")" + TAIL);
    private static final Pattern GO_SHORT = Pattern.compile("v?(?<major>" + NUM + ")(?:\\.(?<minor>" + NUM + "))?");
    private static final Pattern GO_TOOLCHAIN = Pattern.compile(
            "go(?<major>" + NUM + ")(?:\\.(?<minor>" + NUM + "))?(?:\\.(?<patch>" + NUM + "))?"
                    + "(?:(?<kind>rc|beta|alpha)(?<n>" + NUM + "))?");

    public static SemVersion parse(String text) {
        Matcher m = SEMVER.matcher(text);
        if (!m.matches()) {
            throw new InvalidVersionException("SemVer", text, "not MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] as SemVer "
                    + "2.0 defines it (no leading zeros, identifiers of [0-9A-Za-z-])");
        }
        List<String> pre = m.group("pre") == null ? List.of() : List.of(m.group("pre").split("\\."));
        return new SemVersion(text, new BigInteger(m.group("major")), new BigInteger(m.group("minor")),
                new BigInteger(m.group("patch")), pre, m.group("build"));
    }

    public static SemVersion parseGo(String text) {
        Matcher m = SEMVER.matcher(text);
        if (m.matches()) {
            return parse(text);
        }
        m = GO_SHORT.matcher(text);
        if (m.matches()) {
            return new SemVersion(text, new BigInteger(m.group("major")), number(m.group("minor")), BigInteger.ZERO,
                    List.of(), null);
        }
        m = GO_TOOLCHAIN.matcher(text);
        if (m.matches()) {
            List<String> pre = m.group("kind") == null ? List.of() : List.of(m.group("kind"), m.group("n"));
            return new SemVersion(text, new BigInteger(m.group("major")), number(m.group("minor")),
                    number(m.group("patch")), pre, null);
        }
        throw new InvalidVersionException("Go", text, "not a Go module version (vMAJOR.MINOR.PATCH[-PRE][+BUILD], "
                + "vMAJOR[.MINOR]) nor a Go toolchain version (go1.21.3, go1.21rc2)");
    }

    private static BigInteger number(String digits) {
        return digits == null ? BigInteger.ZERO : new BigInteger(digits);
    }

    @Override
    public int compareTo(SemVersion o) {
        int c = major.compareTo(o.major);
        if (c == 0) {
            c = minor.compareTo(o.minor);
        }
        if (c == 0) {
            c = patch.compareTo(o.patch);
        }
        if (c != 0) {
            return c;
        }
        if (prerelease.isEmpty() || o.prerelease.isEmpty()) {
            return Boolean.compare(prerelease.isEmpty(), o.prerelease.isEmpty());
        }
        int n = Math.min(prerelease.size(), o.prerelease.size());
        for (int i = 0; i < n; i++) {
            c = compareIdentifiers(prerelease.get(i), o.prerelease.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(prerelease.size(), o.prerelease.size());
    }

    private static int compareIdentifiers(String a, String b) {
        boolean na = isNumeric(a);
        boolean nb = isNumeric(b);
        if (na && nb) {
            return new BigInteger(a).compareTo(new BigInteger(b));
        }
        if (na != nb) {
            return na ? -1 : 1;
        }
        return Integer.signum(a.compareTo(b));
    }

    private static boolean isNumeric(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SemVersion s && compareTo(s) == 0;
    }

    @Override
    public int hashCode() {
        return major.hashCode() * 31 + minor.hashCode() * 7 + patch.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
