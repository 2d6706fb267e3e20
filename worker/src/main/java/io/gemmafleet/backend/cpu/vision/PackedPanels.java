package io.gemmafleet.backend.cpu.vision;

/**
 * The right-hand matrix B of {@code C = A · Bᵀ} ({@code n} rows of {@code k} values) repacked for {@link Gemm}:
 * panels of {@link Gemm#NR} consecutive rows, each panel stored k-major ({@code NR} values of one k side by side),
 * so that the micro-kernel reads one panel as a single contiguous stream. Rows past {@code n} in the last panel are
 * zeros.
 */
final class PackedPanels {

    /** Supplies row {@code r} of B (its {@code k} values) into {@code into}. */
    @FunctionalInterface
    interface RowSource {
        void row(int r, float[] into);
    }

    private final float[] data;
    private final int n;
    private final int k;

    private PackedPanels(int n, int k) {
        if (n < 1 || k < 1) {
            throw new IllegalArgumentException("an empty matrix: " + n + " × " + k);
        }
        this.n = n;
        this.k = k;
        this.data = new float[Math.multiplyExact(panels(n) * Gemm.NR, k)];
    }

    /** B from a source that yields one row at a time (a stored weight matrix, dequantized row by row). */
    static PackedPanels ofRows(int n, int k, RowSource source) {
        PackedPanels p = new PackedPanels(n, k);
        float[] row = new float[k];
        for (int r = 0; r < n; r++) {
            source.row(r, row);
            int base = (r / Gemm.NR) * Gemm.NR * k + r % Gemm.NR;
            for (int i = 0; i < k; i++) {
                p.data[base + i * Gemm.NR] = row[i];
            }
        }
        return p;
    }

    /** B with {@code B[r][i] = src[offset + r * stride + i]} (B stored row by row, e.g. one head's keys). */
    static PackedPanels ofRows(float[] src, int offset, int stride, int n, int k) {
        PackedPanels p = new PackedPanels(n, k);
        for (int r = 0; r < n; r++) {
            int base = (r / Gemm.NR) * Gemm.NR * k + r % Gemm.NR;
            int from = offset + r * stride;
            for (int i = 0; i < k; i++) {
                p.data[base + i * Gemm.NR] = src[from + i];
            }
        }
        return p;
    }

    /** B with {@code B[r][i] = src[offset + i * stride + r]} (Bᵀ stored row by row, e.g. one head's values). */
    static PackedPanels ofColumns(float[] src, int offset, int stride, int n, int k) {
        PackedPanels p = new PackedPanels(n, k);
        for (int panel = 0; panel < panels(n); panel++) {
            int first = panel * Gemm.NR;
            int width = Math.min(Gemm.NR, n - first);
            int base = panel * Gemm.NR * k;
            for (int i = 0; i < k; i++) {
                // one k step of a panel is a contiguous run of a source row
                System.arraycopy(src, offset + i * stride + first, p.data, base + i * Gemm.NR, width);
            }
        }
        return p;
    }

    private static int panels(int n) {
        return (n + Gemm.NR - 1) / Gemm.NR;
    }

    /** Rows of B: the columns of the product. */
    int n() {
        return n;
    }

    /** Columns of B: the length of each dot product. */
    int k() {
        return k;
    }

    int panels() {
        return panels(n);
    }

    float[] data() {
        return data;
    }

    /** Where panel {@code p}'s values for k step {@code i} start in {@link #data()}. */
    int offset(int p, int i) {
        return (p * k + i) * Gemm.NR;
    }

    /** Bytes held. */
    long bytes() {
        return (long) Float.BYTES * data.length;
    }
}
