package io.berth.auth;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * An htpasswd file (one {@code user:hash} a line, as Apache's htpasswd writes it) read for an import: every line is
 * an entry Berth can take (a bcrypt hash) or a problem that says why not. Berth checks passwords with bcrypt only,
 * so MD5 ({@code $apr1$}), SHA-1 ({@code {SHA}}), crypt and plain-text entries are problems: their users need a
 * new password, made with {@code htpasswd -B}.
 */
public final class Htpasswd {
    private static final String REMEDY = "; Berth checks bcrypt only: set the password again with htpasswd -B";

    /** A bcrypt entry on line (counted from 1). */
    public record Entry(int line, String user, String hash) {}

    /** Why the entry on line (counted from 1) cannot be imported; user is empty when the line names none. */
    public record Problem(int line, String user, String reason) {
        @Override
        public String toString() {
            return "line " + line + (user.isEmpty() ? "" : " (" + user + ")") + ": " + reason;
        }
    }

    public record Parsed(List<Entry> entries, List<Problem> problems) {}

    private Htpasswd() {}

    /** Reads every line; blank lines and lines starting with # are skipped. validName says which user names Berth takes. */
    static Parsed parse(List<String> lines, Predicate<String> validName) {
        List<Entry> entries = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        Map<String, Integer> firstLine = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int number = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                problems.add(new Problem(number, "", "no ':' between user name and hash"));
                continue;
            }
            String user = line.substring(0, colon);
            String hash = line.substring(colon + 1);
            Integer earlier = firstLine.putIfAbsent(user, number);
            String reason = user.isEmpty() ? "no user name before ':'"
                    : !validName.test(user) ? "user name not valid in Berth (lower-case letters, digits and . _ -, at most"
                            + " 64, not starting with 'robot')"
                    : earlier != null ? "user appears again (first on line " + earlier + ")"
                    : hashProblem(hash);
            if (reason == null) {
                entries.add(new Entry(number, user, hash));
            } else {
                problems.add(new Problem(number, user, reason));
            }
        }
        return new Parsed(entries, problems);
    }

    /** Why Berth cannot take hash, or null for a bcrypt hash it checks. */
    private static String hashProblem(String hash) {
        if (Passwords.isSupportedHash(hash)) {
            return null;
        }
        if (hash.isEmpty()) {
            return "no hash after ':'";
        }
        if (hash.startsWith("$2")) {
            return "not a valid bcrypt hash ($2a$, $2b$ or $2y$, cost, 53 characters)";
        }
        String kind;
        if (hash.startsWith("$apr1$")) {
            kind = "MD5 hash ($apr1$, htpasswd -m)";
        } else if (hash.startsWith("{SHA}")) {
            kind = "SHA-1 hash ({SHA}, htpasswd -s)";
        } else if (hash.startsWith("$1$") || hash.startsWith("$5$") || hash.startsWith("$6$")) {
            kind = "crypt hash (" + hash.substring(0, 3) + ")";
        } else if (hash.matches("[./0-9A-Za-z]{13}")) {
            kind = "crypt hash (DES, htpasswd -d)";
        } else {
            kind = "plain-text password (htpasswd -p) or an unknown hash";
        }
        return kind + REMEDY;
    }
}
