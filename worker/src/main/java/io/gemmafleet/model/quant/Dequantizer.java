package io.gemmafleet.model.quant;

import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Plain, obviously-correct conversion of stored weights to floats, one row at a time.
 *
 * <p>This is the reference the fast kernels are checked against, and the path for work that touches a few rows
 * only (the embedding lookup). It is not used for matrix products.
 */
public final class Dequantizer {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Dequantizer() {}

    /** Whether rows of this type can be dequantized here. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /** Writes row {@code row} of {@code tensor} (a matrix, or a vector when row is 0) into {@code out}. */
    public static void row(TensorData tensor, long row, float[] out) {
        int columns = Math.toIntExact(tensor.columns());
        long rowBytes = tensor.type().byteSize(columns);
        MemorySegment data = tensor.data().asSlice(row * rowBytes, rowBytes);
        decode(tensor.type(), data, out, columns);
    }

    /** All elements of a (small) tensor as floats; for norm weights and other vectors. */
    public static float[] all(TensorData tensor) {
        float[] out = new float[Math.toIntExact(tensor.elementCount())];
        decode(tensor.type(), tensor.data(), out, out.length);
        return out;
    }

    /** Decodes {@code count} elements of type {@code type} from {@code data} into {@code out}. */
    public static void decode(GgmlType type, MemorySegment data, float[] out, int count) {
        switch (type) {
            case F32 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = data.get(F32, 4L * i);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.float16ToFloat(data.get(I16, 2L * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = bf16ToFloat(data.get(I16, 2L * i));
                }
            }
            case Q8_0 -> {
                for (int block = 0; block < count / 32; block++) {
                    long base = 34L * block;
                    float d = Float.float16ToFloat(data.get(I16, base));
                    for (int j = 0; j < 32; j++) {
                        out[block * 32 + j] = d * data.get(ValueLayout.JAVA_BYTE, base + 2 + j);
                    }
                }
            }
            case Q4_0 -> {
                // 16 bytes of nibbles: the low nibble of byte j is element j, the high nibble element j + 16.
                for (int block = 0; block < count / 32; block++) {
                    long base = 18L * block;
                    float d = Float.float16ToFloat(data.get(I16, base));
                    for (int j = 0; j < 16; j++) {
                        int b = data.get(ValueLayout.JAVA_BYTE, base + 2 + j) & 0xFF;
                        out[block * 32 + j] = d * ((b & 0x0F) - 8);
                        out[block * 32 + j + 16] = d * ((b >>> 4) - 8);
                    }
                }
            }
            case Q4_1 -> {
                // d, m (fp16), 16 bytes of nibbles as in Q4_0; weight = d × nibble + m.
                for (int block = 0; block < count / 32; block++) {
                    long base = 20L * block;
                    float d = half(data, base);
                    float m = half(data, base + 2);
                    for (int j = 0; j < 16; j++) {
                        int b = u8(data, base + 4 + j);
                        out[block * 32 + j] = d * (b & 0x0F) + m;
                        out[block * 32 + j + 16] = d * (b >>> 4) + m;
                    }
                }
            }
            case Q5_0, Q5_1 -> {
                // Q5_0: d, qh (32 bits: bit i is the fifth bit of element i), 16 nibble bytes;
                // weight = d × (q − 16).
                // Q5_1: d, m, qh, nibbles; weight = d × q + m.
                boolean hasMin = type == GgmlType.Q5_1;
                int blockBytes = type.bytesPerBlock();
                int qhAt = hasMin ? 4 : 2;
                for (int block = 0; block < count / 32; block++) {
                    long base = (long) blockBytes * block;
                    float d = half(data, base);
                    float m = hasMin ? half(data, base + 2) : -16 * d;
                    int qh = data.get(I32, base + qhAt);
                    for (int j = 0; j < 16; j++) {
                        int b = u8(data, base + qhAt + 4 + j);
                        int q0 = (b & 0x0F) | (((qh >>> j) & 1) << 4);
                        int q1 = (b >>> 4) | (((qh >>> (j + 16)) & 1) << 4);
                        out[block * 32 + j] = d * q0 + m;
                        out[block * 32 + j + 16] = d * q1 + m;
                    }
                }
            }
            case Q4_K, Q5_K -> {
                // Super-block of 256: d, dmin (fp16), 12 bytes of 6-bit scales and mins (KScales), [Q5_K: qh[32]],
                // qs[128]. Sub-block j (32 weights) takes the low nibbles (j even) or high nibbles (j odd) of
                // qs[32·(j/2) ..]; Q5_K's fifth bit of element l of sub-block j is bit j of qh[l].
                // weight = d·scale_j × q − dmin·min_j.
                boolean five = type == GgmlType.Q5_K;
                int blockBytes = type.bytesPerBlock();
                for (int block = 0; block < count / 256; block++) {
                    long base = (long) blockBytes * block;
                    float d = half(data, base);
                    float dmin = half(data, base + 2);
                    long qs = base + (five ? 48 : 16);
                    for (int j = 0; j < 8; j++) {
                        float scale = d * KScales.scale(data, base + 4, j);
                        float min = dmin * KScales.min(data, base + 4, j);
                        int shift = (j & 1) * 4;
                        for (int l = 0; l < 32; l++) {
                            int q = (u8(data, qs + 32 * (j / 2) + l) >>> shift) & 0x0F;
                            if (five) {
                                q |= ((u8(data, base + 16 + l) >>> j) & 1) << 4;
                            }
                            out[block * 256 + 32 * j + l] = scale * q - min;
                        }
                    }
                }
            }
            case Q6_K -> {
                // Super-block of 256: ql[128] (low 4 bits), qh[64] (top 2 bits), 16 int8 scales, d (fp16).
                // Each half h (128 weights) is four groups g of 32: element l of group g takes nibble g/2 of
                // ql[64h + 32(g%2) + l], bits 2g..2g+1 of qh[32h + l], and scale 8h + 2g + l/16;
                // weight = d·scale × (q − 32).
                for (int block = 0; block < count / 256; block++) {
                    long base = 210L * block;
                    float d = half(data, base + 208);
                    for (int h = 0; h < 2; h++) {
                        for (int g = 0; g < 4; g++) {
                            for (int l = 0; l < 32; l++) {
                                int low = (u8(data, base + 64 * h + 32 * (g % 2) + l) >>> (4 * (g / 2))) & 0x0F;
                                int high = (u8(data, base + 128 + 32 * h + l) >>> (2 * g)) & 3;
                                int scale = data.get(ValueLayout.JAVA_BYTE, base + 192 + 8 * h + 2 * g + l / 16);
                                out[block * 256 + 128 * h + 32 * g + l] = d * scale * ((low | (high << 4)) - 32);
                            }
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException("cannot dequantize " + type);
        }
    }

    private static float half(MemorySegment data, long at) {
        return Float.float16ToFloat(data.get(I16, at));
    }

    private static int u8(MemorySegment data, long at) {
        return data.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    /** bfloat16 is the top half of a float32. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}
