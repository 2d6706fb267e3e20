package io.gemmafleet.backend.cpu.vision;

import io.gemmafleet.backend.cpu.ThreadTeam;
import io.gemmafleet.model.vision.VisionConfig;

/**
 * SigLIP's multi-head self-attention over the patches of each image: every patch attends to every patch of its own
 * image (no mask), never to another image's. Scores and weighted sums are matrix products ({@link StripProduct}):
 * each head's transposed keys and its values are laid out once, then multiplied with blocks of queries.
 */
final class VisionAttention {

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
        // per (image, head): the keys transposed (hd × patches) and the values as they are (patches × hd), both the
        // input-major layout StripProduct multiplies with
        float[][] keysT = new float[pairs][];
        float[][] values = new float[pairs][];
        team.forRange(pairs, (start, end, member) -> {
            for (int p = start; p < end; p++) {
                int image = p / heads;
                int headOffset = (p % heads) * hd;
                float[] kt = new float[hd * patches];
                float[] vs = new float[patches * hd];
                for (int j = 0; j < patches; j++) {
                    int row = (image * patches + j) * hidden + headOffset;
                    System.arraycopy(v, row, vs, j * hd, hd);
                    for (int d = 0; d < hd; d++) {
                        kt[d * patches + j] = k[row + d];
                    }
                }
                keysT[p] = kt;
                values[p] = vs;
            }
        });
        int blocks = (patches + QUERY_BLOCK - 1) / QUERY_BLOCK;
        team.forRange(pairs * blocks, (start, end, member) -> {
            float[] queries = new float[QUERY_BLOCK * hd];
            float[] scores = new float[QUERY_BLOCK * patches];
            float[] result = new float[QUERY_BLOCK * hd];
            for (int item = start; item < end; item++) {
                int p = item / blocks;
                int image = p / heads;
                int headOffset = (p % heads) * hd;
                int first = (item % blocks) * QUERY_BLOCK;
                int n = Math.min(QUERY_BLOCK, patches - first);
                for (int t = 0; t < n; t++) {
                    System.arraycopy(q, (image * patches + first + t) * hidden + headOffset, queries, t * hd, hd);
                }
                StripProduct.multiply(keysT[p], patches, hd, queries, 0, n, scores, 0, 0, patches);
                for (int t = 0; t < n; t++) {
                    VisionKernels.scaledSoftmax(scores, t * patches, patches, scale);
                }
                StripProduct.multiply(values[p], hd, patches, scores, 0, n, result, 0, 0, hd);
                for (int t = 0; t < n; t++) {
                    System.arraycopy(result, t * hd, out, (image * patches + first + t) * hidden + headOffset, hd);
                }
            }
        });
    }
}
