package io.berth.scan.version;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Python package version as PEP 440 defines it, parsed with its normalisations (case, {@code v} prefix, separators,
 * {@code alpha}/{@code c}/{@code pre}/{@code preview} spellings, implicit numbers, {@code -N} post releases, local
 * version separators) and ordered as {@code packaging.version.Version}: epoch, release (trailing zeros ignored),
 * then pre-release (a dev release without pre or post release sorts before every pre-release), post release, dev
 * release, local version (numeric segments above alphanumeric ones; a local version above none).
 *
 * @param text    the version as given
 * @param epoch   the epoch
 * @param release the release numbers
 * @param preKind {@code a}, {@code b}, {@code rc}, or null
 * @param pre     the pre-release number (meaningful when preKind is set)
 * @param post    the post-release number, or null
 * @param dev     the dev-release number, or null
 * @param local   the local version segments (Strings lower-cased, or BigIntegers), empty when absent
 */
public record Pep440Version(String text, BigInteger epoch, List<BigInteger> release, String preKind, BigInteger pre,
        BigInteger post, BigInteger dev, List<Object> local) implements Comparable<Pep440Version> {

    private static final String SCHEME = "PEP 440";

    // The grammar of packaging.version.VERSION_PATTERN.
    private static final Pattern VERSION = Pattern.compile(
            "^\\s*v?(?:(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\\.[0-9]+)*)"
                    + "(?<pre>[-_.]?(?<preL>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<preN>[0-9]+)?)?"
                    + "(?<post>(?:-(?<postN1>[0-9]+))|(?:[-_.]?(?<postL>post|rev|r)[-_.]?(?<postN2>[0-9]+)?))?"
                    + "(?<dev>[-_.]?(?<devL>dev)[-_.]?(?<devN>[0-9]+)?)?)"
                    + "(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\\s*$",
            Pattern.CASE_INSENSITIVE);

    public static Pep440Version parse(String text) {
        Matcher m = VERSION.matcher(text);
        if (!m.matches()) {
            throw new InvalidVersionException(SCHEME, text, "does not match the PEP 440 grammar");
        }
        BigInteger epoch = m.group("epoch") == null ? BigInteger.ZERO : new BigInteger(m.group("epoch"));
        List<BigInteger> release = Arrays.stream(m.group("release").split("\\.")).map(BigInteger::new).toList();
        String preKind = null;
        BigInteger pre = null;
        if (m.group("preL") != null) {
            preKind = switch (m.group("preL").toLowerCase(Locale.ROOT)) {
                case "alpha", "a" -> "a";
                case "beta", "b" -> "b";
                default -> "rc";
            };
            pre = number(m.group("preN"));
        }
        BigInteger post = null;
        if (m.group("postN1") != null) {
            post = new BigInteger(m.group("postN1"));
        } else if (m.group("postL") != null) {
            post = number(m.group("postN2"));
        }
        BigInteger dev = m.group("devL") != null ? number(m.group("devN")) : null;
        List<Object> local = new ArrayList<>();
        if (m.group("local") != null) {
            for (String part : m.group("local").toLowerCase(Locale.ROOT).split("[-_.]")) {
                local.add(part.chars().allMatch(c -> c >= '0' && c <= '9') ? new BigInteger(part) : part);
            }
        }
        return new Pep440Version(text, epoch, release, preKind, pre, post, dev, List.copyOf(local));
    }

    private static BigInteger number(String digits) {
        return digits == null ? BigInteger.ZERO : new BigInteger(digits);
    }

    /** The normalised form, as {@code str(packaging.version.Version(text))} gives it. */
    public String normalized() {
        StringBuilder b = new StringBuilder();
        if (epoch.signum() != 0) {
            b.append(epoch).append('!');
        }
        b.append(String.join(".", release.stream().map(BigInteger::toString).toList()));
        if (preKind != null) {
            b.append(preKind).append(pre);
        }
        if (post != null) {
            b.append(".post").append(post);
        }
        if (dev != null) {
            b.append(".dev").append(dev);
        }
        if (!local.isEmpty()) {
            b.append('+').append(String.join(".", local.stream().map(Object::toString).toList()));
        }
        return b.toString();
    }

    @Override
    public int compareTo(Pep440Version o) {
        int c = epoch.compareTo(o.epoch);
        if (c != 0) {
            return c;
        }
        c = compareRelease(release, o.release);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(preRank(), o.preRank());
        if (c != 0) {
            return c;
        }
        if (preKind != null) {
            c = preKind.compareTo(o.preKind);
            if (c == 0) {
                c = pre.compareTo(o.pre);
            }
            if (c != 0) {
                return Integer.signum(c);
            }
        }
        c = compareOptional(post, o.post, -1);
        if (c != 0) {
            return c;
        }
        c = compareOptional(dev, o.dev, 1);
        if (c != 0) {
            return c;
        }
        return compareLocal(local, o.local);
    }

    /** Where the pre-release puts this version: 0 below all pre-releases (a bare dev release), 1 a pre-release, 2 none. */
    private int preRank() {
        if (preKind == null && post == null && dev != null) {
            return 0;
        }
        return preKind == null ? 2 : 1;
    }

    /** Compares optional numbers; a missing one is below all ({@code missing = -1}) or above all ({@code 1}). */
    private static int compareOptional(BigInteger a, BigInteger b, int missing) {
        if (a == null || b == null) {
            return a == b ? 0 : (a == null ? missing : -missing);
        }
        return a.compareTo(b);
    }

    private static int compareRelease(List<BigInteger> a, List<BigInteger> b) {
        int n = Math.max(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            BigInteger x = i < a.size() ? a.get(i) : BigInteger.ZERO;
            BigInteger y = i < b.size() ? b.get(i) : BigInteger.ZERO;
            int c = x.compareTo(y);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static int compareLocal(List<Object> a, List<Object> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return Boolean.compare(!a.isEmpty(), !b.isEmpty());
        }
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            Object x = a.get(i);
            Object y = b.get(i);
            int c;
            if (x instanceof BigInteger bx && y instanceof BigInteger by) {
                c = bx.compareTo(by);
            } else if (x instanceof String sx && y instanceof String sy) {
                c = Integer.signum(sx.compareTo(sy));
            } else {
                c = x instanceof BigInteger ? 1 : -1;
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pep440Version p && compareTo(p) == 0;
    }

    @Override
    public int hashCode() {
        return epoch.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
