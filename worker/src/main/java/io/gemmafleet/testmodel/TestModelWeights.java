package io.gemmafleet.testmodel;

import io.gemmafleet.model.load.Gemma3Tensors;
import io.gemmafleet.model.quant.Quantizer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Deterministic random weights for a test model, in Hugging Face convention (RMSNorm weights are {@code w}, used as
 * {@code 1 + w}). Each tensor draws from its own generator seeded by (seed, GGUF name), row after row, so a tensor's
 * values depend only on the seed and its name — identical in every format and independent of write order.
 *
 * <p>Magnitudes are chosen so a forward pass gives well-separated logits: embeddings N(0, 1/hidden) (unit-RMS
 * input after the sqrt(hidden) scale), projections N(0, 1/fan_in), norm weights N(0, 0.05²) except the final norm,
 * whose weight is 7 + noise: logits are hidden·embeddingᵀ of a unit-RMS vector, so a gain of about 8 spreads them
 * with a standard deviation of about 8 and keeps greedy decoding off near-ties.
 */
public final class TestModelWeights {

    static final double NORM_NOISE = 0.05;
    static final double FINAL_NORM_OFFSET = 7.0;

    private final long seed;
    private final boolean bf16;

    /** @param bf16 round every value to bfloat16 (what a bf16 checkpoint holds, before any format conversion) */
    public TestModelWeights(long seed, boolean bf16) {
        this.seed = seed;
        this.bf16 = bf16;
    }

    /** A stream of the rows of one tensor, in order. */
    public final class Rows {
        private final SplittableRandom random;
        private final double std;
        private final double offset;

        private Rows(String ggufName, long[] shape) {
            this.random = new SplittableRandom(mix(seed, name(ggufName)));
            long columns = shape[shape.length - 1];
            if (ggufName.startsWith("v.") || ggufName.startsWith("mm.")) {
                std = visionStd(ggufName, shape);
                offset = isLayerNormWeight(ggufName) ? 1 : 0;
            } else if (ggufName.equals("token_embd.weight")) {
                std = 1.0 / Math.sqrt(columns);
                offset = 0;
            } else if (Gemma3Tensors.isNorm(ggufName)) {
                std = NORM_NOISE;
                offset = ggufName.equals("output_norm.weight") ? FINAL_NORM_OFFSET : 0;
            } else {
                std = 1.0 / Math.sqrt(columns); // fan_in of an [out, in] Linear weight
                offset = 0;
            }
        }

        /** Fills {@code out} with the next row (HF convention, rounded to bf16 when the model is bf16). */
        public void next(float[] out) {
            for (int i = 0; i < out.length; i++) {
                float v = (float) (offset + std * random.nextGaussian());
                out[i] = bf16 ? Quantizer.roundToBf16(v) : v;
            }
        }
    }

    /**
     * Vision tower and projector (mmproj names): LayerNorm weights 1 + N(0, 0.05²) (they are used as stored, without
     * Gemma's +1), biases N(0, 0.02²), the projector's RMSNorm N(0, 0.05²) like the text norms, every matrix
     * N(0, 1/fan_in) — for the 4-D patch embedding fan_in is 3 × patch², for {@code mm.input_projection} ({@code x @ W},
     * shape [in, out]) its first axis.
     */
    private static double visionStd(String name, long[] shape) {
        if (name.endsWith(".bias")) {
            return 0.02;
        }
        if (isLayerNormWeight(name) || Gemma3Tensors.isNorm(name)) {
            return NORM_NOISE;
        }
        long fanIn = switch (name) {
            case "v.patch_embd.weight" -> shape[1] * shape[2] * shape[3];
            case "mm.input_projection.weight" -> shape[0];
            default -> shape[shape.length - 1];
        };
        return 1.0 / Math.sqrt(fanIn);
    }

    private static boolean isLayerNormWeight(String name) {
        return name.endsWith(".ln1.weight") || name.endsWith(".ln2.weight") || name.equals("v.post_ln.weight");
    }

    public Rows rows(String ggufName, long[] shape) {
        return new Rows(ggufName, shape);
    }

    /** All values of a tensor (for tests and small tensors). */
    public float[] all(String ggufName, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] out = new float[Math.toIntExact(n)];
        rows(ggufName, shape).next(out);
        return out;
    }

    private static long name(String s) {
        long h = 0xcbf29ce484222325L; // FNV-1a: stable across JVMs, unlike String.hashCode's 32 bits
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return h;
    }

    private static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
