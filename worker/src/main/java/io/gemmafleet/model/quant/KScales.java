package io.gemmafleet.model.quant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The 12-byte scale field of Q4_K and Q5_K super-blocks: eight 6-bit sub-block scales and eight 6-bit mins
 * (llama.cpp's {@code get_scale_min_k4}). Sub-blocks 0–3 keep scale and min in the low 6 bits of bytes j and j+4;
 * sub-blocks 4–7 keep their low 4 bits in the nibbles of byte j+4 and their top 2 bits in the spare top bits of
 * bytes j−4 (scale) and j (min).
 */
public final class KScales {

    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private KScales() {}

    /**
     * All eight scales into {@code scales[0..8)} and mins into {@code mins[0..8)}, the field read with two loads:
     * for the CPU kernels, where sixteen {@link #scale}/{@link #min} calls (two bounds-checked byte reads each) per
     * 256 weights cost as much as the arithmetic. {@link #scale}/{@link #min} stay the byte-by-byte reading that the
     * reference {@link Dequantizer} uses, so the kernels' tests do not check this method against itself.
     */
    public static void unpack(MemorySegment data, long at, int[] scales, int[] mins) {
        long low = data.get(LONG_LE, at); // bytes 0-7
        int high = data.get(INT_LE, at + 8); // bytes 8-11
        for (int j = 0; j < 4; j++) {
            int bj = (int) (low >>> (8 * j)) & 0xFF;
            int bj4 = (int) (low >>> (8 * (j + 4))) & 0xFF;
            int bj8 = (high >>> (8 * j)) & 0xFF;
            scales[j] = bj & 63;
            mins[j] = bj4 & 63;
            scales[j + 4] = (bj8 & 0x0F) | ((bj >>> 6) << 4);
            mins[j + 4] = (bj8 >>> 4) | ((bj4 >>> 6) << 4);
        }
    }

    /** The 6-bit scale of sub-block {@code j} (0–7), the scale field starting at {@code at}. */
    public static int scale(MemorySegment data, long at, int j) {
        if (j < 4) {
            return b(data, at + j) & 63;
        }
        return (b(data, at + j + 4) & 0x0F) | ((b(data, at + j - 4) >>> 6) << 4);
    }

    /** The 6-bit min of sub-block {@code j} (0–7). */
    public static int min(MemorySegment data, long at, int j) {
        if (j < 4) {
            return b(data, at + j + 4) & 63;
        }
        return (b(data, at + j + 4) >>> 4) | ((b(data, at + j) >>> 6) << 4);
    }

    /** Packs 6-bit scales {@code ls} and mins {@code lm} (8 each) into the 12 bytes at {@code dst[at]}. */
    static void pack(int[] ls, int[] lm, byte[] dst, int at) {
        for (int j = 0; j < 12; j++) {
            dst[at + j] = 0;
        }
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                dst[at + j] = (byte) ls[j];
                dst[at + j + 4] = (byte) lm[j];
            } else {
                dst[at + j + 4] = (byte) ((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
                dst[at + j - 4] |= (byte) ((ls[j] >> 4) << 6);
                dst[at + j] |= (byte) ((lm[j] >> 4) << 6);
            }
        }
    }

    private static int b(MemorySegment data, long at) {
        return data.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }
}
