package io.berth.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A number of bytes, written in configuration as {@code 16MiB}, {@code 512KiB}, {@code 1GiB} or plain bytes. */
public record ByteSize(long bytes) {
    private static final Pattern FORM = Pattern.compile("([0-9]+)\\s*(|b|kib|mib|gib)");

    public ByteSize {
        if (bytes < 0) {
            throw new ConfigException("a size cannot be negative: " + bytes);
        }
    }

    public static ByteSize parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigException("invalid size: " + text + " (use e.g. 16MiB, 512KiB, 1GiB or a number of bytes)");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new ConfigException("size too large: " + text);
        }
        int shift = switch (m.group(2)) {
            case "kib" -> 10;
            case "mib" -> 20;
            case "gib" -> 30;
            default -> 0;
        };
        if (Long.numberOfLeadingZeros(n) <= shift) {
            throw new ConfigException("size too large: " + text);
        }
        return new ByteSize(n << shift);
    }

    @Override
    public String toString() {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        return bytes % 1024 == 0 && bytes != 0 ? (bytes >> 10) + "KiB" : Long.toString(bytes);
    }
}
