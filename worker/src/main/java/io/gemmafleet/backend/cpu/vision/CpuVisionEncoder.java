package io.gemmafleet.backend.cpu.vision;

import io.gemmafleet.backend.cpu.ThreadTeam;
import io.gemmafleet.backend.cpu.VectorMath;
import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.model.tensor.TensorData;
import io.gemmafleet.model.vision.VisionConfig;
import io.gemmafleet.model.vision.VisionEncoder;
import io.gemmafleet.model.vision.VisionTensors;
import io.gemmafleet.model.vision.VisionWeights;
import java.util.ArrayList;
import java.util.List;

/**
 * The SigLIP vision tower and Gemma 3's projector on the CPU. All patches of all images in one {@link #encode} call
 * go through each matrix product together; attention stays within an image.
 *
 * <p>Per image: patch embedding (the 14×14 stride-14 convolution, as a product with the flattened patches) plus
 * learned positions; per layer {@code x + attn(LN1(x))}, then {@code x + fc2(gelu_tanh(fc1(LN2(x))))}; post LayerNorm;
 * then the projector: average-pool the patch grid to {@code tokensPerSide²} tokens (row-major, as transformers'
 * AvgPool2d), RMSNorm with {@code 1 + w}, and {@code x @ W} onto the text width.
 */
public final class CpuVisionEncoder implements VisionEncoder {

    private record Layer(float[] ln1Weight, float[] ln1Bias, Linear q, Linear k, Linear v, Linear out,
                         float[] ln2Weight, float[] ln2Bias, Linear up, Linear down) {}

    private final VisionConfig config;
    private final ThreadTeam team;
    private final Linear patchEmbedding;
    private final float[] positions;
    private final List<Layer> layers;
    private final float[] postNormWeight;
    private final float[] postNormBias;
    private final float[] softEmbNorm;
    private final Linear projection;

    private CpuVisionEncoder(VisionWeights w, ThreadTeam team) {
        this.config = w.config();
        this.team = team;
        VisionConfig c = config;
        patchEmbedding = new Linear(matrix(w.tensor(VisionTensors.PATCH_WEIGHT), c.hidden(), c.patchVectorLength()),
                floats(w, VisionTensors.PATCH_BIAS));
        positions = floats(w, VisionTensors.POSITION);
        List<Layer> list = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            list.add(new Layer(
                    floats(w, VisionTensors.layer(i, "ln1", "weight")), floats(w, VisionTensors.layer(i, "ln1", "bias")),
                    linear(w, i, "attn_q"), linear(w, i, "attn_k"), linear(w, i, "attn_v"), linear(w, i, "attn_out"),
                    floats(w, VisionTensors.layer(i, "ln2", "weight")), floats(w, VisionTensors.layer(i, "ln2", "bias")),
                    linear(w, i, "ffn_up"), linear(w, i, "ffn_down")));
        }
        layers = List.copyOf(list);
        postNormWeight = floats(w, VisionTensors.POST_NORM + ".weight");
        postNormBias = floats(w, VisionTensors.POST_NORM + ".bias");
        softEmbNorm = w.softEmbNormMultiplier();
        projection = new Linear(transposed(w.tensor(VisionTensors.INPUT_PROJECTION)), null);
    }

    /**
     * An encoder on {@code weights} with a team of {@code threads} compute threads. Every tensor is copied to f32 on
     * the heap here (matrices packed into {@link Gemm}'s panels), so the weights may be closed afterwards.
     */
    public static CpuVisionEncoder create(VisionWeights weights, int threads) {
        ThreadTeam team = new ThreadTeam(threads);
        try {
            return new CpuVisionEncoder(weights, team);
        } catch (RuntimeException | Error e) {
            team.close();
            throw e;
        }
    }

    /**
     * Memory an encoder on {@code weights} holds while encoding {@code imageBatch} images at a time: its weights as
     * it keeps them (every tensor as f32 on the heap) and the activations of one batch (the residual
     * stream, its norm, q, k, v, attention and projection outputs, the MLP's hidden layer and the flattened patches).
     */
    public static long memoryBytes(VisionWeights weights, int imageBatch) {
        long resident = 0;
        for (TensorData t : weights.tensors()) {
            // the panels' padding (a matrix's rows rounded up to a multiple of Gemm.NR) is not counted: SigLIP's
            // widths are multiples of 16, so with 8-lane vectors there is none
            resident += Float.BYTES * t.elementCount();
        }
        VisionConfig c = weights.config();
        long tokens = (long) imageBatch * c.patchCount();
        long activations = Float.BYTES * tokens * (7L * c.hidden() + c.ffn() + c.patchVectorLength());
        return resident + activations;
    }

    @Override
    public VisionConfig config() {
        return config;
    }

    @Override
    public float[][] encode(List<float[]> images) {
        VisionConfig c = config;
        int n = images.size();
        int pixels = 3 * c.imageSize() * c.imageSize();
        for (int i = 0; i < n; i++) {
            if (images.get(i).length != pixels) {
                throw new IllegalArgumentException("image " + i + " has " + images.get(i).length + " values, expected "
                        + pixels + " (3 × " + c.imageSize() + " × " + c.imageSize() + ")");
            }
        }
        if (n == 0) {
            return new float[0][];
        }
        int tokens = n * c.patchCount();
        int d = c.hidden();
        float[] x = new float[tokens * d];
        patchEmbedding.apply(team, patches(images), tokens, x);
        for (int t = 0; t < tokens; t++) {
            VectorMath.addInto(x, t * d, positions, (t % c.patchCount()) * d, d);
        }
        float[] normed = new float[tokens * d];
        float[] q = new float[tokens * d];
        float[] k = new float[tokens * d];
        float[] v = new float[tokens * d];
        float[] attention = new float[tokens * d];
        float[] projected = new float[tokens * d];
        float[] hidden = new float[tokens * c.ffn()];
        for (Layer layer : layers) {
            layerNorm(x, normed, tokens, layer.ln1Weight, layer.ln1Bias);
            layer.q.apply(team, normed, tokens, q);
            layer.k.apply(team, normed, tokens, k);
            layer.v.apply(team, normed, tokens, v);
            VisionAttention.run(team, c, n, q, k, v, attention);
            layer.out.apply(team, attention, tokens, projected);
            VectorMath.addInto(x, 0, projected, 0, tokens * d);
            layerNorm(x, normed, tokens, layer.ln2Weight, layer.ln2Bias);
            layer.up.apply(team, normed, tokens, hidden);
            team.forRange(tokens, (start, end, member) -> VisionKernels.gelu(hidden, start * c.ffn(), end * c.ffn()));
            layer.down.apply(team, hidden, tokens, projected);
            VectorMath.addInto(x, 0, projected, 0, tokens * d);
        }
        layerNorm(x, normed, tokens, postNormWeight, postNormBias);
        return project(normed, n);
    }

    /** Flattens every 14×14 patch in (channel, row, column) order, patches row-major, images one after another. */
    private float[] patches(List<float[]> images) {
        VisionConfig c = config;
        int p = c.patchSize();
        int side = c.imageSize();
        int perSide = c.patchesPerSide();
        int length = c.patchVectorLength();
        float[] out = new float[images.size() * c.patchCount() * length];
        for (int i = 0; i < images.size(); i++) {
            float[] image = images.get(i);
            for (int py = 0; py < perSide; py++) {
                for (int px = 0; px < perSide; px++) {
                    int base = ((i * c.patchCount()) + py * perSide + px) * length;
                    for (int ch = 0; ch < 3; ch++) {
                        for (int ky = 0; ky < p; ky++) {
                            System.arraycopy(image, ch * side * side + (py * p + ky) * side + px * p,
                                    out, base + ch * p * p + ky * p, p);
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Average-pools each image's patch grid, RMS-normalises and projects: one array per image. */
    private float[][] project(float[] x, int images) {
        VisionConfig c = config;
        int d = c.hidden();
        int kernel = c.poolKernel();
        int perSide = c.patchesPerSide();
        int tokensPerSide = c.tokensPerSide();
        int soft = c.tokensPerImage();
        float[] pooled = new float[images * soft * d];
        float inverseArea = 1f / (kernel * kernel);
        team.forRange(images * soft, (start, end, member) -> {
            for (int token = start; token < end; token++) {
                int image = token / soft;
                int ty = (token % soft) / tokensPerSide;
                int tx = (token % soft) % tokensPerSide;
                for (int ky = 0; ky < kernel; ky++) {
                    for (int kx = 0; kx < kernel; kx++) {
                        int patch = image * c.patchCount() + (ty * kernel + ky) * perSide + tx * kernel + kx;
                        VectorMath.addInto(pooled, token * d, x, patch * d, d);
                    }
                }
                VectorMath.scale(pooled, token * d, d, inverseArea);
                VectorMath.rmsNorm(pooled, token * d, d, softEmbNorm, c.softEmbNormEps());
            }
        });
        float[] all = new float[images * soft * c.textHidden()];
        projection.apply(team, pooled, images * soft, all);
        float[][] result = new float[images][];
        for (int i = 0; i < images; i++) {
            int size = soft * c.textHidden();
            result[i] = java.util.Arrays.copyOfRange(all, i * size, (i + 1) * size);
        }
        return result;
    }

    private void layerNorm(float[] in, float[] out, int tokens, float[] weight, float[] bias) {
        int d = config.hidden();
        float eps = config.layerNormEps();
        team.forRange(tokens, (start, end, member) -> {
            for (int t = start; t < end; t++) {
                VisionKernels.layerNorm(in, t * d, out, t * d, d, weight, bias, eps);
            }
        });
    }

    private static Linear linear(VisionWeights w, int layer, String part) {
        TensorData weight = w.tensor(VisionTensors.layer(layer, part, "weight"));
        return new Linear(matrix(weight, weight.shape()[0], weight.shape()[1]),
                floats(w, VisionTensors.layer(layer, part, "bias")));
    }

    private static float[] floats(VisionWeights w, String name) {
        return Dequantizer.all(w.tensor(name));
    }

    /**
     * {@code t} seen as a {@code [rows, columns]} matrix (the patch embedding is 4-D), dequantized to f32 row by row
     * into {@link Gemm}'s panels.
     */
    private static PackedPanels matrix(TensorData t, long rows, long columns) {
        TensorData view = new TensorData(t.name(), t.type(), new long[] {rows, columns}, t.data());
        return PackedPanels.ofRows(Math.toIntExact(rows), Math.toIntExact(columns), (r, into) -> Dequantizer.row(view, r, into));
    }

    /** {@code [in, out]} (used as {@code x @ W}): its columns are the panels' rows. */
    private static PackedPanels transposed(TensorData t) {
        int in = Math.toIntExact(t.shape()[0]);
        int out = Math.toIntExact(t.shape()[1]);
        return PackedPanels.ofColumns(Dequantizer.all(t), 0, out, out, in);
    }

    @Override
    public void close() {
        team.close();
    }
}
