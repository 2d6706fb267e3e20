package io.gemmafleet.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The configured API keys, held only as SHA-256 hashes with a key name: a presented key is hashed and compared in
 * constant time, so no raw key is ever stored, compared byte by byte or logged. The name (never the key) is what
 * owns a job. With no keys configured the gateway is open and every caller is {@link #ANONYMOUS}.
 */
public final class ApiKeys {

    /** The owner of every job when no keys are configured. */
    public static final String ANONYMOUS = "-";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final Pattern HASH = Pattern.compile("[0-9a-fA-F]{64}");

    private record Entry(String name, byte[] hash) {}

    private final List<Entry> entries;

    private ApiKeys(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static ApiKeys none() {
        return new ApiKeys(List.of());
    }

    /**
     * Keys from {@code NAME:SHA256HEX} lines (blank lines and {@code #} comments skipped); a malformed line is an
     * {@link IllegalArgumentException} naming its line number but never echoing its content (it may be a raw key).
     */
    public static ApiKeys parse(List<String> lines) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String name = colon < 0 ? "" : line.substring(0, colon);
            String hash = colon < 0 ? "" : line.substring(colon + 1);
            if (!NAME.matcher(name).matches() || name.equals(ANONYMOUS) || !HASH.matcher(hash).matches()) {
                throw new IllegalArgumentException("API key entry " + (i + 1)
                        + " is not NAME:SHA256HEX (hash a key with: printf %s KEY | sha256sum)");
            }
            if (out.stream().anyMatch(e -> e.name().equals(name))) {
                throw new IllegalArgumentException("API key name '" + name + "' appears twice");
            }
            out.add(new Entry(name, HexFormat.of().parseHex(hash.toLowerCase(java.util.Locale.ROOT))));
        }
        return new ApiKeys(out);
    }

    /** SHA-256 of a raw key as lower-case hex, the form the key list stores. */
    public static String sha256Hex(String rawKey) {
        return HexFormat.of().formatHex(sha256(rawKey));
    }

    private static byte[] sha256(String raw) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Whether requests need a key. */
    public boolean enabled() {
        return !entries.isEmpty();
    }

    /** The name of the key {@code presented} matches, or empty (also for null). */
    public Optional<String> owner(String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        byte[] hash = sha256(presented);
        String match = null;
        // Compare against every entry in constant time so timing reveals neither which key nor how close.
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.hash(), hash)) {
                match = e.name();
            }
        }
        return Optional.ofNullable(match);
    }

    public int size() {
        return entries.size();
    }
}
