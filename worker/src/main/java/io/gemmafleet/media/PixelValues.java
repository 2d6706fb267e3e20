package io.gemmafleet.media;

/**
 * Normalised pixel values of one image as the vision tower takes them: [3][size][size], channel-major.
 *
 * @param size the side of the square image
 * @param chw 3 × size × size floats, channel-major (all R, then all G, then all B), each in [-1, 1]
 */
public record PixelValues(int size, float[] chw) {

    public PixelValues {
        if (size <= 0 || chw == null || chw.length != 3L * size * size) {
            throw new IllegalArgumentException("pixel values of size " + size + " need " + 3L * size * size
                    + " floats, got " + (chw == null ? "none" : chw.length));
        }
    }
}
