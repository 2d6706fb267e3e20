package io.gemmafleet.backend.cpu.vision;

import io.gemmafleet.backend.cpu.ThreadTeam;
import io.gemmafleet.backend.cpu.VectorMath;
import io.gemmafleet.backend.cpu.matmul.PackedMatrix;
import java.util.Arrays;

/**
 * {@code out = in · Wᵀ + b} for a stack of tokens, the matrix in its stored encoding. Tokens are taken a block at a
 * time so that a block's inputs stay in cache while every weight row passes over them; blocks run in parallel.
 *
 * @param bias null for none
 */
record Linear(PackedMatrix weight, float[] bias) {

    /** Tokens per block: 64 inputs of the widest SigLIP layer (4304 floats) are about 1 MiB. */
    private static final int BLOCK = 64;

    int outputs() {
        return weight.rows();
    }

    int inputs() {
        return weight.columns();
    }

    /** {@code out[t * outputs() + r]} for the {@code tokens} rows of {@code in} (each {@link #inputs()} long). */
    void apply(ThreadTeam team, float[] in, int tokens, float[] out) {
        int rows = outputs();
        int columns = inputs();
        int blocks = (tokens + BLOCK - 1) / BLOCK;
        if (blocks < team.size()) {
            // few tokens: split the weight rows instead, so every member has work
            team.forRange(rows, (start, end, member) -> weight.multiply(in, tokens, out, start, end));
            addBias(out, 0, tokens);
            return;
        }
        team.forRange(blocks, (start, end, member) -> {
            for (int b = start; b < end; b++) {
                int t0 = b * BLOCK;
                int n = Math.min(BLOCK, tokens - t0);
                float[] blockIn = Arrays.copyOfRange(in, t0 * columns, (t0 + n) * columns);
                float[] blockOut = new float[n * rows];
                weight.multiply(blockIn, n, blockOut, 0, rows);
                System.arraycopy(blockOut, 0, out, t0 * rows, n * rows);
                addBias(out, t0, n);
            }
        });
    }

    private void addBias(float[] out, int firstToken, int tokens) {
        if (bias == null) {
            return;
        }
        int rows = outputs();
        for (int t = firstToken; t < firstToken + tokens; t++) {
            VectorMath.addInto(out, t * rows, bias, 0, rows);
        }
    }
}
