package io.gemmafleet.media;

import java.util.Locale;
import java.util.Optional;

/**
 * Decodes a client's image (JPEG, PNG, WebP, GIF first frame, BMP) to RGB as transformers' {@code load_image} and
 * Gemma 3's processor see it: checked against the limits and the declared media type, EXIF orientation applied,
 * converted to RGB. Every failure is a {@link MediaException} whose message can go back to the client.
 */
public final class ImageDecoder {

    private final ImageLimits limits;

    public ImageDecoder(ImageLimits limits) {
        this.limits = limits;
    }

    /** @param declaredMediaType e.g. "image/png", or null when the client gave none */
    public RgbImage decode(byte[] encoded, String declaredMediaType) throws MediaException {
        ImageFormat format = checkedFormat(encoded, declaredMediaType, limits.maxEncodedBytes());
        if (format == ImageFormat.GIF) {
            try (GifAnimation gif = new GifAnimation(encoded, limits)) {
                return gif.firstFrame(); // PIL opens a GIF at its first frame
            }
        }
        if (format == ImageFormat.BMP) {
            long[] size = StructureCheck.bmpSize(encoded);
            ReaderSession.checkPixels(format, size[0], size[1], limits);
        }
        RgbImage rgb;
        try (ReaderSession session = new ReaderSession(format, encoded)) {
            session.checkedSize(0, limits);
            StructureCheck.check(format, encoded);
            rgb = RasterToRgb.convert(session.read(0));
        }
        return ExifOrientation.apply(rgb, ExifOrientation.read(format, encoded));
    }

    /**
     * The format of {@code encoded} after the checks that need no header: not empty, within {@code maxBytes}, a
     * format we take and agreeing with the declared type. Callers check the header's size against the pixel limit
     * and then {@link StructureCheck} (a bomb's header is reported as too large, not as truncated).
     */
    static ImageFormat checkedFormat(byte[] encoded, String declaredMediaType, long maxBytes) throws MediaException {
        if (encoded == null || encoded.length == 0) {
            throw new MediaException("The image is empty (0 bytes).");
        }
        if (encoded.length > maxBytes) {
            throw new MediaException(String.format(Locale.ROOT, "The image is %s; the limit is %s.",
                    size(encoded.length), size(maxBytes)));
        }
        Optional<ImageFormat> declared = ImageFormat.fromDeclared(declaredMediaType);
        Optional<ImageFormat> found = ImageFormat.sniff(encoded);
        if (found.isEmpty()) {
            Optional<String> other = ImageFormat.sniffUnsupported(encoded);
            throw new MediaException(other.map(name -> "Unsupported image format: " + name + ". Send "
                            + ImageFormat.ACCEPTED + ".")
                    .orElse("The data is not an image in a supported format (" + ImageFormat.ACCEPTED + ")"
                            + declared.map(d -> ", although it was declared as " + d.mediaType()).orElse("") + "."));
        }
        ImageFormat format = found.get();
        if (declared.isPresent() && declared.get() != format) {
            throw new MediaException("The image was declared as " + declared.get().mediaType() + " but the data is a "
                    + format.displayName() + " image (" + format.mediaType() + ").");
        }
        return format;
    }

    /** A byte count for people: bytes, KiB or MiB. */
    static String size(long bytes) {
        return bytes >= 1024 * 1024 ? String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024))
                : bytes >= 1024 ? String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0) : bytes + " bytes";
    }
}
