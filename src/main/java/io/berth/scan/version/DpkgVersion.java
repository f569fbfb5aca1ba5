package io.berth.scan.version;

/**
 * A Debian package version, {@code [epoch:]upstream[-revision]}, ordered as dpkg orders it ({@code verrevcmp}): the
 * epoch numerically, then upstream and revision part by part, where non-digit runs compare character by character
 * (letters before other characters, {@code ~} before everything, even the end) and digit runs numerically.
 *
 * <p>Parsing is as strict as dpkg's {@code parseversion} including what dpkg only warns about: the upstream version
 * must start with a digit and use only {@code [A-Za-z0-9.+~:-]}, the revision only {@code [A-Za-z0-9.+~]}.
 *
 * @param epoch    the epoch, 0 when absent
 * @param upstream the upstream version
 * @param revision the Debian revision, empty when absent
 */
public record DpkgVersion(long epoch, String upstream, String revision) implements Comparable<DpkgVersion> {

    private static final String SCHEME = "dpkg";

    public static DpkgVersion parse(String text) {
        if (text.isEmpty()) {
            throw new InvalidVersionException(SCHEME, text, "version string is empty");
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.isWhitespace(text.charAt(i))) {
                throw new InvalidVersionException(SCHEME, text, "version string has embedded spaces");
            }
        }
        long epoch = 0;
        String rest = text;
        int colon = text.indexOf(':');
        if (colon >= 0) {
            String e = text.substring(0, colon);
            if (e.isEmpty()) {
                throw new InvalidVersionException(SCHEME, text, "epoch in version is empty");
            }
            if (!e.chars().allMatch(c -> c >= '0' && c <= '9') || e.length() > 10) {
                throw new InvalidVersionException(SCHEME, text, "epoch in version is not a number");
            }
            epoch = Long.parseLong(e);
            if (epoch > Integer.MAX_VALUE) {
                throw new InvalidVersionException(SCHEME, text, "epoch in version is too big");
            }
            rest = text.substring(colon + 1);
            if (rest.isEmpty()) {
                throw new InvalidVersionException(SCHEME, text, "nothing after colon in version number");
            }
        }
        String upstream = rest;
        String revision = "";
        int hyphen = rest.lastIndexOf('-');
        if (hyphen >= 0) {
            upstream = rest.substring(0, hyphen);
            revision = rest.substring(hyphen + 1);
            if (revision.isEmpty()) {
                throw new InvalidVersionException(SCHEME, text, "revision number is empty");
            }
        }
        if (upstream.isEmpty()) {
            throw new InvalidVersionException(SCHEME, text, "version number is empty");
        }
        if (!isDigit(upstream.charAt(0))) {
            throw new InvalidVersionException(SCHEME, text, "version number does not start with digit");
        }
        for (int i = 0; i < upstream.length(); i++) {
            char c = upstream.charAt(i);
            if (!isAsciiAlnum(c) && ".-+~:".indexOf(c) < 0) {
                throw new InvalidVersionException(SCHEME, text, "invalid character in version number");
            }
        }
        for (int i = 0; i < revision.length(); i++) {
            char c = revision.charAt(i);
            if (!isAsciiAlnum(c) && ".+~".indexOf(c) < 0) {
                throw new InvalidVersionException(SCHEME, text, "invalid character in revision number");
            }
        }
        return new DpkgVersion(epoch, upstream, revision);
    }

    @Override
    public int compareTo(DpkgVersion o) {
        int c = Long.compare(epoch, o.epoch);
        if (c != 0) {
            return c;
        }
        c = verrevcmp(upstream, o.upstream);
        return c != 0 ? c : verrevcmp(revision, o.revision);
    }

    @Override
    public String toString() {
        return (epoch != 0 ? epoch + ":" : "") + upstream + (revision.isEmpty() ? "" : "-" + revision);
    }

    /** dpkg's weight of one character of a non-digit run; 0 is the end of the string. */
    private static int order(int c) {
        if (isDigit(c) || c == 0) {
            return 0;
        }
        if (isAsciiLetter(c)) {
            return c;
        }
        if (c == '~') {
            return -1;
        }
        return c + 256;
    }

    static int verrevcmp(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() || j < b.length()) {
            int firstDiff = 0;
            while ((i < a.length() && !isDigit(a.charAt(i))) || (j < b.length() && !isDigit(b.charAt(j)))) {
                int ac = order(at(a, i));
                int bc = order(at(b, j));
                if (ac != bc) {
                    return Integer.signum(ac - bc);
                }
                i++;
                j++;
            }
            while (at(a, i) == '0') {
                i++;
            }
            while (at(b, j) == '0') {
                j++;
            }
            while (isDigit(at(a, i)) && isDigit(at(b, j))) {
                if (firstDiff == 0) {
                    firstDiff = at(a, i) - at(b, j);
                }
                i++;
                j++;
            }
            if (isDigit(at(a, i))) {
                return 1;
            }
            if (isDigit(at(b, j))) {
                return -1;
            }
            if (firstDiff != 0) {
                return Integer.signum(firstDiff);
            }
        }
        return 0;
    }

    private static int at(String s, int i) {
        return i < s.length() ? s.charAt(i) : 0;
    }

    static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    static boolean isAsciiLetter(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static boolean isAsciiAlnum(int c) {
        return isDigit(c) || isAsciiLetter(c);
    }
}
