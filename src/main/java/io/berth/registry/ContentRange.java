package io.berth.registry;

import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code Content-Range} of an upload chunk: {@code start-end}, inclusive, with no unit (the spec's grammar). */
public record ContentRange(long start, long end) {
    private static final Pattern GRAMMAR = Pattern.compile("^(?:bytes[ =])?([0-9]{1,18})-([0-9]{1,18})(?:/(?:[0-9]{1,18}|\\*))?$");

    public ContentRange {
        if (start < 0 || end < start) {
            throw new RegistryException(ErrorCode.RANGE_INVALID, "invalid Content-Range");
        }
    }

    public static ContentRange parse(String header) {
        Matcher m = GRAMMAR.matcher(header.trim());
        if (!m.matches()) {
            throw new RegistryException(ErrorCode.RANGE_INVALID, "invalid Content-Range: expected start-end");
        }
        return new ContentRange(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    }

    public long length() {
        return end - start + 1;
    }
}
