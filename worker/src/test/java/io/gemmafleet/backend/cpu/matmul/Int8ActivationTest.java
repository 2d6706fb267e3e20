package io.gemmafleet.backend.cpu.matmul;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The int8-activation path for Q4_0: the quantization against llama.cpp's rules, the kernel against exact integer
 * block sums, and against the float product within the error that rounding the activations brings.
 */
class Int8ActivationTest {

    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void quantizesAsLlamaCppRoundingHalfToEven() {
        float[] in = new float[64];
        // block 0: amax 127, so the factor is exactly 1 and the rounding of halves shows
        float[] first = {127f, 2.5f, 3.5f, -2.5f, -3.5f, 0.5f, 1.5f, 0.49f, -126.6f, 100.2f};
        System.arraycopy(first, 0, in, 0, first.length);
        // block 1 stays zero: scale 0, values 0 (llama.cpp's id = 0 for an all-zero block)
        Q8Rows q = Q8Rows.quantize(in, 2, 32);
        short[] expected = new short[64];
        short[] firstExpected = {127, 2, 4, -2, -4, 0, 2, 0, -127, 100};
        System.arraycopy(firstExpected, 0, expected, 0, firstExpected.length);
        assertArrayEquals(expected, q.values());
        assertArrayEquals(new float[] {1f, 0f}, q.scales());
    }

    @Test
    void quantizedValuesStayWithinHalfAStepOfTheInput() {
        SplittableRandom random = new SplittableRandom(3);
        int columns = 1152;
        float[] in = new float[3 * columns];
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) (random.nextGaussian() * (1 + i % 7));
        }
        Q8Rows q = Q8Rows.quantize(in, 3, columns);
        for (int block = 0; block < q.scales().length; block++) {
            float amax = 0;
            for (int i = block * 32; i < block * 32 + 32; i++) {
                amax = Math.max(amax, Math.abs(in[i]));
            }
            float step = amax / 127f; // the exact step; the stored scale is its fp16 rounding
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(step)), q.scales()[block]);
            boolean reachesMax = false;
            for (int i = block * 32; i < block * 32 + 32; i++) {
                int v = q.values()[i];
                assertTrue(Math.abs(v) <= 127, "value " + v);
                reachesMax |= Math.abs(v) == 127;
                assertTrue(Math.abs(in[i] - v * step) <= 0.5f * step * 1.0001f, "element " + i);
            }
            assertTrue(reachesMax, "the largest element of block " + block + " maps to ±127");
        }
    }

    /**
     * Weight scales 1 and integer inputs whose blocks each reach ±127 make every scale exactly 1, so the product is
     * the plain integer sum of (nibble − 8) × input, which the kernel must give exactly (it stays below 2^24).
     */
    @Test
    void givesExactIntegerBlockSums() {
        SplittableRandom random = new SplittableRandom(5);
        for (int columns : new int[] {32, 96, 1152}) {
            int rows = 5;
            try (Arena arena = Arena.ofConfined()) {
                TensorData tensor = PackedMatrixTest.randomTensor(GgmlType.Q4_0, rows, columns, random, arena);
                MemorySegment data = tensor.data();
                for (long block = 0; block < (long) rows * columns / 32; block++) {
                    data.set(HALF, block * 18, Float.floatToFloat16(1f));
                }
                PackedMatrix matrix = PackedMatrix.of(tensor);
                for (int tokens : new int[] {1, 3}) {
                    float[] in = new float[tokens * columns];
                    for (int i = 0; i < in.length; i++) {
                        in[i] = i % 32 == 7 ? (random.nextBoolean() ? 127 : -127) : random.nextInt(-127, 128);
                    }
                    MatmulInput input = matrix.prepare(in, tokens);
                    assertNotNull(input.q8, "Q4_0 singles go through the int8 kernel");
                    float[] out = new float[tokens * rows];
                    matrix.multiply(input, out, 0, rows);
                    for (int r = 0; r < rows; r++) {
                        for (int t = 0; t < tokens; t++) {
                            long sum = 0;
                            for (int c = 0; c < columns; c++) {
                                sum += (long) nibble(data, r, c, columns) * (long) in[t * columns + c];
                            }
                            assertEquals((float) sum, out[t * rows + r], columns + " columns, row " + r + " token " + t);
                        }
                    }
                }
            }
        }
    }

    /**
     * Against the float product: rounding each input to its block's step d moves it by at most d/2, so a row's
     * result moves by at most Σ_blocks d/2 · Σ|w| (plus float rounding). Random rows land far inside that bound
     * (rms error about 0.5% of the rms result for Gaussian inputs, see BENCHMARKS.md).
     */
    @Test
    void staysWithinTheQuantizationErrorOfTheFloatProduct() {
        SplittableRandom random = new SplittableRandom(9);
        int rows = 64;
        int columns = 1152;
        try (Arena arena = Arena.ofConfined()) {
            TensorData tensor = PackedMatrixTest.randomTensor(GgmlType.Q4_0, rows, columns, random, arena);
            PackedMatrix matrix = PackedMatrix.of(tensor);
            float[] in = new float[columns];
            for (int i = 0; i < in.length; i++) {
                in[i] = (float) random.nextGaussian();
            }
            float[] out = new float[rows];
            matrix.multiply(in, 1, out, 0, rows);
            Q8Rows q = Q8Rows.quantize(in, 1, columns);
            float[] row = new float[columns];
            double squaredError = 0;
            double squaredValue = 0;
            for (int r = 0; r < rows; r++) {
                Dequantizer.row(tensor, r, row);
                double exact = 0;
                double bound = 0;
                for (int b = 0; b < columns / 32; b++) {
                    double weights = 0;
                    for (int c = b * 32; c < b * 32 + 32; c++) {
                        exact += (double) row[c] * in[c];
                        weights += Math.abs(row[c]);
                    }
                    bound += q.scales()[b] * 0.5 * 1.001 * weights;
                }
                double error = Math.abs(out[r] - exact);
                assertTrue(error <= bound + 1e-4, "row " + r + ": error " + error + " above the bound " + bound);
                squaredError += error * error;
                squaredValue += exact * exact;
            }
            double relative = Math.sqrt(squaredError / squaredValue);
            assertTrue(relative < 0.01, "rms error " + relative + " of the rms result");
        }
    }

    /** Element {@code c} of row {@code r} of a Q4_0 matrix as its signed 4-bit value, read straight from the bytes. */
    private static int nibble(MemorySegment data, int r, int c, int columns) {
        long block = ((long) r * columns + c) / 32 * 18;
        int i = c % 32;
        int packed = data.get(ValueLayout.JAVA_BYTE, block + 2 + i % 16) & 0xFF;
        return (i < 16 ? packed & 0x0F : packed >>> 4) - 8;
    }
}
