package io.berth.scan.version;

import static io.berth.scan.version.DpkgVersion.isAsciiAlnum;
import static io.berth.scan.version.DpkgVersion.isAsciiLetter;
import static io.berth.scan.version.DpkgVersion.isDigit;

/**
 * An RPM version, {@code [epoch:]version[-release]}, ordered as rpm's {@code rpmverCmp} orders it: the epoch (0 when
 * absent), then the version, then the release (a version with a release above one without), each with {@code rpmvercmp}: alphanumeric
 * segments compared one by one (digits numerically and above letters, letters as strings), separators ignored,
 * {@code ~} sorting before everything (even the end), {@code ^} after the end but before any further segment.
 *
 * @param epoch   the epoch digits, or null when absent
 * @param version the version
 * @param release the release, or null when absent
 */
public record RpmVersion(String epoch, String version, String release) implements Comparable<RpmVersion> {

    private static final String SCHEME = "rpm";

    public static RpmVersion parse(String text) {
        if (text.isEmpty()) {
            throw new InvalidVersionException(SCHEME, text, "version string is empty");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new InvalidVersionException(SCHEME, text, "contains a space, control or non-ASCII character");
            }
        }
        int s = 0;
        while (s < text.length() && isDigit(text.charAt(s))) {
            s++;
        }
        String epoch = null;
        String rest = text;
        if (s < text.length() && text.charAt(s) == ':') {
            epoch = s == 0 ? "0" : text.substring(0, s);
            rest = text.substring(s + 1);
        }
        String version = rest;
        String release = null;
        int hyphen = rest.lastIndexOf('-');
        if (hyphen >= 0) {
            version = rest.substring(0, hyphen);
            release = rest.substring(hyphen + 1);
            if (release.isEmpty()) {
                throw new InvalidVersionException(SCHEME, text, "release after '-' is empty");
            }
        }
        if (version.isEmpty()) {
            throw new InvalidVersionException(SCHEME, text, "version is empty");
        }
        if (version.indexOf(':') >= 0 || (release != null && release.indexOf(':') >= 0)) {
            throw new InvalidVersionException(SCHEME, text, "':' outside a numeric epoch");
        }
        return new RpmVersion(epoch, version, release);
    }

    @Override
    public int compareTo(RpmVersion o) {
        int c = rpmvercmp(epoch == null ? "0" : epoch, o.epoch == null ? "0" : o.epoch);
        if (c == 0) {
            c = rpmvercmp(version, o.version);
            if (c == 0 && (release != null || o.release != null)) {
                c = release == null ? -1 : o.release == null ? 1 : rpmvercmp(release, o.release);
            }
        }
        return c;
    }

    @Override
    public String toString() {
        return (epoch != null ? epoch + ":" : "") + version + (release != null ? "-" + release : "");
    }

    /** rpm's {@code rpmvercmp} of two version (or release) strings: -1, 0 or 1. */
    public static int rpmvercmp(String a, String b) {
        if (a.equals(b)) {
            return 0;
        }
        int one = 0;
        int two = 0;
        while (one < a.length() || two < b.length()) {
            while (one < a.length() && !isSegmentChar(a.charAt(one))) {
                one++;
            }
            while (two < b.length() && !isSegmentChar(b.charAt(two))) {
                two++;
            }
            char ca = one < a.length() ? a.charAt(one) : 0;
            char cb = two < b.length() ? b.charAt(two) : 0;
            if (ca == '~' || cb == '~') {
                if (ca != '~') {
                    return 1;
                }
                if (cb != '~') {
                    return -1;
                }
                one++;
                two++;
                continue;
            }
            if (ca == '^' || cb == '^') {
                if (ca == 0) {
                    return -1;
                }
                if (cb == 0) {
                    return 1;
                }
                if (ca != '^') {
                    return 1;
                }
                if (cb != '^') {
                    return -1;
                }
                one++;
                two++;
                continue;
            }
            if (ca == 0 || cb == 0) {
                break;
            }
            int str1 = one;
            int str2 = two;
            boolean isNum = isDigit(ca);
            if (isNum) {
                while (str1 < a.length() && isDigit(a.charAt(str1))) {
                    str1++;
                }
                while (str2 < b.length() && isDigit(b.charAt(str2))) {
                    str2++;
                }
            } else {
                while (str1 < a.length() && isAsciiLetter(a.charAt(str1))) {
                    str1++;
                }
                while (str2 < b.length() && isAsciiLetter(b.charAt(str2))) {
                    str2++;
                }
            }
            if (two == str2) {
                return isNum ? 1 : -1;
            }
            String sa = a.substring(one, str1);
            String sb = b.substring(two, str2);
            if (isNum) {
                sa = stripZeros(sa);
                sb = stripZeros(sb);
                if (sa.length() != sb.length()) {
                    return sa.length() > sb.length() ? 1 : -1;
                }
            }
            int rc = sa.compareTo(sb);
            if (rc != 0) {
                return rc < 0 ? -1 : 1;
            }
            one = str1;
            two = str2;
        }
        boolean endA = one >= a.length();
        boolean endB = two >= b.length();
        if (endA && endB) {
            return 0;
        }
        return endA ? -1 : 1;
    }

    private static boolean isSegmentChar(char c) {
        return isAsciiAlnum(c) || c == '~' || c == '^';
    }

    private static String stripZeros(String digits) {
        int i = 0;
        while (i < digits.length() - 1 && digits.charAt(i) == '0') {
            i++;
        }
        return digits.charAt(i) == '0' ? "" : digits.substring(i);
    }
}
