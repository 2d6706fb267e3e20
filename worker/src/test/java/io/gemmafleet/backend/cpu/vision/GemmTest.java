package io.gemmafleet.backend.cpu.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gemmafleet.backend.cpu.ThreadTeam;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GemmTest {

    private static float[] random(int length, long seed) {
        Random r = new Random(seed);
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** C = A · Bᵀ by the textbook triple loop, in double. */
    private static double[] reference(float[] a, float[] b, int m, int n, int k) {
        double[] c = new double[m * n];
        for (int t = 0; t < m; t++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int i = 0; i < k; i++) {
                    sum += (double) a[t * k + i] * b[j * k + i];
                }
                c[t * n + j] = sum;
            }
        }
        return c;
    }

    /** f32 sums of k products of unit Gaussians: error grows like sqrt(k) · ulp. */
    private static void assertClose(double[] expected, float[] actual, int k, String what) {
        double tolerance = 1e-5 * Math.sqrt(k) * 4;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance * Math.max(1, Math.abs(expected[i])), what + " at " + i);
        }
    }

    // sizes off every tile edge: M not a multiple of MR or MC, N of NR, K of KC; and K > KC to cross K blocks
    @ParameterizedTest
    @CsvSource({"1, 1, 1", "7, 5, 3", "13, 17, 33", "97, 31, 257", "203, 70, 600", "6, 16, 256", "250, 72, 72"})
    void matchesTheTripleLoop(int m, int n, int k) {
        float[] a = random(m * k, 1);
        float[] b = random(n * k, 2);
        double[] expected = reference(a, b, m, n, k);
        for (int threads : new int[] {1, 2, 3}) {
            try (ThreadTeam team = new ThreadTeam(threads)) {
                float[] c = new float[m * n];
                Gemm.multiply(team, a, m, PackedPanels.ofRows(b, 0, k, n, k), c);
                assertClose(expected, c, k, threads + " threads");
            }
        }
        float[] viaSource = new float[m * n];
        PackedPanels fromSource = PackedPanels.ofRows(n, k, (r, into) -> System.arraycopy(b, r * k, into, 0, k));
        Gemm.multiply(a, 0, k, m, fromSource, 0, fromSource.panels(), viaSource, 0, n, new float[Gemm.SCRATCH]);
        assertClose(expected, viaSource, k, "row source");
    }

    @org.junit.jupiter.api.Test
    void noRowsIsNothingToDo() {
        try (ThreadTeam team = new ThreadTeam(2)) {
            float[] c = new float[0];
            Gemm.multiply(team, new float[0], 0, PackedPanels.ofRows(random(3 * 5, 5), 0, 5, 3, 5), c);
            assertEquals(0, c.length);
        }
    }

    /** Attention's use: strided A and C inside wider rows, B given transposed, C's other columns untouched. */
    @ParameterizedTest
    @CsvSource({"45, 72, 130", "100, 19, 300"})
    void stridedOperandsAndTransposedB(int m, int n, int k) {
        int aStride = k + 11;
        int aOffset = 5;
        int cStride = n + 9;
        int cOffset = 3;
        float[] a = random(aOffset + m * aStride, 3);
        float[] bT = random(k * (n + 4), 4); // Bᵀ as k rows of n values inside rows of n + 4, starting at column 2
        float[] denseA = new float[m * k];
        for (int t = 0; t < m; t++) {
            System.arraycopy(a, aOffset + t * aStride, denseA, t * k, k);
        }
        float[] denseB = new float[n * k];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < k; i++) {
                denseB[j * k + i] = bT[2 + i * (n + 4) + j];
            }
        }
        double[] expected = reference(denseA, denseB, m, n, k);
        PackedPanels b = PackedPanels.ofColumns(bT, 2, n + 4, n, k);
        float[] c = new float[cOffset + m * cStride];
        java.util.Arrays.fill(c, 42f);
        Gemm.multiply(a, aOffset, aStride, m, b, 0, b.panels(), c, cOffset, cStride, new float[Gemm.SCRATCH]);
        for (int t = 0; t < m; t++) {
            for (int j = 0; j < cStride; j++) {
                float got = c[cOffset + t * cStride + j];
                if (j < n) {
                    assertEquals(expected[t * n + j], got, 1e-4 * Math.sqrt(k) * Math.max(1, Math.abs(expected[t * n + j])));
                } else if (cOffset + t * cStride + j < c.length) {
                    assertEquals(42f, got, "column " + j + " of row " + t + " is outside the product");
                }
            }
        }
        for (int i = 0; i < cOffset; i++) {
            assertEquals(42f, c[i]);
        }
    }
}
