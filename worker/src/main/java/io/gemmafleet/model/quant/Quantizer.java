package io.gemmafleet.model.quant;

import io.gemmafleet.model.tensor.GgmlType;

/**
 * Converts float rows to stored types as llama.cpp's reference code does ({@code quantize_row_q8_0_ref},
 * {@code quantize_row_q4_0_ref}, {@code _q4_1_ref}, {@code _q5_0_ref}, {@code _q5_1_ref}, ggml's round-to-nearest-even
 * bf16; the K-quants in {@link KQuantizer}), so files we write hold the bytes llama.cpp would produce from the same
 * floats. Output is little-endian, in the block layouts {@link Dequantizer} reads.
 */
public final class Quantizer {

    private Quantizer() {}

    /** Whether floats can be stored as {@code type} here. */
    public static boolean supports(GgmlType type) {
        return Dequantizer.supports(type);
    }

    /**
     * Encodes {@code count} floats of {@code src} (from {@code srcOffset}) as {@code type} into {@code dst} at
     * {@code dstOffset}; returns the number of bytes written ({@code type.byteSize(count)}).
     */
    public static int quantize(GgmlType type, float[] src, int srcOffset, int count, byte[] dst, int dstOffset) {
        int bytes = Math.toIntExact(type.byteSize(count));
        switch (type) {
            case F32 -> {
                for (int i = 0; i < count; i++) putInt(dst, dstOffset + 4 * i, Float.floatToRawIntBits(src[srcOffset + i]));
            }
            case F16 -> {
                for (int i = 0; i < count; i++) putShort(dst, dstOffset + 2 * i, Float.floatToFloat16(src[srcOffset + i]));
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) putShort(dst, dstOffset + 2 * i, floatToBf16(src[srcOffset + i]));
            }
            case Q8_0 -> {
                for (int b = 0; b < count / 32; b++) q8_0Block(src, srcOffset + 32 * b, dst, dstOffset + 34 * b);
            }
            case Q4_0 -> {
                for (int b = 0; b < count / 32; b++) q4_0Block(src, srcOffset + 32 * b, dst, dstOffset + 18 * b);
            }
            case Q4_1 -> {
                for (int b = 0; b < count / 32; b++) q4_1Block(src, srcOffset + 32 * b, dst, dstOffset + 20 * b);
            }
            case Q5_0, Q5_1 -> {
                int size = type.bytesPerBlock();
                for (int b = 0; b < count / 32; b++) {
                    q5Block(type == GgmlType.Q5_1, src, srcOffset + 32 * b, dst, dstOffset + size * b);
                }
            }
            case Q4_K, Q5_K -> {
                int size = type.bytesPerBlock();
                for (int b = 0; b < count / 256; b++) {
                    KQuantizer.q45kBlock(type == GgmlType.Q5_K, src, srcOffset + 256 * b, dst, dstOffset + size * b);
                }
            }
            case Q6_K -> {
                for (int b = 0; b < count / 256; b++) KQuantizer.q6kBlock(src, srcOffset + 256 * b, dst, dstOffset + 210 * b);
            }
            default -> throw new IllegalArgumentException("cannot quantize to " + type);
        }
        return bytes;
    }

    /** Convenience form: a fresh byte array holding {@code src} encoded as {@code type}. */
    public static byte[] quantize(GgmlType type, float[] src) {
        byte[] out = new byte[Math.toIntExact(type.byteSize(src.length))];
        quantize(type, src, 0, src.length, out, 0);
        return out;
    }

    /** d = amax / 127, q = round(x / d) (round half away from zero, like C's roundf). */
    private static void q8_0Block(float[] x, int off, byte[] dst, int base) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[off + j]));
        }
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        putShort(dst, base, Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) {
            dst[base + 2 + j] = (byte) roundf(x[off + j] * id);
        }
    }

    /** max = the value of largest magnitude (with its sign), d = max / -8, q = min(15, (int)(x/d + 8.5)). */
    private static void q4_0Block(float[] x, int off, byte[] dst, int base) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[off + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        putShort(dst, base, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) (x[off + j] * id + 8.5f));
            int q1 = Math.min(15, (int) (x[off + j + 16] * id + 8.5f));
            dst[base + 2 + j] = (byte) (q0 | (q1 << 4));
        }
    }

    /** min and max of the block; d = (max − min) / 15, q = min(15, (int)((x − min)/d + 0.5)); stores d, m = min. */
    private static void q4_1Block(float[] x, int off, byte[] dst, int base) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            min = Math.min(min, x[off + j]);
            max = Math.max(max, x[off + j]);
        }
        float d = (max - min) / 15;
        float id = d != 0 ? 1f / d : 0f;
        putShort(dst, base, Float.floatToFloat16(d));
        putShort(dst, base + 2, Float.floatToFloat16(min));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (byte) (int) ((x[off + j] - min) * id + 0.5f));
            int q1 = Math.min(15, (byte) (int) ((x[off + j + 16] - min) * id + 0.5f));
            dst[base + 4 + j] = (byte) (q0 | (q1 << 4));
        }
    }

    /**
     * Q5_0 (as Q4_0 with max / −16 and levels 0–31) or Q5_1 (as Q4_1 with (max − min) / 31); the fifth bit of
     * element i goes to bit i of the 32-bit qh that follows the scale(s).
     */
    private static void q5Block(boolean withMin, float[] x, int off, byte[] dst, int base) {
        float d;
        float min = 0;
        if (withMin) {
            min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                min = Math.min(min, x[off + j]);
                max = Math.max(max, x[off + j]);
            }
            d = (max - min) / 31;
        } else {
            float amax = 0;
            float max = 0;
            for (int j = 0; j < 32; j++) {
                if (amax < Math.abs(x[off + j])) {
                    amax = Math.abs(x[off + j]);
                    max = x[off + j];
                }
            }
            d = max / -16;
        }
        float id = d != 0 ? 1f / d : 0f;
        putShort(dst, base, Float.floatToFloat16(d));
        int qs = base + 6;
        if (withMin) {
            putShort(dst, base + 2, Float.floatToFloat16(min));
            qs = base + 8;
        }
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0;
            int q1;
            if (withMin) {
                // (uint8_t)(x + 0.5f): no upper clamp in llama.cpp; (max − min)·id rounds to at most 31
                q0 = ((int) ((x[off + j] - min) * id + 0.5f)) & 0xFF;
                q1 = ((int) ((x[off + j + 16] - min) * id + 0.5f)) & 0xFF;
            } else {
                q0 = Math.min(31, (byte) (int) (x[off + j] * id + 16.5f));
                q1 = Math.min(31, (byte) (int) (x[off + j + 16] * id + 16.5f));
            }
            dst[qs + j] = (byte) ((q0 & 0x0F) | ((q1 & 0x0F) << 4));
            qh |= ((q0 & 0x10) >>> 4) << j;
            qh |= ((q1 & 0x10) >>> 4) << (j + 16);
        }
        putInt(dst, qs - 4, qh);
    }

    /** C's roundf: halves go away from zero (Math.round would send -2.5 to -2). */
    private static int roundf(float v) {
        return (int) (v < 0 ? -Math.floor(-v + 0.5f) : Math.floor(v + 0.5f));
    }

    /** Round-to-nearest-even to bfloat16, NaN kept quiet (ggml's {@code ggml_compute_fp32_to_bf16}). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 64);
        }
        return (short) ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16);
    }

    /** {@code f} rounded to bfloat16 precision and back. */
    public static float roundToBf16(float f) {
        return Dequantizer.bf16ToFloat(floatToBf16(f));
    }

    /** {@code f} rounded to IEEE half precision and back. */
    public static float roundToF16(float f) {
        return Float.float16ToFloat(Float.floatToFloat16(f));
    }

    static void putShort(byte[] b, int at, short v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }
}
