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

    private Dequantizer() {}

    /** Whether rows of this type can be dequantized here. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0 -> true;
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
            default -> throw new IllegalArgumentException("cannot dequantize " + type);
        }
    }

    /** bfloat16 is the top half of a float32. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}
