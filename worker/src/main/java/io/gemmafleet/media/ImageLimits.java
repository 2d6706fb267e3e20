package io.gemmafleet.media;

/**
 * Limits on one image: encoded bytes and decoded pixels (width × height).
 *
 * @param maxEncodedBytes the largest encoded image accepted, in bytes
 * @param maxPixels the largest decoded image accepted, in pixels (width × height), checked from the header before
 *     any pixel is decoded
 */
public record ImageLimits(long maxEncodedBytes, long maxPixels) {

    /** 20 MiB encoded, 50 megapixels decoded. */
    public static final ImageLimits DEFAULTS = new ImageLimits(20L * 1024 * 1024, 50_000_000L);

    public ImageLimits {
        if (maxEncodedBytes <= 0 || maxPixels <= 0) {
            throw new IllegalArgumentException("image limits must be positive: " + maxEncodedBytes + " bytes, "
                    + maxPixels + " pixels");
        }
    }
}
