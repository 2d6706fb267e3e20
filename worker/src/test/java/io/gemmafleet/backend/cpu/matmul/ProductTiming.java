package io.gemmafleet.backend.cpu.matmul;

import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A timing harness, not a test: one weight matrix times T inputs on one thread through the per-row dot products
 * and through {@link TiledProduct}, interleaved in one JVM so that both see the same machine load. Prints GFLOP/s
 * per shape and the medians.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp worker/target/classes:worker/target/test-classes
 * io.gemmafleet.backend.cpu.matmul.ProductTiming [TYPE] [runs] [tokens,...]}.
 */
public final class ProductTiming {

    private ProductTiming() {}

    public static void main(String[] args) {
        GgmlType type = GgmlType.valueOf(args.length > 0 ? args[0] : "Q4_0");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int[] tokenCounts = Arrays.stream((args.length > 2 ? args[2] : "8,16,64").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int[][] shapes = {{6912, 1152}, {1152, 6912}}; // {rows, columns}: gate/up, down of a 1B model
        SplittableRandom random = new SplittableRandom(7);
        try (Arena arena = Arena.ofShared()) {
            for (int[] shape : shapes) {
                if (shape[1] % type.blockSize() != 0) {
                    continue; // K-quant rows are whole super-blocks of 256
                }
                PackedMatrix m = PackedMatrix.of(PackedMatrixTest.randomTensor(type, shape[0], shape[1], random, arena));
                for (int tokens : tokenCounts) {
                    float[] in = new float[tokens * shape[1]];
                    for (int i = 0; i < in.length; i++) {
                        in[i] = (float) random.nextGaussian();
                    }
                    // below MIN_TOKENS prepare() gives what production runs (int8 activations for single Q4_0 inputs)
                    MatmulInput dots = tokens < TiledProduct.MIN_TOKENS ? m.prepare(in, tokens)
                            : new MatmulInput(in, tokens, null, null);
                    MatmulInput tiled = new MatmulInput(in, tokens, null, TiledProduct.pack(in, tokens, shape[1]));
                    float[] out = new float[tokens * shape[0]];
                    double flops = 2.0 * tokens * shape[0] * shape[1];
                    double[] a = new double[runs];
                    double[] b = new double[runs];
                    for (int r = -2; r < runs; r++) {
                        long t0 = System.nanoTime();
                        m.multiply(dots, out, 0, shape[0]);
                        long t1 = System.nanoTime();
                        m.multiply(tiled, out, 0, shape[0]);
                        long t2 = System.nanoTime();
                        if (r >= 0) {
                            a[r] = flops / (t1 - t0);
                            b[r] = flops / (t2 - t1);
                        }
                    }
                    Arrays.sort(a);
                    Arrays.sort(b);
                    System.out.printf("%s %dx%d T=%d: dots %.1f GFLOP/s, tiled %.1f GFLOP/s (x%.2f)%n", type,
                            shape[0], shape[1], tokens, a[runs / 2], b[runs / 2], b[runs / 2] / a[runs / 2]);
                }
            }
        }
    }
}
