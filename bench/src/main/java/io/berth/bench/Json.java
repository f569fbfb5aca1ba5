package io.berth.bench;

import java.util.ArrayList;
import java.util.List;

/** Just enough JSON for what the benchmark reads: listings (an array of strings under a key) and token answers. */
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

    /** The string under "key" (the first one in document), or null when absent or not a string. */
    static String string(String document, String key) {
        int i = valueStart(document, key);
        if (i < 0 || i >= document.length() || document.charAt(i) != '"') {
            return null;
        }
        StringBuilder value = new StringBuilder();
        for (i++; i < document.length(); i++) {
            char c = document.charAt(i);
            if (c == '"') {
                return value.toString();
            }
            if (c == '\\' && i + 1 < document.length()) {
                c = document.charAt(++i);
                if (c == 'u' && i + 5 <= document.length()) {
                    c = (char) Integer.parseInt(document.substring(i + 1, i + 5), 16);
                    i += 4;
                }
            }
            value.append(c);
        }
        throw new BenchException("unterminated string under " + key + ": " + abbreviate(document));
    }

    /** The non-negative integer under "key", or absent when there is none. */
    static long number(String document, String key, long absent) {
        int i = valueStart(document, key);
        int end = i;
        while (end >= 0 && end < document.length() && Character.isDigit(document.charAt(end))) {
            end++;
        }
        return i < 0 || end == i ? absent : Long.parseLong(document.substring(i, end));
    }

    /** Where the value of "key" begins (after the colon and blanks), or -1. */
    private static int valueStart(String document, String key) {
        int at = document.indexOf("\"" + key + "\"");
        if (at < 0) {
            return -1;
        }
        int i = document.indexOf(':', at + key.length() + 2);
        if (i < 0) {
            return -1;
        }
        i++;
        while (i < document.length() && Character.isWhitespace(document.charAt(i))) {
            i++;
        }
        return i;
    }

    static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
