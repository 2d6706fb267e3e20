package io.gemmafleet.backend.cpu.vision;

import io.gemmafleet.backend.cpu.ThreadTeam;
import io.gemmafleet.backend.cpu.VectorMath;
import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.model.tensor.TensorData;

/**
 * {@code out = in · Wᵀ + b} for a stack of tokens, the matrix held as f32 in input-major order
 * ({@code weights[k * outputs + r]}) for {@link StripProduct}. Tokens are taken a block at a time so that a block's
 * inputs stay in cache while every strip of weights passes over them; blocks run in parallel.
 *
 * @param weights {@code inputs × outputs} floats, input-major
 * @param bias null for none
 */
record Linear(float[] weights, int outputs, int inputs, float[] bias) {

    /** Tokens per block: 64 inputs of the widest SigLIP layer (4304 floats) are about 1 MiB. */
    private static final int BLOCK = 64;

    /**
     * A Hugging Face Linear weight ({@code [outputs, inputs]}, row-major, any type {@link Dequantizer} reads) seen as
     * {@code [rows, columns]} (the patch embedding is 4-D), turned input-major.
     */
    static Linear ofRowMajor(TensorData t, int rows, int columns, float[] bias) {
        TensorData view = new TensorData(t.name(), t.type(), new long[] {rows, columns}, t.data());
        float[] weights = new float[rows * columns];
        float[] row = new float[columns];
        for (int r = 0; r < rows; r++) {
            Dequantizer.row(view, r, row);
            for (int k = 0; k < columns; k++) {
                weights[k * rows + r] = row[k];
            }
        }
        return new Linear(weights, rows, columns, bias);
    }

    /** A matrix stored {@code [inputs, outputs]} (used as {@code x @ W}): already input-major. */
    static Linear ofInputMajor(TensorData t) {
        return new Linear(Dequantizer.all(t), Math.toIntExact(t.shape()[1]), Math.toIntExact(t.shape()[0]), null);
    }

    /** {@code out[t * outputs() + r]} for the {@code tokens} rows of {@code in} (each {@link #inputs()} long). */
    void apply(ThreadTeam team, float[] in, int tokens, float[] out) {
        int blocks = (tokens + BLOCK - 1) / BLOCK;
        if (blocks < team.size()) {
            // few tokens: split the output rows instead (whole strips), so every member has work
            int strips = (outputs + StripProduct.STRIP - 1) / StripProduct.STRIP;
            team.forRange(strips, (start, end, member) -> StripProduct.multiply(weights, outputs, inputs, in, 0,
                    tokens, out, 0, start * StripProduct.STRIP, Math.min(outputs, end * StripProduct.STRIP)));
            addBias(out, 0, tokens);
            return;
        }
        team.forRange(blocks, (start, end, member) -> {
            for (int b = start; b < end; b++) {
                int t0 = b * BLOCK;
                int n = Math.min(BLOCK, tokens - t0);
                StripProduct.multiply(weights, outputs, inputs, in, t0 * inputs, n, out, t0 * outputs, 0, outputs);
                addBias(out, t0, n);
            }
        });
    }

    private void addBias(float[] out, int firstToken, int tokens) {
        if (bias == null) {
            return;
        }
        for (int t = firstToken; t < firstToken + tokens; t++) {
            VectorMath.addInto(out, t * outputs, bias, 0, outputs);
        }
    }
}
