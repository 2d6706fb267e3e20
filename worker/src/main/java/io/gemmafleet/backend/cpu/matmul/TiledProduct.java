package io.gemmafleet.backend.cpu.matmul;

import static io.gemmafleet.backend.cpu.matmul.Lanes.Q;
import static io.gemmafleet.backend.cpu.matmul.Lanes.QL;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * A product of a stored weight matrix with many inputs at once (a batch of decode tokens, a prefill chunk), tiled
 * for registers: {@link #ROWS} weight rows are decoded into a small float block ({@link #ROWS} × {@link #KC}, in
 * L1) that every input then shares, and each register tile multiplies broadcast weights with vectors of inputs.
 *
 * <p>Why not the per-row dot products of {@link PackedMatrix}: a dot product reads a vector of weights and a vector
 * of input per FMA, so with many inputs those input reads (L2 for the wide rows) bound the speed. Here one FMA
 * multiplies one broadcast weight by eight inputs' values at the same column, each input vector serves four rows,
 * and the inputs are repacked once per product ({@link Inputs}) so that a tile reads them as one contiguous stream. The decoded block is transient
 * scratch of 8 KiB per thread: the matrix stays in its stored encoding and is read from memory once per product.
 *
 * <p>The register tile ({@link #tile4x16}: 4 rows × 16 inputs, run twice per block of 8 rows) keeps eight
 * independent FMA chains (AVX2's two FMA units × four cycles of latency) and needs six loads per eight FMAs. Each
 * output is one sum over the columns in order, so results differ from the dot products' (which keep several
 * partial sums) only by float rounding.
 */
final class TiledProduct {

    /**
     * Products with at least this many inputs are tiled; fewer run {@link PackedMatrix}'s dot products, which
     * decode in registers and measured faster for eight inputs (BENCHMARKS.md).
     */
    static final int MIN_TOKENS = 16;
    /** Inputs per panel: two 8-lane vectors. */
    static final int WIDTH = 2 * QL;
    /** Weight rows decoded together: two {@link #tile4x16}. */
    static final int ROWS = 8;
    /** Columns decoded at a time: a multiple of every block size (32, and 256 for K-quants). */
    static final int KC = 256;

    private TiledProduct() {}

    /**
     * The inputs of a tiled product, repacked: panels of {@link #WIDTH} inputs, each panel column-major ({@code WIDTH}
     * values of one column side by side), inputs past {@code tokens} zero. Built once per product, shared by the
     * threads.
     */
    static final class Inputs {
        final float[] panels;
        final int tokens;
        /** Panels. */
        final int count;

        private Inputs(float[] in, int tokens, int columns) {
            this.tokens = tokens;
            this.count = (tokens + WIDTH - 1) / WIDTH;
            this.panels = new float[Math.multiplyExact(count * WIDTH, columns)];
            for (int t = 0; t < tokens; t++) {
                int base = (t / WIDTH) * columns * WIDTH + t % WIDTH;
                int from = t * columns;
                for (int k = 0; k < columns; k++) {
                    panels[base + k * WIDTH] = in[from + k];
                }
            }
        }

        /** Inputs padded to whole panels: the stride of the accumulator rows in {@link #multiply}. */
        int padded() {
            return count * WIDTH;
        }
    }

    /** Repacks {@code tokens} input rows of {@code columns} floats for {@link #multiply}. */
    static Inputs pack(float[] in, int tokens, int columns) {
        return new Inputs(in, tokens, columns);
    }

    /**
     * {@code out[t * m.rows() + r] = row(r) · input t} for rows {@code [rowStart, rowEnd)} and every input, on the
     * calling thread.
     */
    static void multiply(PackedMatrix m, Inputs x, float[] out, int rowStart, int rowEnd) {
        int columns = m.columns;
        int padded = x.padded();
        float[] weights = new float[ROWS * KC];
        float[] sums = new float[ROWS * padded]; // [row of the block][input]
        for (int r0 = rowStart; r0 < rowEnd; r0 += ROWS) {
            int n = Math.min(ROWS, rowEnd - r0);
            Arrays.fill(sums, 0f);
            for (int k0 = 0; k0 < columns; k0 += KC) {
                int kc = Math.min(KC, columns - k0);
                // rows past n keep stale finite values; their sums are computed and never written out
                for (int i = 0; i < n; i++) {
                    m.decode((r0 + i) * m.rowBytes, k0, kc, weights, i * KC);
                }
                for (int p = 0; p < x.count; p++) {
                    int xo = (p * columns + k0) * WIDTH;
                    tile4x16(weights, 0, x.panels, xo, kc, sums, p * WIDTH, padded);
                    tile4x16(weights, 4 * KC, x.panels, xo, kc, sums, 4 * padded + p * WIDTH, padded);
                }
            }
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < x.tokens; t++) {
                    out[t * m.rows + r0 + i] = sums[i * padded + t];
                }
            }
        }
    }

    /**
     * Adds {@code Σ_k w[r][k] · x[k][j]} over {@code kc} columns to {@code sums[so + r * stride + j]}, for 4 weight
     * rows {@code r} ({@code w[r][k] = weights[wo + r * KC + k]}) and the 16 inputs {@code j} of one panel
     * ({@code x[k][j] = panels[xo + 16k + j]}).
     *
     * <p>Eight accumulators, two input vectors and a broadcast: C2 keeps about a dozen vectors in AVX2's 16
     * registers, and a 6 × 16 tile (12 accumulators) measured twice as slow here because it spills three of them
     * to the stack. Written out with no helper that takes or returns a vector and no branch but the loop: C2 boxes
     * vectors that cross a call it does not inline, and a rare branch costs an uncommon trap (see {@link Q4Matrix}).
     */
    private static void tile4x16(float[] weights, int wo, float[] panels, int xo, int kc, float[] sums, int so,
                                 int stride) {
        FloatVector c00 = FloatVector.fromArray(Q, sums, so);
        FloatVector c01 = FloatVector.fromArray(Q, sums, so + QL);
        FloatVector c10 = FloatVector.fromArray(Q, sums, so + stride);
        FloatVector c11 = FloatVector.fromArray(Q, sums, so + stride + QL);
        FloatVector c20 = FloatVector.fromArray(Q, sums, so + 2 * stride);
        FloatVector c21 = FloatVector.fromArray(Q, sums, so + 2 * stride + QL);
        FloatVector c30 = FloatVector.fromArray(Q, sums, so + 3 * stride);
        FloatVector c31 = FloatVector.fromArray(Q, sums, so + 3 * stride + QL);
        for (int k = 0; k < kc; k++) {
            FloatVector x0 = FloatVector.fromArray(Q, panels, xo + k * WIDTH);
            FloatVector x1 = FloatVector.fromArray(Q, panels, xo + k * WIDTH + QL);
            FloatVector w = FloatVector.broadcast(Q, weights[wo + k]);
            c00 = w.fma(x0, c00);
            c01 = w.fma(x1, c01);
            w = FloatVector.broadcast(Q, weights[wo + KC + k]);
            c10 = w.fma(x0, c10);
            c11 = w.fma(x1, c11);
            w = FloatVector.broadcast(Q, weights[wo + 2 * KC + k]);
            c20 = w.fma(x0, c20);
            c21 = w.fma(x1, c21);
            w = FloatVector.broadcast(Q, weights[wo + 3 * KC + k]);
            c30 = w.fma(x0, c30);
            c31 = w.fma(x1, c31);
        }
        c00.intoArray(sums, so);
        c01.intoArray(sums, so + QL);
        c10.intoArray(sums, so + stride);
        c11.intoArray(sums, so + stride + QL);
        c20.intoArray(sums, so + 2 * stride);
        c21.intoArray(sums, so + 2 * stride + QL);
        c30.intoArray(sums, so + 3 * stride);
        c31.intoArray(sums, so + 3 * stride + QL);
    }
}
