package io.gemmafleet.backend.cpu.vision;

import io.gemmafleet.backend.cpu.ThreadTeam;
import io.gemmafleet.backend.cpu.matmul.PackedMatrix;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.tensor.TensorData;
import io.gemmafleet.model.vision.VisionConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * SigLIP's multi-head self-attention over the patches of each image: every patch attends to every patch of its own
 * image (no mask), never to another image's. Scores and weighted sums are matrix products: each head's keys and
 * transposed values are laid out as f32 matrices once, then multiplied with blocks of queries.
 */
final class VisionAttention {

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Queries per task: a block's scores (64 × 4096 floats for the real tower) stay in L2. */
    private static final int QUERY_BLOCK = 64;

    private VisionAttention() {}

    /**
     * @param q queries, {@code [images * patches, hidden]}, heads side by side in each row
     * @param out attention output in the same layout
     */
    static void run(ThreadTeam team, VisionConfig c, int images, float[] q, float[] k, float[] v, float[] out) {
        int patches = c.patchCount();
        int hidden = c.hidden();
        int heads = c.heads();
        int hd = c.headDim();
        float scale = (float) (1.0 / Math.sqrt(hd));
        int pairs = images * heads;
        try (Arena arena = Arena.ofShared()) {
            long matrixBytes = 4L * patches * hd;
            MemorySegment all = arena.allocate(2 * matrixBytes * pairs, 64);
            PackedMatrix[] keys = new PackedMatrix[pairs];
            PackedMatrix[] valuesT = new PackedMatrix[pairs];
            team.forRange(pairs, (start, end, member) -> {
                for (int p = start; p < end; p++) {
                    int image = p / heads;
                    int headOffset = (p % heads) * hd;
                    MemorySegment ks = all.asSlice(2 * matrixBytes * p, matrixBytes);
                    MemorySegment vts = all.asSlice(2 * matrixBytes * p + matrixBytes, matrixBytes);
                    for (int j = 0; j < patches; j++) {
                        int row = (image * patches + j) * hidden + headOffset;
                        MemorySegment.copy(k, row, ks, FLOAT, 4L * j * hd, hd);
                        for (int d = 0; d < hd; d++) {
                            vts.set(FLOAT, 4L * ((long) d * patches + j), v[row + d]);
                        }
                    }
                    keys[p] = PackedMatrix.of(new TensorData("k", GgmlType.F32, new long[] {patches, hd}, ks));
                    valuesT[p] = PackedMatrix.of(new TensorData("vT", GgmlType.F32, new long[] {hd, patches}, vts));
                }
            });
            int blocks = (patches + QUERY_BLOCK - 1) / QUERY_BLOCK;
            team.forRange(pairs * blocks, (start, end, member) -> {
                for (int item = start; item < end; item++) {
                    int p = item / blocks;
                    int image = p / heads;
                    int headOffset = (p % heads) * hd;
                    int first = (item % blocks) * QUERY_BLOCK;
                    int n = Math.min(QUERY_BLOCK, patches - first);
                    float[] queries = new float[n * hd];
                    for (int t = 0; t < n; t++) {
                        System.arraycopy(q, (image * patches + first + t) * hidden + headOffset, queries, t * hd, hd);
                    }
                    float[] scores = new float[n * patches];
                    keys[p].multiply(queries, n, scores, 0, patches);
                    for (int t = 0; t < n; t++) {
                        VisionKernels.scaledSoftmax(scores, t * patches, patches, scale);
                    }
                    float[] result = new float[n * hd];
                    valuesT[p].multiply(scores, n, result, 0, hd);
                    for (int t = 0; t < n; t++) {
                        System.arraycopy(result, t * hd, out, (image * patches + first + t) * hidden + headOffset, hd);
                    }
                }
            });
        }
    }
}
