package io.gemmafleet.media;

/**
 * PIL's {@code Image.resize(size, BILINEAR)} on an RGB image, bit for bit: Pillow's {@code libImaging/Resample.c}
 * (triangle filter whose support widens with the downscale factor, i.e. antialiased; coefficients normalised per
 * output pixel, then fixed point with 22 fraction bits; a horizontal pass over the rows the vertical pass needs,
 * then a vertical pass; each pass rounds and clips to 8 bits).
 */
final class PilBilinear {

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 1.0;

    private PilBilinear() {}

    static RgbImage resize(RgbImage in, int outWidth, int outHeight) {
        if (in.width() == outWidth && in.height() == outHeight) {
            return in; // PIL returns a copy; RgbImage is not modified in place, so the same pixels do
        }
        Coefficients vertical = Coefficients.of(in.height(), outHeight);
        int firstRow = vertical.bounds[0];
        int lastRow = vertical.bounds[outHeight * 2 - 2] + vertical.bounds[outHeight * 2 - 1];
        byte[] src = in.rgb();
        int srcWidth = in.width();
        int rowOffset = 0;
        if (outWidth != in.width()) {
            Coefficients horizontal = Coefficients.of(in.width(), outWidth);
            src = horizontal(src, srcWidth, firstRow, lastRow - firstRow, horizontal);
            srcWidth = outWidth;
            rowOffset = firstRow; // the temporary image starts at the first row the vertical pass reads
        }
        if (outHeight == in.height()) {
            return new RgbImage(outWidth, outHeight, src);
        }
        return new RgbImage(outWidth, outHeight, vertical(src, srcWidth, rowOffset, vertical));
    }

    private static byte[] horizontal(byte[] in, int inWidth, int firstRow, int rows, Coefficients k) {
        int outWidth = k.outSize;
        byte[] out = new byte[outWidth * rows * 3];
        for (int y = 0; y < rows; y++) {
            int rowStart = (y + firstRow) * inWidth * 3;
            for (int xx = 0; xx < outWidth; xx++) {
                int min = k.bounds[xx * 2];
                int count = k.bounds[xx * 2 + 1];
                int base = xx * k.size;
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                for (int x = 0; x < count; x++) {
                    int w = k.fixed[base + x];
                    int p = rowStart + (x + min) * 3;
                    s0 += (in[p] & 0xFF) * w;
                    s1 += (in[p + 1] & 0xFF) * w;
                    s2 += (in[p + 2] & 0xFF) * w;
                }
                int o = (y * outWidth + xx) * 3;
                out[o] = clip8(s0);
                out[o + 1] = clip8(s1);
                out[o + 2] = clip8(s2);
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] in, int width, int rowOffset, Coefficients k) {
        int outHeight = k.outSize;
        byte[] out = new byte[width * outHeight * 3];
        for (int yy = 0; yy < outHeight; yy++) {
            int min = k.bounds[yy * 2] - rowOffset;
            int count = k.bounds[yy * 2 + 1];
            int base = yy * k.size;
            for (int x = 0; x < width; x++) {
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                for (int y = 0; y < count; y++) {
                    int w = k.fixed[base + y];
                    int p = ((y + min) * width + x) * 3;
                    s0 += (in[p] & 0xFF) * w;
                    s1 += (in[p + 1] & 0xFF) * w;
                    s2 += (in[p + 2] & 0xFF) * w;
                }
                int o = (yy * width + x) * 3;
                out[o] = clip8(s0);
                out[o + 1] = clip8(s1);
                out[o + 2] = clip8(s2);
            }
        }
        return out;
    }

    /** Pillow's clip8: the lookup table it uses amounts to clamping {@code in >> PRECISION_BITS} to 0..255. */
    private static byte clip8(int in) {
        int v = in >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /** Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis (box = the whole input). */
    private record Coefficients(int outSize, int size, int[] bounds, int[] fixed) {

        static Coefficients of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = SUPPORT * filterScale;
            int size = (int) Math.ceil(support) * 2 + 1;
            int[] bounds = new int[outSize * 2];
            int[] fixed = new int[outSize * size];
            double[] k = new double[size];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                double ww = 0.0;
                double ss = 1.0 / filterScale;
                int min = (int) (center - support + 0.5);
                if (min < 0) {
                    min = 0;
                }
                int max = (int) (center + support + 0.5);
                if (max > inSize) {
                    max = inSize;
                }
                max -= min;
                for (int x = 0; x < max; x++) {
                    double w = bilinear((x + min - center + 0.5) * ss);
                    k[x] = w;
                    ww += w;
                }
                for (int x = 0; x < max; x++) {
                    if (ww != 0.0) {
                        k[x] /= ww;
                    }
                    fixed[xx * size + x] = k[x] < 0
                            ? (int) (-0.5 + k[x] * (1 << PRECISION_BITS))
                            : (int) (0.5 + k[x] * (1 << PRECISION_BITS));
                }
                bounds[xx * 2] = min;
                bounds[xx * 2 + 1] = max;
            }
            return new Coefficients(outSize, size, bounds, fixed);
        }

        private static double bilinear(double x) {
            double a = Math.abs(x);
            return a < 1.0 ? 1.0 - a : 0.0;
        }
    }
}
