package io.gemmafleet.backend.cpu.vision;

import io.gemmafleet.backend.cpu.ThreadTeam;
import io.gemmafleet.model.vision.VisionConfig;

/**
 * SigLIP's multi-head self-attention over the patches of each image: every patch attends to every patch of its own
 * image (no mask), never to another image's. Scores and weighted sums are {@link Gemm} products: each head's keys
 * and values are packed into panels once, then multiplied with blocks of queries read in place.
 */
final class VisionAttention {

    /** Queries per task: a block's scores (96 × 4096 floats for the real tower, 1.5 MiB) are reused at once by AV. */
    private static final int QUERY_BLOCK = Gemm.MC;

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
        PackedPanels[] keys = new PackedPanels[pairs];
        PackedPanels[] values = new PackedPanels[pairs];
        team.forRange(pairs, (start, end, member) -> {
            for (int p = start; p < end; p++) {
                int first = (p / heads) * patches * hidden + (p % heads) * hd;
                keys[p] = PackedPanels.ofRows(k, first, hidden, patches, hd);       // scores = Q · Kᵀ
                values[p] = PackedPanels.ofColumns(v, first, hidden, hd, patches);  // out = P · V = P · (Vᵀ)ᵀ
            }
        });
        int blocks = (patches + QUERY_BLOCK - 1) / QUERY_BLOCK;
        team.forRange(pairs * blocks, (start, end, member) -> {
            float[] scratch = new float[Gemm.SCRATCH];
            float[] scores = new float[QUERY_BLOCK * patches];
            for (int item = start; item < end; item++) {
                int p = item / blocks;
                int firstQuery = (item % blocks) * QUERY_BLOCK;
                int n = Math.min(QUERY_BLOCK, patches - firstQuery);
                int offset = ((p / heads) * patches + firstQuery) * hidden + (p % heads) * hd;
                Gemm.multiply(q, offset, hidden, n, keys[p], 0, keys[p].panels(), scores, 0, patches, scratch);
                for (int t = 0; t < n; t++) {
                    VisionKernels.scaledSoftmax(scores, t * patches, patches, scale);
                }
                Gemm.multiply(scores, 0, patches, n, values[p], 0, values[p].panels(), out, offset, hidden, scratch);
            }
        });
    }
}
