package io.gemmafleet.media;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The video containers decoded through ffmpeg, recognised by their magic bytes (an ISO {@code ftyp} box, an EBML
 * header and its DocType, a RIFF AVI header) and by the media types clients declare.
 */
public enum VideoContainer {
    MP4("MP4", "mov", "mp4", List.of("video/mp4", "application/mp4", "video/x-m4v")),
    MOV("QuickTime", "mov", "mov", List.of("video/quicktime")),
    WEBM("WebM", "matroska", "webm", List.of("video/webm")),
    MKV("Matroska", "matroska", "mkv", List.of("video/x-matroska", "video/matroska")),
    AVI("AVI", "avi", "avi", List.of("video/x-msvideo", "video/avi", "video/msvideo"));

    /** A client-facing list of what is accepted. */
    static final String ACCEPTED = "MP4, QuickTime (MOV), WebM, Matroska (MKV) or AVI";

    /** ISO brands of still-image files (AVIF, HEIC/HEIF): an ftyp box with one of these is not a clip. */
    private static final Set<String> IMAGE_BRANDS = Set.of("avif", "avis", "heic", "heix", "heim", "heis", "hevc",
            "hevx", "mif1", "msf1");

    private final String displayName;
    private final String demuxer;
    private final String extension;
    private final List<String> mediaTypes;

    VideoContainer(String displayName, String demuxer, String extension, List<String> mediaTypes) {
        this.displayName = displayName;
        this.demuxer = demuxer;
        this.extension = extension;
        this.mediaTypes = mediaTypes;
    }

    public String displayName() {
        return displayName;
    }

    /** The canonical media type, e.g. {@code video/mp4}. */
    public String mediaType() {
        return mediaTypes.getFirst();
    }

    /** ffmpeg's demuxer for it ({@code -f}), so ffmpeg never guesses the format of untrusted bytes. */
    String demuxer() {
        return demuxer;
    }

    /** A file name extension for the temporary copy ffmpeg reads. */
    String extension() {
        return extension;
    }

    /**
     * Whether data sniffed as {@code this} may be declared as {@code declared}: the same demuxer reads both, so
     * MP4 and QuickTime (one ISO media family, often labelled either way) pass, as do WebM and Matroska.
     */
    boolean agreesWith(VideoContainer declared) {
        return declared.demuxer.equals(demuxer);
    }

    /** The container whose magic bytes open {@code data}, if it is one of ours. */
    public static Optional<VideoContainer> sniff(byte[] data) {
        if (matches(data, 4, "ftyp") && data.length >= 12) {
            String brand = new String(data, 8, 4, StandardCharsets.ISO_8859_1);
            if (IMAGE_BRANDS.contains(brand)) {
                return Optional.empty();
            }
            return Optional.of(brand.equals("qt  ") ? MOV : MP4);
        }
        // Old QuickTime files open with a movie, data or padding atom instead of ftyp.
        if (matches(data, 4, "moov") || matches(data, 4, "mdat") || matches(data, 4, "wide")) {
            return Optional.of(MOV);
        }
        if (matches(data, 0, "\u001a\u0045\u00df\u00a3")) {
            return Optional.of(ebmlDocType(data).equals("webm") ? WEBM : MKV);
        }
        if (matches(data, 0, "RIFF") && matches(data, 8, "AVI ")) {
            return Optional.of(AVI);
        }
        return Optional.empty();
    }

    /**
     * What a declared media type names: one of our containers, or empty when the type names none of them (absent,
     * {@code application/octet-stream}, an image type). Parameters such as {@code ;codecs=} are ignored.
     */
    static Optional<VideoContainer> fromDeclared(String declaredMediaType) {
        if (declaredMediaType == null) {
            return Optional.empty();
        }
        String type = declaredMediaType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        for (VideoContainer container : values()) {
            if (container.mediaTypes.contains(type)) {
                return Optional.of(container);
            }
        }
        return Optional.empty();
    }

    /** Whether a declared type claims a video of some kind (so image data under it is a lie, not a clip). */
    static boolean isVideoType(String declaredMediaType) {
        return declaredMediaType != null
                && declaredMediaType.strip().toLowerCase(Locale.ROOT).startsWith("video/");
    }

    /** The EBML DocType ("webm", "matroska", ...) from the header's first bytes, or "" when it is not there. */
    private static String ebmlDocType(byte[] data) {
        int end = Math.min(data.length, 64);
        for (int i = 4; i + 3 < end; i++) {
            if ((data[i] & 0xFF) == 0x42 && (data[i + 1] & 0xFF) == 0x82) {
                int size = data[i + 2] & 0xFF;
                if ((size & 0x80) != 0) { // a one-byte EBML size, as every muxer writes for the DocType
                    int length = size & 0x7F;
                    if (i + 3 + length <= data.length) {
                        return new String(data, i + 3, length, StandardCharsets.ISO_8859_1);
                    }
                }
                return "";
            }
        }
        return "";
    }

    private static boolean matches(byte[] data, int offset, String magic) {
        if (data.length < offset + magic.length()) {
            return false;
        }
        for (int i = 0; i < magic.length(); i++) {
            if ((data[offset + i] & 0xFF) != magic.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
