package io.gemmafleet.backend.cpu.vision;

import io.gemmafleet.backend.cpu.ThreadTeam;
import jdk.incubator.vector.FloatVector;
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
        if (rows == 0) {
            return;
        }
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
        float[] tile = new float[MR * NR];
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
                        tile(scratch, i * kc, bp, bo, kc, tile);
                        store(tile, c, cOffset + (r0 + i) * cStride + p * NR, cStride, Math.min(MR, mc - i), cols,
                                accumulate);
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
     * One {@code MR × NR} tile of A · Bᵀ from an A micro-panel and a B panel step, {@code kc} deep, into
     * {@code tile} (row-major, {@code MR × NR}). Written out in full with no branch but the loop and no helper that
     * takes or returns a vector: C2 boxes vectors that cross a call it does not inline (see BENCHMARKS.md,
     * NodeCountInliningCutoff), and a rarely taken branch in here (edge tiles, accumulation) costs an uncommon trap
     * and a recompile of the hottest method; C1 cannot compile it at all (too few registers), so between C2
     * compiles it runs interpreted. Edges and accumulation are {@link #store}'s job.
     */
    private static void tile(float[] ap, int ao, float[] bp, int bo, int kc, float[] tile) {
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
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
    }

    /**
     * Writes (or adds, when {@code accumulate}) the first {@code rows × cols} of {@code tile} into C: rows past the
     * end of A were computed from zero padding, columns past the last panel's width from zero rows of B.
     */
    private static void store(float[] tile, float[] c, int co, int cStride, int rows, int cols, boolean accumulate) {
        for (int r = 0; r < rows; r++) {
            int o = co + r * cStride;
            int t = r * NR;
            int j = 0;
            for (; j + L <= cols; j += L) {
                FloatVector v = FloatVector.fromArray(F, tile, t + j);
                if (accumulate) {
                    v = v.add(FloatVector.fromArray(F, c, o + j));
                }
                v.intoArray(c, o + j);
            }
            for (; j < cols; j++) {
                c[o + j] = accumulate ? c[o + j] + tile[t + j] : tile[t + j];
            }
        }
    }
}
