package io.gemmafleet.backend.cpu.vision;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A matrix product for many tokens at once, with the matrix stored input-major ({@code w[k * rows + r]}): each step
 * broadcasts one input value of four tokens and multiplies it into a strip of two vectors of output rows, so a tile
 * keeps eight accumulators in registers and does eight multiply-adds per two loads of weights. (The row-major
 * dot-product kernels of {@code PackedMatrix} load one input vector per multiply-add and reduce across lanes at the
 * end: the right shape for one token, not for the thousands of patches of an image.)
 */
final class StripProduct {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Output rows one tile covers. */
    static final int STRIP = 2 * L;

    private StripProduct() {}

    /**
     * {@code out[outOffset + t * rows + r] = Σ_k in[inOffset + t * columns + k] · w[k * rows + r]} for tokens
     * {@code t < n} and rows {@code r0 ≤ r < r1}.
     */
    static void multiply(float[] w, int rows, int columns, float[] in, int inOffset, int n, float[] out,
                         int outOffset, int r0, int r1) {
        int r = r0;
        for (; r + STRIP <= r1; r += STRIP) {
            int t = 0;
            for (; t + 4 <= n; t += 4) {
                quad(w, rows, columns, in, inOffset + t * columns, out, outOffset + t * rows, r);
            }
            for (; t < n; t++) {
                single(w, rows, columns, in, inOffset + t * columns, out, outOffset + t * rows, r);
            }
        }
        for (; r < r1; r++) {
            for (int t = 0; t < n; t++) {
                float sum = 0;
                int x = inOffset + t * columns;
                for (int k = 0; k < columns; k++) {
                    sum += in[x + k] * w[k * rows + r];
                }
                out[outOffset + t * rows + r] = sum;
            }
        }
    }

    /** Four tokens (inputs at {@code x}, {@code x + columns}, ...) × one strip of rows from {@code r}. */
    private static void quad(float[] w, int rows, int columns, float[] in, int x, float[] out, int o, int r) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        int x1 = x + columns;
        int x2 = x1 + columns;
        int x3 = x2 + columns;
        for (int k = 0, wi = r; k < columns; k++, wi += rows) {
            FloatVector w0 = FloatVector.fromArray(F, w, wi);
            FloatVector w1 = FloatVector.fromArray(F, w, wi + L);
            FloatVector v = FloatVector.broadcast(F, in[x + k]);
            a0 = w0.fma(v, a0);
            b0 = w1.fma(v, b0);
            v = FloatVector.broadcast(F, in[x1 + k]);
            a1 = w0.fma(v, a1);
            b1 = w1.fma(v, b1);
            v = FloatVector.broadcast(F, in[x2 + k]);
            a2 = w0.fma(v, a2);
            b2 = w1.fma(v, b2);
            v = FloatVector.broadcast(F, in[x3 + k]);
            a3 = w0.fma(v, a3);
            b3 = w1.fma(v, b3);
        }
        a0.intoArray(out, o + r);
        b0.intoArray(out, o + r + L);
        a1.intoArray(out, o + rows + r);
        b1.intoArray(out, o + rows + r + L);
        a2.intoArray(out, o + 2 * rows + r);
        b2.intoArray(out, o + 2 * rows + r + L);
        a3.intoArray(out, o + 3 * rows + r);
        b3.intoArray(out, o + 3 * rows + r + L);
    }

    private static void single(float[] w, int rows, int columns, float[] in, int x, float[] out, int o, int r) {
        FloatVector a = FloatVector.zero(F);
        FloatVector b = a;
        for (int k = 0, wi = r; k < columns; k++, wi += rows) {
            FloatVector v = FloatVector.broadcast(F, in[x + k]);
            a = FloatVector.fromArray(F, w, wi).fma(v, a);
            b = FloatVector.fromArray(F, w, wi + L).fma(v, b);
        }
        a.intoArray(out, o + r);
        b.intoArray(out, o + r + L);
    }
}
