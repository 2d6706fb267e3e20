package io.gemmafleet.backend.cpu.vision;

import io.gemmafleet.backend.cpu.ThreadTeam;
import io.gemmafleet.backend.cpu.matmul.PackedMatrix;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

/**
 * A timing harness, not a test: the vision tower's product shapes through {@link Gemm} and through the row-major
 * dot-product path it replaced ({@link PackedMatrix} over 64-token blocks, as {@code Linear} did), interleaved in one
 * JVM so that both see the same machine load. Prints GFLOP/s per run and the medians.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp worker/target/classes:worker/target/test-classes:DEPS
 * io.gemmafleet.backend.cpu.vision.GemmTiming [threads] [runs] [tokens]}.
 */
public final class GemmTiming {

    private GemmTiming() {}

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int m = args.length > 2 ? Integer.parseInt(args[2]) : 4096;
        int[][] shapes = {{1152, 1152}, {4304, 1152}, {1152, 4304}}; // {N, K}: q/k/v/out, fc1, fc2
        try (ThreadTeam team = new ThreadTeam(threads); Arena arena = Arena.ofShared()) {
            for (int[] shape : shapes) {
                int n = shape[0];
                int k = shape[1];
                float[] a = random(m * k, 1);
                float[] b = random(n * k, 2);
                MemorySegment seg = arena.allocate(4L * n * k, 64);
                MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, b.length);
                PackedMatrix old = PackedMatrix.of(new TensorData("w", GgmlType.F32, new long[] {n, k}, seg));
                PackedPanels packed = PackedPanels.ofRows(b, 0, k, n, k);
                double flops = 2.0 * m * n * k;
                double[] before = new double[runs];
                double[] after = new double[runs];
                float[] c1 = new float[m * n];
                float[] c2 = new float[m * n];
                for (int r = -1; r < runs; r++) { // run -1 warms both up
                    long t0 = System.nanoTime();
                    rowMajor(team, old, a, m, c1);
                    long t1 = System.nanoTime();
                    Gemm.multiply(team, a, m, packed, c2);
                    long t2 = System.nanoTime();
                    if (r >= 0) {
                        before[r] = flops / (t1 - t0);
                        after[r] = flops / (t2 - t1);
                        System.out.printf("M=%d N=%d K=%d run %d: dot-product %.1f GFLOP/s, gemm %.1f GFLOP/s%n",
                                m, n, k, r, before[r], after[r]);
                    }
                }
                double diff = 0;
                for (int i = 0; i < c1.length; i++) {
                    diff = Math.max(diff, Math.abs(c1[i] - c2[i]));
                }
                System.out.printf("M=%d N=%d K=%d median: dot-product %.1f GFLOP/s, gemm %.1f GFLOP/s (×%.2f); "
                        + "max |difference| %.2g%n", m, n, k, median(before), median(after),
                        median(after) / median(before), diff);
            }
        }
    }

    /** The replaced path: 64-token blocks copied out, each multiplied by every weight row. */
    private static void rowMajor(ThreadTeam team, PackedMatrix w, float[] in, int tokens, float[] out) {
        int rows = w.rows();
        int columns = w.columns();
        int blocks = (tokens + 63) / 64;
        team.forRange(blocks, (start, end, member) -> {
            for (int bl = start; bl < end; bl++) {
                int t0 = bl * 64;
                int n = Math.min(64, tokens - t0);
                float[] blockIn = Arrays.copyOfRange(in, t0 * columns, (t0 + n) * columns);
                float[] blockOut = new float[n * rows];
                w.multiply(blockIn, n, blockOut, 0, rows);
                System.arraycopy(blockOut, 0, out, t0 * rows, n * rows);
            }
        });
    }

    private static float[] random(int length, long seed) {
        Random r = new Random(seed);
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
