package io.berth.http;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** RFC 9110 byte ranges for blob GETs (one range; a multi-range request is answered with the whole blob). */
final class ByteRanges {
    private static final Pattern SINGLE = Pattern.compile("^\\s*bytes\\s*=\\s*([0-9]{0,18})\\s*-\\s*([0-9]{0,18})\\s*$");

    private ByteRanges() {}

    /**
     * @return {first, last} inclusive for a satisfiable single range; an empty array to serve the whole blob
     *         (no usable range); null when the range cannot be satisfied (416)
     */
    static long[] parse(String header, long size) {
        Matcher m = SINGLE.matcher(header);
        if (!m.matches()) {
            return new long[0];
        }
        String first = m.group(1);
        String last = m.group(2);
        if (first.isEmpty() && last.isEmpty()) {
            return new long[0];
        }
        if (first.isEmpty()) {
            long suffix = Long.parseLong(last);
            if (suffix == 0 || size == 0) {
                return null;
            }
            return new long[] {Math.max(0, size - suffix), size - 1};
        }
        long start = Long.parseLong(first);
        long end = last.isEmpty() ? size - 1 : Math.min(Long.parseLong(last), size - 1);
        if (!last.isEmpty() && Long.parseLong(last) < start) {
            return new long[0];
        }
        if (start >= size) {
            return null;
        }
        return new long[] {start, end};
    }
}
