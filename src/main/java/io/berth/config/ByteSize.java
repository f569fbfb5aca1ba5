package io.berth.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A number of bytes, written as {@code 16MiB}, {@code 512KiB}, {@code 1.5GiB}, {@code 10GB} or plain bytes: the one
 * size parser of configuration keys and of CLI arguments (quotas).
 */
public record ByteSize(long bytes) {
    private static final Pattern FORM = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([a-z]*)");
    private static final Map<String, Long> UNITS = Map.of("", 1L, "b", 1L,
            "kib", 1L << 10, "mib", 1L << 20, "gib", 1L << 30, "tib", 1L << 40,
            "kb", 1_000L, "mb", 1_000_000L, "gb", 1_000_000_000L, "tb", 1_000_000_000_000L);

    public ByteSize {
        if (bytes < 0) {
            throw new ConfigException("a size cannot be negative: " + bytes);
        }
    }

    /** The size, or a {@link ConfigException} "invalid size '10XB' (use a number with B, KiB, …)". */
    public static ByteSize parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches() || !UNITS.containsKey(m.group(2))) {
            throw new ConfigException("invalid size '" + text
                    + "' (use a number with B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB)");
        }
        BigDecimal value = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(UNITS.get(m.group(2))));
        try {
            return new ByteSize(value.setScale(0, RoundingMode.HALF_UP).longValueExact());
        } catch (ArithmeticException e) {
            throw new ConfigException("size too large: " + text);
        }
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
