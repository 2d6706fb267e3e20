package io.gemmafleet.backend.cpu.matmul;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every packed kernel against the plain path: dequantize each row with {@link Dequantizer}, then a scalar
 * double-precision dot product. Batches of 1–40 inputs exercise the four-at-a-time dot products and the tail, and
 * for encodings that decode in vectors {@link TiledProduct}'s two tiles, partial panels and partial row blocks;
 * where the tail runs an int8 kernel (Q4_0), its inputs are the quantized values, so the same tight bound holds.
 */
class PackedMatrixTest {

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q4_K", "Q5_K", "Q6_K"})
    void matchesDequantizedReference(GgmlType type) {
        SplittableRandom random = new SplittableRandom(type.ordinal());
        int[] widths = type.blockSize() == 256 ? new int[] {256, 768, 2304} : new int[] {32, 96, 1152};
        for (int columns : widths) {
            int rows = 19;
            try (Arena arena = Arena.ofConfined()) {
                TensorData tensor = randomTensor(type, rows, columns, random, arena);
                PackedMatrix matrix = PackedMatrix.of(tensor);
                for (int tokens : new int[] {1, 5, 8, 9, 13, 16, 20, 40}) {
                    float[] in = new float[tokens * columns];
                    for (int i = 0; i < in.length; i++) {
                        in[i] = (float) random.nextGaussian();
                    }
                    float[] out = new float[tokens * rows];
                    MatmulInput input = matrix.prepare(in, tokens);
                    // two ranges that split a block of TiledProduct.ROWS, as two threads would
                    matrix.multiply(input, out, 0, 5);
                    matrix.multiply(input, out, 5, rows);
                    // inputs that went through an int8 kernel are compared with their quantized values
                    float[] used = input.q8 == null ? in : dequantized(input.q8);
                    float[] row = new float[columns];
                    for (int r = 0; r < rows; r++) {
                        Dequantizer.row(tensor, r, row);
                        for (int t = 0; t < tokens; t++) {
                            float[] x = t < tokens - tokens % 4 ? in : used;
                            double expected = 0;
                            double magnitude = 0;
                            for (int c = 0; c < columns; c++) {
                                expected += (double) row[c] * x[t * columns + c];
                                magnitude += Math.abs((double) row[c] * x[t * columns + c]);
                            }
                            assertEquals(expected, out[t * rows + r], 1e-5 * magnitude + 1e-6,
                                    type + " row " + r + " token " + t + " of " + tokens + ", " + columns + " columns");
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K",
            "Q5_K", "Q6_K"})
    void productsOfManyInputsAreTiled(GgmlType type) {
        org.junit.jupiter.api.Assumptions.assumeTrue(Lanes.SIMD_OK, "no 256-bit vectors: the reference path runs");
        try (Arena arena = Arena.ofConfined()) {
            int columns = 256;
            int many = TiledProduct.MIN_TOKENS;
            PackedMatrix matrix = PackedMatrix.of(randomTensor(type, 8, columns, new SplittableRandom(1), arena));
            assertEquals(null, matrix.prepare(new float[(many - 1) * columns], many - 1).tiled,
                    (many - 1) + " inputs take the dot products");
            org.junit.jupiter.api.Assertions.assertNotNull(matrix.prepare(new float[many * columns], many).tiled,
                    many + " inputs are tiled");
        }
    }

    /** The values that int8 rows stand for: each value times its block's scale. */
    static float[] dequantized(Q8Rows q8) {
        short[] values = q8.values();
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] * q8.scales()[i / Q8Rows.BLOCK];
        }
        return out;
    }

    /** Random valid data of the type: finite values, fp16 block scales, any nibble or int8 pattern. */
    static TensorData randomTensor(GgmlType type, int rows, int columns, SplittableRandom random, Arena arena) {
        long bytes = type.byteSize((long) rows * columns);
        MemorySegment data = arena.allocate(bytes, 64);
        ValueLayout.OfShort half = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfFloat single = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        long elements = (long) rows * columns;
        switch (type) {
            case F32 -> {
                for (long i = 0; i < elements; i++) {
                    data.set(single, 4 * i, (float) random.nextGaussian());
                }
            }
            case F16 -> {
                for (long i = 0; i < elements; i++) {
                    data.set(half, 2 * i, Float.floatToFloat16((float) random.nextGaussian()));
                }
            }
            case BF16 -> {
                for (long i = 0; i < elements; i++) {
                    data.set(half, 2 * i, (short) (Float.floatToIntBits((float) random.nextGaussian()) >>> 16));
                }
            }
            case Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K -> {
                for (long i = 0; i < bytes; i++) {
                    data.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt(256));
                }
                // fp16 fields get finite values: d (and m / dmin) for every type, at 208 for Q6_K's d
                boolean secondHalf = type == GgmlType.Q4_1 || type == GgmlType.Q5_1 || type == GgmlType.Q4_K
                        || type == GgmlType.Q5_K;
                long dAt = type == GgmlType.Q6_K ? 208 : 0;
                for (long block = 0; block < elements / type.blockSize(); block++) {
                    long base = block * type.bytesPerBlock();
                    data.set(half, base + dAt, Float.floatToFloat16((float) (0.01 + random.nextDouble() * 0.1)));
                    if (secondHalf) {
                        data.set(half, base + 2, Float.floatToFloat16((float) (random.nextDouble() * 0.1 - 0.05)));
                    }
                }
            }
            default -> throw new IllegalArgumentException(type.toString());
        }
        return new TensorData("test", type, new long[] {rows, columns}, data);
    }
}
