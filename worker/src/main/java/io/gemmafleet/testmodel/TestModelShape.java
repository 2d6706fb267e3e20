package io.gemmafleet.testmodel;

import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.model.load.Gemma3Tensors;
import java.util.Locale;
import java.util.Map;

/**
 * Every hyper-parameter of a random-weight Gemma 3 test model. Named shapes copy the published text-decoder sizes
 * ({@link #of(String)}: tiny, 270m, 1b, 4b); tests build custom ones with the constructor or the {@code with} methods.
 *
 * @param ropeLinearFactor linear RoPE scaling on global layers, 1 = none
 * @param vocabRows rows of the embedding matrix (262144 for text-only models, 262208 for the multimodal ones)
 * @param conditionalGeneration whether the Hugging Face form is a {@code Gemma3ForConditionalGeneration} (4B-like)
 *     checkpoint ({@code text_config}, {@code language_model.model.*} names) rather than a {@code Gemma3ForCausalLM}
 */
public record TestModelShape(
        String name,
        int hidden,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffn,
        int slidingWindow,
        int slidingWindowPattern,
        double ropeTheta,
        double ropeLocalTheta,
        double ropeLinearFactor,
        int contextLength,
        int vocabRows,
        boolean conditionalGeneration) {

    public static final float RMS_NORM_EPS = 1e-6f;

    public TestModelShape {
        if (hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || ffn <= 0 || vocabRows <= 0
                || heads % kvHeads != 0 || slidingWindowPattern <= 0 || !(ropeLinearFactor > 0)) {
            throw new IllegalArgumentException("invalid test model shape " + name);
        }
    }

    /** hidden 64, 8 layers (0-4 slide, 5 global, 6-7 slide), 4 heads, 1 kv head, head_dim 16, ffn 128, window 16. */
    public static TestModelShape tiny() {
        return new TestModelShape("tiny", 64, 8, 4, 1, 16, 128, 16, 6, 1_000_000, 10_000, 1, 4096, 262144, false);
    }

    public static TestModelShape gemma270m() {
        return new TestModelShape("270m", 640, 18, 4, 1, 256, 2048, 512, 6, 1_000_000, 10_000, 1, 32768, 262144, false);
    }

    public static TestModelShape gemma1b() {
        return new TestModelShape("1b", 1152, 26, 4, 1, 256, 6912, 512, 6, 1_000_000, 10_000, 1, 32768, 262144, false);
    }

    public static TestModelShape gemma4b() {
        return new TestModelShape("4b", 2560, 34, 8, 4, 256, 10240, 1024, 6, 1_000_000, 10_000, 8, 131072, 262208, true);
    }

    /** The named shape: tiny, 270m, 1b or 4b. */
    public static TestModelShape of(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny" -> tiny();
            case "270m" -> gemma270m();
            case "1b" -> gemma1b();
            case "4b" -> gemma4b();
            default -> throw new IllegalArgumentException("unknown shape '" + name + "' (tiny, 270m, 1b, 4b)");
        };
    }

    public TestModelShape withVocabRows(int rows) {
        return new TestModelShape(name, hidden, layers, heads, kvHeads, headDim, ffn, slidingWindow,
                slidingWindowPattern, ropeTheta, ropeLocalTheta, ropeLinearFactor, contextLength, rows,
                conditionalGeneration);
    }

    public TestModelShape withConditionalGeneration(boolean cg) {
        return new TestModelShape(name, hidden, layers, heads, kvHeads, headDim, ffn, slidingWindow,
                slidingWindowPattern, ropeTheta, ropeLocalTheta, ropeLinearFactor, contextLength, vocabRows, cg);
    }

    /**
     * The {@code query_pre_attn_scalar} a Hugging Face config gets: head_dim, or hidden/heads for 62-layer shapes,
     * so that llama.cpp's attention-scale rule and Hugging Face's agree on every shape we write.
     */
    public int queryPreAttnScalar() {
        return layers == 62 ? hidden / heads : headDim;
    }

    /** The text-decoder tensors (GGUF names, numpy shapes) a model of this shape has. */
    public Map<String, long[]> tensorShapes() {
        return Gemma3Tensors.expectedShapes(new Gemma3Config(hidden, layers, heads, kvHeads, headDim, ffn, vocabRows,
                contextLength, slidingWindow, Gemma3Config.layerKindsFromPattern(layers, slidingWindowPattern),
                1f, ropeTheta, ropeLocalTheta, ropeLinearFactor, RMS_NORM_EPS, 1f, false));
    }

    /** Total number of weights. */
    public long parameterCount() {
        long n = 0;
        for (long[] s : tensorShapes().values()) {
            long e = 1;
            for (long d : s) {
                e *= d;
            }
            n += e;
        }
        return n;
    }
}
