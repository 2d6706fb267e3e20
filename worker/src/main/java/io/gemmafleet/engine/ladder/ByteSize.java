package io.gemmafleet.engine.ladder;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory sizes as operators write them: {@code 8GiB}, {@code 512 MiB}, {@code 1.5G}, {@code 1073741824}.
 *
 * <p>Binary units: {@code KiB MiB GiB TiB} and, as with {@code -Xmx}, the bare letters {@code K M G T}. Decimal
 * units: {@code KB MB GB TB} (powers of 1000, as the SI and disk vendors use them). {@code B} or no unit: bytes.
 * Units are case-insensitive; a fraction is allowed and rounded down to whole bytes.
 */
public final class ByteSize {

    private static final long KI = 1024L;
    private static final Map<String, Long> UNITS = Map.ofEntries(
            Map.entry("", 1L), Map.entry("b", 1L),
            Map.entry("k", KI), Map.entry("kib", KI),
            Map.entry("m", KI * KI), Map.entry("mib", KI * KI),
            Map.entry("g", KI * KI * KI), Map.entry("gib", KI * KI * KI),
            Map.entry("t", KI * KI * KI * KI), Map.entry("tib", KI * KI * KI * KI),
            Map.entry("kb", 1_000L), Map.entry("mb", 1_000_000L), Map.entry("gb", 1_000_000_000L),
            Map.entry("tb", 1_000_000_000_000L));
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]*)");

    private ByteSize() {}

    /**
     * The bytes {@code text} names.
     *
     * @throws IllegalArgumentException for anything else, with the accepted forms in the message
     */
    public static long parse(String text) {
        String s = text == null ? "" : text.strip();
        Matcher m = SIZE.matcher(s);
        Long unit = m.matches() ? UNITS.get(m.group(2).toLowerCase(Locale.ROOT)) : null;
        if (unit == null) {
            throw new IllegalArgumentException("'" + text + "' is not a size (examples: 8GiB, 512MiB, 1.5G, "
                    + "1073741824; units B, KiB/K, MiB/M, GiB/G, TiB/T, or KB/MB/GB/TB for powers of 1000)");
        }
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("size '" + text + "' is too large");
        }
        return bytes.longValue();
    }

    /** {@code bytes} in the largest binary unit that keeps it at least 1, e.g. {@code 1.5 GiB}, {@code 512 MiB}. */
    public static String format(long bytes) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        if (bytes < KI) {
            return bytes + " B";
        }
        double v = bytes;
        int u = -1;
        while (u < units.length - 1 && v >= KI) {
            v /= KI;
            u++;
        }
        String number = String.format(Locale.ROOT, "%.2f", v).replaceAll("\\.?0+$", "");
        return number + " " + units[u];
    }
}
