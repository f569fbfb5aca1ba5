package io.berth.scan.version;

import static io.berth.scan.version.DpkgVersion.isDigit;

import java.util.ArrayList;
import java.util.List;

/**
 * An Alpine package version, ordered by the rules of apk-tools 2's {@code version.c} (Gentoo-style
 * {@code digit{.digit}...{letter}{_suffix{#}}...{-r#}}). The version is read as a sequence of tokens, each a type and
 * a value; two versions compare token by token while types and values agree. Then a smaller value is smaller; at the
 * first type difference a pre-release suffix ({@code _alpha}, {@code _beta}, {@code _pre}, {@code _rc}) is smaller
 * than anything, otherwise the version whose next token type sorts later (fewer components) is smaller.
 *
 * <p>Values: numbers as numbers, except that a component after a dot with leading zeros is worth minus the count of
 * zeros (and its remaining digits follow as a separate number); a letter its character code; pre-release suffixes
 * -4..-1 in the order alpha, beta, pre, rc; post-release suffixes 0..4 in the order cvs, svn, git, hg, p.
 *
 * @param text   the version as given
 * @param tokens the token types and values, ending with an END token
 */
public record ApkVersion(String text, List<Token> tokens) implements Comparable<ApkVersion> {

    private static final String SCHEME = "apk";
    private static final String[] PRE_SUFFIXES = {"alpha", "beta", "pre", "rc"};
    private static final String[] POST_SUFFIXES = {"cvs", "svn", "git", "hg", "p"};

    /** Token types in apk-tools' order: the order matters for the comparison. */
    enum Type { DIGIT_OR_ZERO, DIGIT, LETTER, SUFFIX, SUFFIX_NO, REVISION_NO, END, INVALID }

    /**
     * One token: the type it was read as, its value, and the type of the token that follows it.
     *
     * @param type  the type this token was read as
     * @param value its value
     * @param next  the type of the token after it
     */
    record Token(Type type, long value, Type next) {
    }

    public static ApkVersion parse(String text) {
        if (text.isEmpty()) {
            throw new InvalidVersionException(SCHEME, text, "version string is empty");
        }
        List<Token> tokens = new ArrayList<>();
        Cursor c = new Cursor(text);
        Type type = Type.DIGIT;
        while (type != Type.END) {
            Type read = type;
            long value = c.getToken(type);
            type = c.type;
            if (type == Type.INVALID) {
                throw new InvalidVersionException(SCHEME, text, "not of the form digit{.digit}...{letter}"
                        + "{_suffix{#}}...{-r#} (at offset " + c.pos + ")");
            }
            tokens.add(new Token(read, value, type));
        }
        return new ApkVersion(text, List.copyOf(tokens));
    }

    @Override
    public int compareTo(ApkVersion o) {
        Type at = Type.DIGIT;
        Type bt = Type.DIGIT;
        long av = 0;
        long bv = 0;
        int i = 0;
        while (at == bt && at != Type.END && av == bv) {
            Token ta = tokens.get(i);
            Token tb = o.tokens.get(i);
            av = ta.value;
            bv = tb.value;
            at = ta.next;
            bt = tb.next;
            i++;
        }
        if (av != bv) {
            return av < bv ? -1 : 1;
        }
        if (at == bt) {
            return 0;
        }
        // The versions agree up to here; the one that goes on is greater unless what follows is a pre-release suffix.
        if (at == Type.SUFFIX && tokens.get(i).value < 0) {
            return -1;
        }
        if (bt == Type.SUFFIX && o.tokens.get(i).value < 0) {
            return 1;
        }
        return at.ordinal() > bt.ordinal() ? -1 : 1;
    }

    @Override
    public String toString() {
        return text;
    }

    /** A reading position in a version string, with the type of the token that starts there. */
    private static final class Cursor {
        private final String s;
        private int pos;
        private Type type;

        Cursor(String s) {
            this.s = s;
        }

        private boolean atEnd() {
            return pos >= s.length();
        }

        /** Reads the token of type {@code t} at the position; leaves the type of the next one in {@link #type}. */
        long getToken(Type t) {
            type = t;
            if (atEnd()) {
                type = Type.END;
                return 0;
            }
            long v = 0;
            int i = pos;
            Type nt = Type.INVALID;
            switch (t) {
                case DIGIT_OR_ZERO:
                    if (s.charAt(i) == '0') {
                        while (i < s.length() && s.charAt(i) == '0') {
                            i++;
                        }
                        nt = Type.DIGIT;
                        v = -(i - pos);
                        break;
                    }
                    v = digits(i);
                    i = digitsEnd(i);
                    break;
                case DIGIT, SUFFIX_NO, REVISION_NO:
                    v = digits(i);
                    i = digitsEnd(i);
                    break;
                case LETTER:
                    v = s.charAt(i);
                    i++;
                    break;
                case SUFFIX:
                    int k = suffix(PRE_SUFFIXES, i);
                    if (k >= 0) {
                        v = k - PRE_SUFFIXES.length;
                        i += PRE_SUFFIXES[k].length();
                        break;
                    }
                    k = suffix(POST_SUFFIXES, i);
                    if (k >= 0) {
                        v = k;
                        i += POST_SUFFIXES[k].length();
                        break;
                    }
                    type = Type.INVALID;
                    return -1;
                default:
                    type = Type.INVALID;
                    return -1;
            }
            pos = i;
            if (atEnd()) {
                type = Type.END;
            } else if (nt != Type.INVALID) {
                type = nt;
            } else {
                nextToken();
            }
            return v;
        }

        private int suffix(String[] names, int i) {
            for (int k = 0; k < names.length; k++) {
                if (s.startsWith(names[k], i)) {
                    return k;
                }
            }
            return -1;
        }

        private long digits(int i) {
            long v = 0;
            for (int j = i; j < s.length() && isDigit(s.charAt(j)); j++) {
                v = v * 10 + (s.charAt(j) - '0');
                if (v > Long.MAX_VALUE / 20) {
                    throw new InvalidVersionException(SCHEME, s, "number too large");
                }
            }
            return v;
        }

        private int digitsEnd(int i) {
            int j = i;
            while (j < s.length() && isDigit(s.charAt(j))) {
                j++;
            }
            return j;
        }

        /** Decides the type of the token at the position from the current type and the character there. */
        private void nextToken() {
            Type n = Type.INVALID;
            char ch = s.charAt(pos);
            if ((type == Type.DIGIT || type == Type.DIGIT_OR_ZERO) && ch >= 'a' && ch <= 'z') {
                n = Type.LETTER;
            } else if (type == Type.LETTER && isDigit(ch)) {
                n = Type.DIGIT;
            } else if (type == Type.SUFFIX && isDigit(ch)) {
                n = Type.SUFFIX_NO;
            } else {
                if (ch == '.') {
                    n = Type.DIGIT_OR_ZERO;
                } else if (ch == '_') {
                    n = Type.SUFFIX;
                } else if (ch == '-') {
                    if (pos + 1 < s.length() && s.charAt(pos + 1) == 'r') {
                        n = Type.REVISION_NO;
                        pos++;
                    }
                }
                pos++;
            }
            if (n.ordinal() < type.ordinal() && n != Type.INVALID) {
                boolean allowed = (n == Type.DIGIT_OR_ZERO && type == Type.DIGIT)
                        || (n == Type.SUFFIX && type == Type.SUFFIX_NO)
                        || (n == Type.DIGIT && type == Type.LETTER);
                if (!allowed) {
                    n = Type.INVALID;
                }
            }
            type = n;
        }
    }
}
