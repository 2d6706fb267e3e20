package io.gemmafleet.media;

/**
 * An image decoded to 8-bit RGB, EXIF orientation applied and converted to RGB as Gemma 3's processor does.
 *
 * @param width pixels per row
 * @param height rows
 * @param rgb row-major, 3 bytes per pixel (R, G, B)
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width <= 0 || height <= 0 || rgb == null || rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException("an RGB image of " + width + "x" + height + " needs "
                    + (long) width * height * 3 + " bytes, got " + (rgb == null ? "none" : rgb.length));
        }
    }

    /** The rectangle at (x, y), clipped to the image the way a numpy slice is. */
    public RgbImage crop(int x, int y, int cropWidth, int cropHeight) {
        int w = Math.min(cropWidth, width - x);
        int h = Math.min(cropHeight, height - y);
        byte[] out = new byte[w * h * 3];
        for (int row = 0; row < h; row++) {
            System.arraycopy(rgb, ((y + row) * width + x) * 3, out, row * w * 3, w * 3);
        }
        return new RgbImage(w, h, out);
    }
}
