package io.berth.bench;

import java.util.ArrayList;
import java.util.List;

/** Just enough JSON for the listings the benchmark reads: one array of strings under a top-level key. */
final class Json {
    private Json() {}

    /** The strings of {@code "key": [...]} in document, or an empty list when it is null or absent. */
    static List<String> stringArray(String document, String key) {
        List<String> values = new ArrayList<>();
        int at = document.indexOf("\"" + key + "\"");
        if (at < 0) {
            return values;
        }
        int i = document.indexOf(':', at) + 1;
        while (i < document.length() && Character.isWhitespace(document.charAt(i))) {
            i++;
        }
        if (document.startsWith("null", i)) {
            return values;
        }
        if (i >= document.length() || document.charAt(i) != '[') {
            throw new BenchException("expected an array under " + key + ": " + abbreviate(document));
        }
        i++;
        StringBuilder value = new StringBuilder();
        while (i < document.length()) {
            char c = document.charAt(i++);
            if (c == ']') {
                return values;
            }
            if (c != '"') {
                continue;
            }
            value.setLength(0);
            while (i < document.length() && (c = document.charAt(i++)) != '"') {
                if (c == '\\' && i < document.length()) {
                    c = document.charAt(i++);
                    if (c == 'u' && i + 4 <= document.length()) {
                        c = (char) Integer.parseInt(document.substring(i, i + 4), 16);
                        i += 4;
                    }
                }
                value.append(c);
            }
            values.add(value.toString());
        }
        throw new BenchException("unterminated array under " + key + ": " + abbreviate(document));
    }

    static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
