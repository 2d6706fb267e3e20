package io.gemmafleet.backend.cpu.vision;

import io.gemmafleet.backend.cpu.ThreadTeam;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * A cache-blocked f32 matrix product {@code C = A · Bᵀ} for many rows of A (the vision tower's patches): blocks of
 * {@link #MC} rows × {@link #KC} columns of A are packed into micro-panels, and an {@link #MR} × {@link #NR} register
 * tile of C is accumulated from one A micro-panel and one {@link PackedPanels} panel, both read contiguously.
 *
 * <p>Sizes for a core with 32 KiB L1d and 512 KiB L2: a B panel step ({@code KC × NR} floats, 16 KiB with 8-lane
 * vectors) stays in L1 while the {@code MC / MR} micro-panels of the packed A block (96 KiB) stream from L2.
 */
final class Gemm {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Rows of a register tile: 6 × 2 accumulators, 2 B vectors and a broadcast fill AVX2's 16 registers. */
    static final int MR = 6;
    /** Columns of a register tile: two vectors. */
    static final int NR = 2 * L;
    /** Depth of one packed block. */
    static final int KC = 256;
    /** Rows of A per packed block (a multiple of {@link #MR}). */
    static final int MC = 96;
    /** Floats of scratch one {@link #multiply} call needs for its packed A block. */
    static final int SCRATCH = MC * KC;
    /** Work items per team member in {@link #multiply(ThreadTeam, float[], int, PackedPanels, float[])}. */
    private static final int ITEMS_PER_MEMBER = 4;

    private Gemm() {}

    /**
     * {@code c[t * b.n() + j] = Σ_i a[t * b.k() + i] · B[j][i]} for the {@code rows} rows of {@code a}, in parallel
     * over blocks of rows (and over panels of B when there are too few rows to go round).
     */
    static void multiply(ThreadTeam team, float[] a, int rows, PackedPanels b, float[] c) {
        int n = b.n();
        int k = b.k();
        int rowBlocks = (rows + MC - 1) / MC;
        int wanted = ITEMS_PER_MEMBER * team.size();
        int panelGroups = rowBlocks >= wanted ? 1 : Math.min(b.panels(), (wanted + rowBlocks - 1) / rowBlocks);
        team.forRange(rowBlocks * panelGroups, (start, end, member) -> {
            float[] scratch = new float[SCRATCH];
            for (int item = start; item < end; item++) {
                int first = (item / panelGroups) * MC;
                int group = item % panelGroups;
                int p0 = (int) ((long) b.panels() * group / panelGroups);
                int p1 = (int) ((long) b.panels() * (group + 1) / panelGroups);
                multiply(a, first * k, k, Math.min(MC, rows - first), b, p0, p1, c, first * n, n, scratch);
            }
        });
    }

    /**
     * On the calling thread: {@code C[t][j] = Σ_i A[t][i] · B[j][i]} for {@code t < rows} and the columns {@code j}
     * of panels {@code [firstPanel, endPanel)}, with {@code A[t][i] = a[aOffset + t * aStride + i]} and
     * {@code C[t][j] = c[cOffset + t * cStride + j]}. C's other columns are left alone.
     *
     * @param scratch at least {@link #SCRATCH} floats
     */
    static void multiply(float[] a, int aOffset, int aStride, int rows, PackedPanels b, int firstPanel, int endPanel,
                         float[] c, int cOffset, int cStride, float[] scratch) {
        int n = b.n();
        int k = b.k();
        float[] bp = b.data();
        for (int r0 = 0; r0 < rows; r0 += MC) {
            int mc = Math.min(MC, rows - r0);
            for (int k0 = 0; k0 < k; k0 += KC) {
                int kc = Math.min(KC, k - k0);
                packA(a, aOffset + r0 * aStride + k0, aStride, mc, kc, scratch);
                boolean accumulate = k0 > 0;
                for (int p = firstPanel; p < endPanel; p++) {
                    int bo = b.offset(p, k0);
                    int cols = Math.min(NR, n - p * NR);
                    for (int i = 0; i < mc; i += MR) {
                        tile(scratch, i * kc, bp, bo, kc, c, cOffset + (r0 + i) * cStride + p * NR, cStride,
                                Math.min(MR, mc - i), cols, accumulate);
                    }
                }
            }
        }
    }

    /** Copies {@code rows × kc} of A into micro-panels of {@link #MR} rows, k-major, zero rows past the end. */
    private static void packA(float[] a, int offset, int stride, int rows, int kc, float[] out) {
        for (int i = 0; i < rows; i += MR) {
            int base = i * kc;
            for (int r = 0; r < MR; r++) {
                if (i + r < rows) {
                    int from = offset + (i + r) * stride;
                    for (int x = 0; x < kc; x++) {
                        out[base + x * MR + r] = a[from + x];
                    }
                } else {
                    for (int x = 0; x < kc; x++) {
                        out[base + x * MR + r] = 0f;
                    }
                }
            }
        }
    }

    /**
     * One {@code MR × NR} tile of C from an A micro-panel and a B panel step, {@code kc} deep; only its first
     * {@code rows} rows and {@code cols} columns are written. Written out in full, with no helper that takes or
     * returns a vector: C2 boxes vectors that cross a call it does not inline, and a method this size stops inlining
     * (see BENCHMARKS.md, NodeCountInliningCutoff).
     */
    private static void tile(float[] ap, int ao, float[] bp, int bo, int kc, float[] c, int co, int cStride,
                             int rows, int cols, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F);
        FloatVector c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F);
        FloatVector c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F);
        FloatVector c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F);
        FloatVector c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F);
        FloatVector c51 = FloatVector.zero(F);
        for (int x = 0; x < kc; x++) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
            FloatVector av = FloatVector.broadcast(F, ap[ao]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(F, ap[ao + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(F, ap[ao + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(F, ap[ao + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(F, ap[ao + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(F, ap[ao + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            ao += MR;
            bo += NR;
        }
        // masks cut the last panel's padding columns; rows past the end of A were computed from zeros and are dropped
        VectorMask<Float> m0 = F.indexInRange(0, cols);
        VectorMask<Float> m1 = F.indexInRange(L, cols);
        int o = co;
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(F, c, o, m0));
            c01 = c01.add(FloatVector.fromArray(F, c, o + L, m1));
        }
        c00.intoArray(c, o, m0);
        c01.intoArray(c, o + L, m1);
        if (rows < 2) {
            return;
        }
        o += cStride;
        if (accumulate) {
            c10 = c10.add(FloatVector.fromArray(F, c, o, m0));
            c11 = c11.add(FloatVector.fromArray(F, c, o + L, m1));
        }
        c10.intoArray(c, o, m0);
        c11.intoArray(c, o + L, m1);
        if (rows < 3) {
            return;
        }
        o += cStride;
        if (accumulate) {
            c20 = c20.add(FloatVector.fromArray(F, c, o, m0));
            c21 = c21.add(FloatVector.fromArray(F, c, o + L, m1));
        }
        c20.intoArray(c, o, m0);
        c21.intoArray(c, o + L, m1);
        if (rows < 4) {
            return;
        }
        o += cStride;
        if (accumulate) {
            c30 = c30.add(FloatVector.fromArray(F, c, o, m0));
            c31 = c31.add(FloatVector.fromArray(F, c, o + L, m1));
        }
        c30.intoArray(c, o, m0);
        c31.intoArray(c, o + L, m1);
        if (rows < 5) {
            return;
        }
        o += cStride;
        if (accumulate) {
            c40 = c40.add(FloatVector.fromArray(F, c, o, m0));
            c41 = c41.add(FloatVector.fromArray(F, c, o + L, m1));
        }
        c40.intoArray(c, o, m0);
        c41.intoArray(c, o + L, m1);
        if (rows < 6) {
            return;
        }
        o += cStride;
        if (accumulate) {
            c50 = c50.add(FloatVector.fromArray(F, c, o, m0));
            c51 = c51.add(FloatVector.fromArray(F, c, o + L, m1));
        }
        c50.intoArray(c, o, m0);
        c51.intoArray(c, o + L, m1);
    }
}
