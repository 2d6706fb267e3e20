package io.gemmafleet.model.quant;

import io.gemmafleet.model.tensor.GgmlType;

/**
 * Converts float rows to stored types exactly as llama.cpp's reference code does ({@code quantize_row_q8_0_ref},
 * {@code quantize_row_q4_0_ref}, ggml's round-to-nearest-even bf16), so files we write hold the same bytes llama.cpp
 * would produce from the same floats. Output is little-endian, in the block layouts {@link Dequantizer} reads.
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

    private static void putShort(byte[] b, int at, short v) {
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
