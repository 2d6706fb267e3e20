package io.gemmafleet.media;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The image formats accepted, recognised by their magic bytes and by the media types clients declare. */
public enum ImageFormat {
    JPEG("JPEG", "jpeg", List.of("image/jpeg", "image/jpg", "image/pjpeg")),
    PNG("PNG", "png", List.of("image/png", "image/x-png", "image/apng")),
    GIF("GIF", "gif", List.of("image/gif")),
    BMP("BMP", "bmp", List.of("image/bmp", "image/x-bmp", "image/x-ms-bmp")),
    WEBP("WebP", "webp", List.of("image/webp"));

    /** A client-facing list of what is accepted. */
    static final String ACCEPTED = "JPEG, PNG, WebP, GIF or BMP";

    private final String displayName;
    private final String imageIoName;
    private final List<String> mediaTypes;

    ImageFormat(String displayName, String imageIoName, List<String> mediaTypes) {
        this.displayName = displayName;
        this.imageIoName = imageIoName;
        this.mediaTypes = mediaTypes;
    }

    public String displayName() {
        return displayName;
    }

    /** The format name ImageIO registers its reader under. */
    String imageIoName() {
        return imageIoName;
    }

    /** The canonical media type, e.g. {@code image/png}. */
    public String mediaType() {
        return mediaTypes.getFirst();
    }

    /** The format whose magic bytes open {@code data}, if it is one of ours. */
    public static Optional<ImageFormat> sniff(byte[] data) {
        if (startsWith(data, 0, 0xFF, 0xD8, 0xFF)) {
            return Optional.of(JPEG);
        }
        if (startsWith(data, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return Optional.of(PNG);
        }
        if (startsWith(data, 0, 'G', 'I', 'F', '8', '7', 'a') || startsWith(data, 0, 'G', 'I', 'F', '8', '9', 'a')) {
            return Optional.of(GIF);
        }
        if (startsWith(data, 0, 'B', 'M') && data.length >= 18) {
            return Optional.of(BMP);
        }
        if (startsWith(data, 0, 'R', 'I', 'F', 'F') && startsWith(data, 8, 'W', 'E', 'B', 'P')) {
            return Optional.of(WEBP);
        }
        return Optional.empty();
    }

    /** A name for data that is not one of our formats: a known image format we do not take, or empty. */
    static Optional<String> sniffUnsupported(byte[] data) {
        if (startsWith(data, 0, 'I', 'I', 42, 0) || startsWith(data, 0, 'M', 'M', 0, 42)) {
            return Optional.of("TIFF");
        }
        if (startsWith(data, 4, 'f', 't', 'y', 'p')) {
            String brand = new String(data, 8, Math.min(4, data.length - 8), StandardCharsets.ISO_8859_1);
            return Optional.of(brand.startsWith("avi") ? "AVIF" : brand.startsWith("he") || brand.startsWith("mif")
                    ? "HEIC/HEIF" : "an ISO media (MP4/MOV) file");
        }
        if (startsWith(data, 0, 0, 0, 1, 0)) {
            return Optional.of("ICO");
        }
        if (startsWith(data, 0, '%', 'P', 'D', 'F')) {
            return Optional.of("PDF");
        }
        if (startsWith(data, 0, 0xFF, 0x4F, 0xFF, 0x51) || startsWith(data, 4, 'j', 'P', ' ', ' ')) {
            return Optional.of("JPEG 2000");
        }
        String head = new String(data, 0, Math.min(data.length, 512), StandardCharsets.ISO_8859_1)
                .toLowerCase(Locale.ROOT);
        if (head.contains("<svg") || (head.startsWith("<?xml") && head.contains("svg"))) {
            return Optional.of("SVG");
        }
        return Optional.empty();
    }

    /**
     * What a declared media type names: one of our formats, or empty when the type says nothing about the format
     * (absent, blank, {@code application/octet-stream}). Parameters such as {@code ;charset=} are ignored.
     *
     * @throws MediaException when the declared type is not an image type we accept
     */
    static Optional<ImageFormat> fromDeclared(String declaredMediaType) throws MediaException {
        if (declaredMediaType == null) {
            return Optional.empty();
        }
        String type = declaredMediaType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (type.isEmpty() || type.equals("application/octet-stream")) {
            return Optional.empty();
        }
        for (ImageFormat format : values()) {
            if (format.mediaTypes.contains(type)) {
                return Optional.of(format);
            }
        }
        throw new MediaException("Unsupported media type \"" + type + "\": send " + ACCEPTED + " ("
                + String.join(", ", List.of(JPEG.mediaType(), PNG.mediaType(), WEBP.mediaType(), GIF.mediaType(),
                        BMP.mediaType())) + ").");
    }

    private static boolean startsWith(byte[] data, int offset, int... magic) {
        if (data.length < offset + magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((data[offset + i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
