package io.gemmafleet.media;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Converts a decoded {@link BufferedImage} to 8-bit RGB the way PIL's {@code Image.convert("RGB")} treats the mode
 * PIL opens the same file in: alpha is dropped (not composited), palettes are looked up, grey is replicated, 16-bit
 * colour keeps the high byte and 16-bit grey (PIL mode "I") is clipped to 0..255. Samples are read from the raster,
 * never through {@code getRGB}, which would gamma-convert grey images and apply colour profiles PIL ignores.
 */
final class RasterToRgb {

    private RasterToRgb() {}

    static RgbImage convert(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        byte[] out = new byte[w * h * 3];
        int bands = raster.getNumBands();
        int[] row = new int[w * bands];
        if (cm instanceof IndexColorModel palette) {
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int index = row[x];
                    int o = (y * w + x) * 3;
                    out[o] = (byte) palette.getRed(index);
                    out[o + 1] = (byte) palette.getGreen(index);
                    out[o + 2] = (byte) palette.getBlue(index);
                }
            }
        } else if (plainSamples(cm)) {
            int bits = cm.getComponentSize(0);
            boolean grey = cm.getNumColorComponents() == 1;
            // PIL opens 16-bit grey without alpha as mode "I" (32-bit ints) and clips it to 8 bits on convert.
            boolean clip = grey && bits == 16 && !cm.hasAlpha();
            int shift = clip ? 0 : bits - 8;
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int s = x * bands;
                    int o = (y * w + x) * 3;
                    for (int c = 0; c < 3; c++) {
                        int v = row[s + (grey ? 0 : c)];
                        out[o + c] = (byte) (clip ? Math.min(v, 255) : v >> shift);
                    }
                }
            }
        } else {
            // Packed formats with odd component sizes (e.g. 5-6-5 BMP) or premultiplied alpha: let the colour
            // model scale and un-premultiply each pixel.
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    Object pixel = raster.getDataElements(x, y, null);
                    int o = (y * w + x) * 3;
                    out[o] = (byte) cm.getRed(pixel);
                    out[o + 1] = (byte) cm.getGreen(pixel);
                    out[o + 2] = (byte) cm.getBlue(pixel);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Whether the raster's bands are plain grey or R, G, B (then alpha) samples of 8 or 16 bits each. */
    private static boolean plainSamples(ColorModel cm) {
        if (cm.isAlphaPremultiplied()) {
            return false;
        }
        int bits = cm.getComponentSize(0);
        if (bits != 8 && !(bits == 16 && cm instanceof ComponentColorModel)) {
            return false;
        }
        for (int c = 1; c < cm.getNumComponents(); c++) {
            if (cm.getComponentSize(c) != bits) {
                return false;
            }
        }
        return cm.getNumColorComponents() == 1 || cm.getNumColorComponents() == 3;
    }
}
