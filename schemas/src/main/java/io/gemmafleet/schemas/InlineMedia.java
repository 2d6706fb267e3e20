package io.gemmafleet.schemas;

import java.util.Base64;
import java.util.Locale;

/** Base64 or data-URI image payloads, decoded; shared by the gateway and the worker. */
public final class InlineMedia {

    private static final String DATA_SCHEME = "data:";
    private static final String BASE64_MARK = ";base64";

    private final byte[] bytes;
    private final String mediaType;

    private InlineMedia(byte[] bytes, String mediaType) {
        this.bytes = bytes;
        this.mediaType = mediaType;
    }

    /**
     * Decodes {@code data}: a data URI ({@code data:image/png;base64,...}) or plain base64 (standard or URL-safe
     * alphabet, padding optional, line breaks ignored).
     *
     * @param declaredMediaType the media type the job declared beside the data; a data URI's own type wins
     * @throws IllegalArgumentException with a client-safe message for bad base64 or a malformed data URI
     */
    public static InlineMedia decode(String data, String declaredMediaType) {
        if (data == null || data.isEmpty()) {
            throw new IllegalArgumentException("image data is empty");
        }
        String declared = normalType(declaredMediaType);
        if (!isDataUri(data)) {
            return new InlineMedia(base64(data), declared);
        }
        int comma = data.indexOf(',');
        if (comma < 0) {
            throw new IllegalArgumentException("malformed data URI: no ',' before the data");
        }
        String header = data.substring(DATA_SCHEME.length(), comma);
        if (!header.toLowerCase(Locale.ROOT).endsWith(BASE64_MARK)) {
            throw new IllegalArgumentException(
                    "malformed data URI: image data must be base64 ('data:<type>;base64,<data>')");
        }
        // data:[<type>][;param=value]*;base64 — only the type matters here; parameters (charset, name) are ignored.
        String type = normalType(header.substring(0, header.length() - BASE64_MARK.length()).split(";", -1)[0]);
        if (type != null && !type.matches("[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")) {
            throw new IllegalArgumentException("malformed data URI: '" + clip(type) + "' is not a media type");
        }
        return new InlineMedia(base64(data.substring(comma + 1)), type != null ? type : declared);
    }

    /** Whether {@code value} is a data URI (rather than plain base64 or a fetchable URL). */
    public static boolean isDataUri(String value) {
        return value != null && value.regionMatches(true, 0, DATA_SCHEME, 0, DATA_SCHEME.length());
    }

    /** The decoded bytes. */
    public byte[] bytes() {
        return bytes;
    }

    /** The media type the data URI names, else the declared one, else null. */
    public String mediaType() {
        return mediaType;
    }

    private static byte[] base64(String text) {
        String b64 = stripWhitespace(text);
        if (b64.isEmpty()) {
            throw new IllegalArgumentException("image data is empty");
        }
        // The URL-safe alphabet swaps +/ for -_; a payload using either is decoded with its own alphabet.
        boolean urlSafe = b64.indexOf('-') >= 0 || b64.indexOf('_') >= 0;
        byte[] out;
        try {
            out = (urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not valid base64: " + badCharOrLength(b64, urlSafe));
        }
        if (out.length == 0) {
            throw new IllegalArgumentException("image data is empty");
        }
        return out;
    }

    /** A short, client-safe reason: never echoes more than one character of the payload. */
    private static String badCharOrLength(String b64, boolean urlSafe) {
        String alphabet = urlSafe ? "-_" : "+/";
        int end = b64.length();
        while (end > 0 && b64.charAt(end - 1) == '=') {
            end--;
        }
        for (int i = 0; i < end; i++) {
            char c = b64.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || alphabet.indexOf(c) >= 0;
            if (!ok) {
                return (c >= 0x21 && c < 0x7f ? "character '" + c + "'" : String.format("character U+%04X", (int) c))
                        + " at offset " + i;
            }
        }
        return "length " + b64.length() + " cannot be base64 (one character too many, or bad padding)";
    }

    private static String stripWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (isSpace(s.charAt(i))) {
                StringBuilder sb = new StringBuilder(s.length());
                for (int j = 0; j < s.length(); j++) {
                    if (!isSpace(s.charAt(j))) {
                        sb.append(s.charAt(j));
                    }
                }
                return sb.toString();
            }
        }
        return s; // the usual case: no copy
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    private static String normalType(String type) {
        if (type == null || type.isBlank()) {
            return null;
        }
        return type.strip().toLowerCase(Locale.ROOT);
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
