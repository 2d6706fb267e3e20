package io.gemmafleet.model.quant;

/**
 * Ports of llama.cpp's reference quantizers for the super-block types ({@code quantize_row_q4_K_ref},
 * {@code quantize_row_q5_K_ref}, {@code quantize_row_q6_K_ref}, what {@code llama-quantize} runs without an
 * importance matrix), with their search helpers {@code make_qkx2_quants} and {@code make_qx_quants}. Block layouts
 * are those {@link Dequantizer} reads. The arithmetic follows the C statement by statement; a C compiler that fuses
 * multiply-adds may still pick a different level in rare ties, so files agree in kind, not always bit for bit.
 */
final class KQuantizer {

    private static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantizer() {}

    /** Q4_K (144 bytes) or Q5_K (176 bytes) super-block of the 256 floats at {@code x[off]}. */
    static void q45kBlock(boolean five, float[] x, int off, byte[] dst, int base) {
        int nmax = five ? 31 : 15;
        int[] levels = new int[256];
        float[] scales = new float[8];
        float[] mins = new float[8];
        float[] weights = new float[32];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += x[off + 32 * j + l] * x[off + 32 * j + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(x[off + 32 * j + l]);
            }
            float[] min = new float[1];
            scales[j] = five
                    ? makeQkx2(32, nmax, x, off + 32 * j, weights, levels, 32 * j, min, -0.5f, 0.1f, 15)
                    : makeQkx2(32, nmax, x, off + 32 * j, weights, levels, 32 * j, min, -1f, 0.1f, 20);
            mins[j] = min[0];
            maxScale = Math.max(maxScale, scales[j]);
            maxMin = Math.max(maxMin, mins[j]);
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        int[] ls = new int[8];
        int[] lm = new int[8];
        for (int j = 0; j < 8; j++) {
            // (uint8_t) nearest_int(...) then MIN(63, ·): the values are non-negative and at most 63.5.
            ls[j] = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            lm[j] = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
        }
        short d = Float.floatToFloat16(maxScale / 63f);
        short dmin = Float.floatToFloat16(maxMin / 63f);
        Quantizer.putShort(dst, base, d);
        Quantizer.putShort(dst, base + 2, dmin);
        KScales.pack(ls, lm, dst, base + 4);
        for (int j = 0; j < 8; j++) {
            float dj = Float.float16ToFloat(d) * ls[j];
            if (dj == 0) {
                continue;
            }
            float dm = Float.float16ToFloat(dmin) * lm[j];
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[off + 32 * j + ii] + dm) / dj);
                levels[32 * j + ii] = Math.max(0, Math.min(nmax, l));
            }
        }
        int qs = base + (five ? 48 : 16);
        if (five) {
            for (int l = 0; l < 32; l++) {
                dst[base + 16 + l] = 0;
            }
        }
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                int lo = levels[64 * c + l];
                int hi = levels[64 * c + 32 + l];
                if (five) {
                    // the fifth bit of sub-block j goes to bit j of qh[l]
                    dst[base + 16 + l] |= (byte) (((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1)));
                }
                dst[qs + 32 * c + l] = (byte) ((lo & 0x0F) | ((hi & 0x0F) << 4));
            }
        }
    }

    /** Q6_K super-block (210 bytes) of the 256 floats at {@code x[off]}. */
    static void q6kBlock(float[] x, int off, byte[] dst, int base) {
        int[] levels = new int[256];
        float[] scales = new float[16];
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = makeQx(16, 32, x, off + 16 * ib, levels, 16 * ib);
            scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        for (int i = 0; i < 210; i++) {
            dst[base + i] = 0;
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            return; // all zero, d = 0
        }
        float iscale = -128f / maxScale;
        short d = Float.floatToFloat16(1 / iscale);
        Quantizer.putShort(dst, base + 208, d);
        for (int ib = 0; ib < 16; ib++) {
            dst[base + 192 + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        }
        for (int j = 0; j < 16; j++) {
            float dj = Float.float16ToFloat(d) * dst[base + 192 + j];
            if (dj == 0) {
                continue;
            }
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[off + 16 * j + ii] / dj);
                levels[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
            }
        }
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int q1 = levels[128 * h + l];
                int q2 = levels[128 * h + l + 32];
                int q3 = levels[128 * h + l + 64];
                int q4 = levels[128 * h + l + 96];
                dst[base + 64 * h + l] = (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4));
                dst[base + 64 * h + l + 32] = (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4));
                dst[base + 128 + 32 * h + l] =
                        (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
        }
    }

    /** C's {@code nearest_int}: round half to even through the float mantissa (valid below 2^22). */
    static int nearestInt(float f) {
        float v = f + 12582912f;
        return (Float.floatToRawIntBits(v) & 0x007fffff) - 0x00400000;
    }

    /**
     * {@code make_qkx2_quants}: levels 0..nmax with a scale and a (non-positive) offset minimising the weighted
     * squared error over a small grid of scales; returns the scale, stores −offset in {@code theMin[0]}.
     */
    private static float makeQkx2(int n, int nmax, float[] x, int xo, float[] w, int[] levels, int lo, float[] theMin,
                                  float rmin, float rdelta, int nstep) {
        float min = x[xo];
        float max = x[xo];
        float sumW = w[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            min = Math.min(min, x[xo + i]);
            max = Math.max(max, x[xo + i]);
            sumW += w[i];
            sumX += w[i] * x[xo + i];
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                levels[lo + i] = 0;
            }
            theMin[0] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
            levels[lo + i] = l;
            float diff = scale * l + min - x[xo + i];
            bestError += w[i] * diff * diff;
        }
        int[] aux = new int[n];
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
                aux[i] = l;
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXL += w[i] * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[xo + i];
                    error += w[i] * diff * diff;
                }
                if (error < bestError) {
                    System.arraycopy(aux, 0, levels, lo, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[0] = -min;
        return scale;
    }

    /**
     * {@code make_qx_quants} with rmse_type 1 and no importance weights: symmetric levels −nmax..nmax−1 (stored
     * + nmax), the scale refined over 18 nearby candidates by x²-weighted least squares.
     */
    private static float makeQx(int n, int nmax, float[] x, int xo, int[] levels, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[lo + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
            levels[lo + i] = l + nmax;
            float w = x[xo + i] * x[xo + i];
            sumLX += w * x[xo + i] * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
                float w = x[xo + i] * x[xo + i];
                sumLX += w * x[xo + i] * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) {
                    int l = nearestInt(iscale * x[xo + i]);
                    levels[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }
}
