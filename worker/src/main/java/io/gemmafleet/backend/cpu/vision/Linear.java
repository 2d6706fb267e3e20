package io.gemmafleet.backend.cpu.vision;

import io.gemmafleet.backend.cpu.ThreadTeam;
import io.gemmafleet.backend.cpu.VectorMath;

/**
 * {@code out = in · Wᵀ + b} for a stack of tokens, the matrix packed for {@link Gemm} at load.
 *
 * @param bias null for none
 */
record Linear(PackedPanels weight, float[] bias) {

    int outputs() {
        return weight.n();
    }

    int inputs() {
        return weight.k();
    }

    /** {@code out[t * outputs() + r]} for the {@code tokens} rows of {@code in} (each {@link #inputs()} long). */
    void apply(ThreadTeam team, float[] in, int tokens, float[] out) {
        Gemm.multiply(team, in, tokens, weight, out);
        if (bias == null) {
            return;
        }
        int rows = outputs();
        team.forRange(tokens, (start, end, member) -> {
            for (int t = start; t < end; t++) {
                VectorMath.addInto(out, t * rows, bias, 0, rows);
            }
        });
    }
}
