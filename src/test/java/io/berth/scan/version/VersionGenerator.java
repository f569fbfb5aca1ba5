package io.berth.scan.version;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Seeded, bounded generators of realistic versions for each ecosystem, and of pairs to compare: half the pairs are a
 * version and a small mutation of it (one component changed, a suffix added or removed), where orderings get subtle;
 * the rest are two independent versions.
 */
final class VersionGenerator {

    private final Random random;

    VersionGenerator(long seed) {
        this.random = new Random(seed);
    }

    /** {@code count} pairs from {@code versions}, each side accepted by {@code valid}. */
    List<String[]> pairs(int count, Supplier<String> versions, Predicate<String> valid) {
        List<String[]> pairs = new ArrayList<>();
        for (int attempts = 0; pairs.size() < count && attempts < count * 20; attempts++) {
            String a = versions.get();
            String b = random.nextInt(10) < 5 ? mutate(a) : versions.get();
            if (random.nextBoolean()) {
                String t = a;
                a = b;
                b = t;
            }
            if (valid.test(a) && valid.test(b)) {
                pairs.add(new String[] {a, b});
            }
        }
        if (pairs.size() < count) {
            throw new IllegalStateException("generator made only " + pairs.size() + " valid pairs of " + count);
        }
        return pairs;
    }

    /** A small change to {@code v}: a digit changed, a character dropped or doubled, a separator or suffix added. */
    String mutate(String v) {
        StringBuilder b = new StringBuilder(v);
        int i = random.nextInt(b.length());
        switch (random.nextInt(9)) {
            case 8 -> {
                // One word for another: where qualifier and suffix orderings differ.
                int start = i;
                while (start < b.length() && !Character.isLetter(b.charAt(start))) {
                    start++;
                }
                int end = start;
                while (end < b.length() && Character.isLetter(b.charAt(end))) {
                    end++;
                }
                b.replace(start, end, pick("alpha", "a", "beta", "b", "milestone", "m", "rc", "cr", "snapshot",
                        "SNAPSHOT", "ga", "final", "release", "sp", "pre", "p", "post", "dev", "git", "svn", "cvs",
                        "hg", "c", "r", "rev", "preview", "z", "Z", "x"));
            }
            case 0 -> {
                char c = b.charAt(i);
                b.setCharAt(i, Character.isDigit(c) ? (char) ('0' + random.nextInt(10)) : c);
            }
            case 1 -> {
                if (b.length() > 1) {
                    b.deleteCharAt(i);
                }
            }
            case 2 -> b.insert(i, b.charAt(i));
            case 3 -> b.append(pick(".0", "0", ".1", "a", "1"));
            case 4 -> b.insert(i, pick("~", "0", ".", "+", "^", "_", "-"));
            case 5 -> b.append(pick("~rc1", "~", "~~", "^1", "_p1", "_rc2", "-r1", "-1", "+1", ".post1", "rc1",
                    "-SNAPSHOT", "-alpha", "-beta.2", "-rc.1", "+build.5"));
            case 6 -> {
                int j = b.length() - 1;
                while (j > 0 && Character.isDigit(b.charAt(j))) {
                    j--;
                }
                b.setLength(Math.max(1, j));
            }
            default -> b.insert(i, (char) ('0' + random.nextInt(10)));
        }
        return b.toString();
    }

    String dpkg() {
        StringBuilder b = new StringBuilder();
        if (random.nextInt(8) == 0) {
            b.append(random.nextInt(4)).append(':');
        }
        b.append(number());
        int parts = random.nextInt(4);
        for (int i = 0; i < parts; i++) {
            b.append(pick(".", ".", ".", "+", "~", "."));
            b.append(random.nextInt(3) == 0 ? pick("dfsg", "ds", "rc", "beta", "git", "really", "b", "a", "pre")
                    : number());
            if (random.nextInt(6) == 0) {
                b.append(pick("a", "b", "z", "rc1", "~rc2", "+", "~"));
            }
        }
        if (random.nextInt(10) < 7) {
            b.append('-').append(number());
            if (random.nextInt(3) == 0) {
                b.append(pick("+deb12u1", "+deb11u2", "ubuntu0.22.04.1", "ubuntu1", "~bpo11+1", ".1", "+b1",
                        "build1", "~22.04", "+really1"));
            }
        }
        return b.toString();
    }

    String rpm() {
        StringBuilder b = new StringBuilder();
        if (random.nextInt(6) == 0) {
            b.append(random.nextInt(3)).append(':');
        }
        b.append(rpmPart(true));
        if (random.nextInt(10) < 8) {
            b.append('-').append(rpmPart(false));
            if (random.nextInt(3) == 0) {
                b.append(pick(".el9", ".el8_6", ".fc38", ".el9_2.1", ".module+el8.4.0+10123+abc", ".amzn2"));
            }
        }
        return b.toString();
    }

    private String rpmPart(boolean version) {
        if (random.nextInt(4) == 0) {
            // rpmvercmp's corners: random strings of its alphabet, separators and all.
            String alphabet = "0123456789abZ._+~^";
            StringBuilder b = new StringBuilder().append(random.nextInt(10));
            int n = random.nextInt(8);
            for (int i = 0; i < n; i++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            return b.toString();
        }
        StringBuilder b = new StringBuilder(number());
        int parts = random.nextInt(version ? 4 : 3);
        for (int i = 0; i < parts; i++) {
            b.append(pick(".", ".", ".", "~", "^", "_", "+"));
            b.append(random.nextInt(4) == 0 ? pick("rc1", "beta", "git20240101", "a", "post", "Z") : number());
        }
        return b.toString();
    }

    String maven() {
        StringBuilder b = new StringBuilder(number());
        int parts = random.nextInt(4);
        for (int i = 0; i < parts; i++) {
            b.append(pick(".", ".", "-", "-", ""));
            b.append(random.nextInt(3) == 0
                    ? pick("alpha", "a", "beta", "b", "m", "milestone", "rc", "RC", "cr", "SNAPSHOT", "ga", "Final",
                            "release", "sp", "jre", "android", "foo", "M", "GA", "0", "00")
                    : number());
        }
        return b.toString();
    }

    String pep440() {
        StringBuilder b = new StringBuilder();
        if (random.nextInt(12) == 0) {
            b.append('v');
        }
        if (random.nextInt(10) == 0) {
            b.append(random.nextInt(3)).append('!');
        }
        b.append(number());
        int parts = random.nextInt(4);
        for (int i = 0; i < parts; i++) {
            b.append('.').append(number());
        }
        if (random.nextInt(3) == 0) {
            b.append(pick("", ".", "-", "_")).append(pick("a", "b", "rc", "alpha", "beta", "c", "pre", "preview",
                    "RC", "A")).append(random.nextBoolean() ? number() : "");
        }
        if (random.nextInt(4) == 0) {
            b.append(random.nextInt(4) == 0 ? "-" + number()
                    : pick(".", "-", "_", "") + pick("post", "rev", "r", "POST") + (random.nextBoolean() ? number() : ""));
        }
        if (random.nextInt(4) == 0) {
            b.append(pick(".", "-", "_", "")).append(pick("dev", "DEV")).append(random.nextBoolean() ? number() : "");
        }
        if (random.nextInt(6) == 0) {
            b.append('+').append(pick("ubuntu", "1", "abc", "cpu", "cu118", "7", "01", "g1234"));
            int n = random.nextInt(3);
            for (int i = 0; i < n; i++) {
                b.append(pick(".", "-", "_")).append(pick("1", "2", "a", "abc", "10", "x1"));
            }
        }
        return b.toString();
    }

    String semver() {
        StringBuilder b = new StringBuilder();
        if (random.nextInt(10) == 0) {
            b.append('v');
        }
        b.append(number()).append('.').append(number()).append('.').append(number());
        if (random.nextInt(2) == 0) {
            b.append('-');
            int n = 1 + random.nextInt(3);
            for (int i = 0; i < n; i++) {
                b.append(i == 0 ? "" : ".").append(random.nextBoolean() ? number()
                        : pick("alpha", "beta", "rc", "a", "A", "b1", "x-y", "-", "1a", "0a", "ALPHA", "pre", "rc1"));
            }
        }
        if (random.nextInt(5) == 0) {
            b.append('+').append(pick("build", "001", "sha.5114f85", "exp-1", "20130313144700"));
        }
        return b.toString();
    }

    /** A number as versions have them: mostly small, sometimes long, sometimes with leading zeros. */
    private String number() {
        return switch (random.nextInt(12)) {
            case 0 -> "0";
            case 1 -> "0" + random.nextInt(10);
            case 2 -> String.valueOf(2000 + random.nextInt(30)) + String.format("%02d", 1 + random.nextInt(12));
            case 3 -> String.valueOf(random.nextInt(1000));
            case 4 -> String.valueOf(10 + random.nextInt(90));
            default -> String.valueOf(random.nextInt(10));
        };
    }

    private String pick(String... options) {
        return options[random.nextInt(options.length)];
    }
}
