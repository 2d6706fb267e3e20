package io.gemmafleet.model.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gemmafleet.model.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantizerTest {

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    private static float[] roundTrip(GgmlType type, float[] x) {
        byte[] q = Quantizer.quantize(type, x);
        float[] out = new float[x.length];
        Dequantizer.decode(type, MemorySegment.ofArray(q), out, x.length);
        return out;
    }

    @Test
    void q8RoundTripErrorIsWithinHalfAStep() {
        float[] x = random(32 * 64, 1);
        float[] y = roundTrip(GgmlType.Q8_0, x);
        for (int b = 0; b < 64; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[32 * b + j]));
            float step = amax / 127;
            for (int j = 0; j < 32; j++) {
                int i = 32 * b + j;
                assertTrue(Math.abs(x[i] - y[i]) <= step * 0.5f + amax * 1e-3f, "element " + i);
            }
        }
    }

    @Test
    void q4RoundTripErrorIsWithinOneStep() {
        float[] x = random(32 * 64, 2);
        float[] y = roundTrip(GgmlType.Q4_0, x);
        for (int b = 0; b < 64; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[32 * b + j]));
            float step = amax / 8;
            for (int j = 0; j < 32; j++) {
                int i = 32 * b + j;
                // values opposite the maximum clamp at q = 15 (7 steps), so the error can reach one step there
                assertTrue(Math.abs(x[i] - y[i]) <= step + amax * 2e-3f, "element " + i + ": " + x[i] + " vs " + y[i]);
            }
        }
    }

    /** Round trip of gaussian data: RMS error relative to the data's RMS, per type. */
    @ParameterizedTest
    @CsvSource({"Q4_1, 0.12", "Q5_0, 0.06", "Q5_1, 0.06", "Q4_K, 0.10", "Q5_K, 0.05", "Q6_K, 0.025"})
    void roundTripErrorIsSmall(GgmlType type, double bound) {
        float[] x = random(256 * 32, type.ordinal());
        float[] y = roundTrip(type, x);
        double err = 0;
        double energy = 0;
        for (int i = 0; i < x.length; i++) {
            err += (x[i] - y[i]) * (x[i] - y[i]);
            energy += x[i] * x[i];
        }
        double relative = Math.sqrt(err / energy);
        assertTrue(relative < bound, type + " relative RMS error " + relative);
    }

    @Test
    void zerosDecodeToZero() {
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q4_1,
                GgmlType.Q5_0, GgmlType.Q5_1}) {
            assertArrayEquals(new float[256], roundTrip(type, new float[256]), 0f, type.toString()); // -0 allowed
        }
    }

    @Test
    void q8KnownBitLayout() {
        float[] x = new float[32];
        x[0] = 127f;   // amax → d = 1.0 (fp16 0x3C00)
        x[1] = -2.5f;  // roundf(-2.5) = -3, away from zero
        x[2] = 2.5f;   // 3
        x[3] = 0.49f;  // 0
        byte[] q = Quantizer.quantize(GgmlType.Q8_0, x);
        assertEquals(34, q.length);
        assertEquals((byte) 0x00, q[0]);
        assertEquals((byte) 0x3C, q[1]);
        assertEquals(127, q[2]);
        assertEquals(-3, q[3]);
        assertEquals(3, q[4]);
        assertEquals(0, q[5]);
    }

    @Test
    void q4KnownBitLayout() {
        float[] x = new float[32];
        x[0] = -8f;    // largest magnitude, negative: d = -8 / -8 = 1.0, id = 1
        x[1] = 7f;     // (int)(7 + 8.5) = 15
        x[16] = 3.2f;  // (int)(3.2 + 8.5) = 11 → high nibble of byte 0
        x[17] = -0.6f; // (int)(7.9) = 7 → high nibble of byte 1
        byte[] q = Quantizer.quantize(GgmlType.Q4_0, x);
        assertEquals(18, q.length);
        assertEquals((byte) 0x00, q[0]);
        assertEquals((byte) 0x3C, q[1]);
        assertEquals((byte) (0 | (11 << 4)), q[2]);  // element 0 → q 0, element 16 → 11
        assertEquals((byte) (15 | (7 << 4)), q[3]);  // element 1 → 15, element 17 → 7
        assertEquals((byte) (8 | (8 << 4)), q[4]);   // zeros → 8
        // positive maximum: d is negative, so the maximum itself maps to q = 0
        float[] p = new float[32];
        p[0] = 8f;
        byte[] qp = Quantizer.quantize(GgmlType.Q4_0, p);
        assertEquals((short) 0xBC00, (short) ((qp[0] & 0xFF) | (qp[1] << 8))); // d = -1.0
        assertEquals(0, qp[2] & 0x0F);
        assertEquals(-8f * -1f, roundTrip(GgmlType.Q4_0, p)[0]);
    }

    @Test
    void bf16RoundsToNearestEven() {
        // 1 + 2^-8 is exactly halfway between bf16 1.0 and 1 + 2^-7: ties to even (1.0)
        assertEquals(1.0f, Quantizer.roundToBf16(1f + 0x1p-8f));
        // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even)
        assertEquals(1f + 0x1p-6f, Quantizer.roundToBf16(1f + 3 * 0x1p-8f));
        assertEquals(1f + 0x1p-7f, Quantizer.roundToBf16(1f + 0x1p-8f + 0x1p-12f));
        assertTrue(Float.isNaN(Quantizer.roundToBf16(Float.NaN)));
        float[] x = random(1000, 3);
        float[] y = roundTrip(GgmlType.BF16, x);
        for (int i = 0; i < x.length; i++) {
            assertTrue(Math.abs(x[i] - y[i]) <= Math.abs(x[i]) * 0x1p-8f);
        }
    }

    @Test
    void f16AndF32RoundTrip() {
        float[] x = random(256, 4);
        assertArrayEquals(x, roundTrip(GgmlType.F32, x));
        float[] h = roundTrip(GgmlType.F16, x);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(x[i])), h[i]);
        }
    }
}
