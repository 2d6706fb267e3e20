package io.gemmafleet.gateway.media;

/**
 * What the gateway admits in one job's images.
 *
 * @param maxImageBytes the most decoded bytes of one image, video frame or video clip, inline or fetched
 * @param maxImagesPerJob the most images in one job; each video frame and each video clip counts as one
 */
public record MediaLimits(long maxImageBytes, int maxImagesPerJob) {

    /** 2 MiB an image (a camera JPEG; the worker resizes to 896×896 anyway), 32 images a job. */
    public static final MediaLimits DEFAULTS = new MediaLimits(2L << 20, 32);

    public MediaLimits {
        if (maxImageBytes < 1 || maxImagesPerJob < 0) {
            throw new IllegalArgumentException("max image bytes must be >= 1 and max images >= 0");
        }
    }
}
