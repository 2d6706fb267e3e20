package io.gemmafleet.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The hyper-parameters of a Gemma 3 text decoder, normalised from whichever checkpoint format supplied them.
 *
 * <p>Format differences are resolved by the loaders, so the forward pass reads one meaning per field:
 * <ul>
 *   <li>{@code attentionScale}: the factor on q·k. Hugging Face uses {@code query_pre_attn_scalar^-0.5}; GGUF
 *       does not store it and llama.cpp uses {@code 1/sqrt(head_dim)}, or {@code 1/sqrt(hidden/heads)} for
 *       62-layer models. The loader picks the rule of its format.</li>
 *   <li>{@code embeddingScale}: the factor on the embedding row ({@code sqrt(hidden)}; Hugging Face rounds it to
 *       the weight dtype first).</li>
 *   <li>{@code normWeightsIncludeOne}: GGUF stores every RMSNorm weight as {@code w + 1}; Hugging Face stores
 *       {@code w} and computes {@code (1 + w)}.</li>
 *   <li>{@code ropeLinearScaleGlobal}: positions on global layers are divided by this factor (1 = none).</li>
 * </ul>
 */
public record Gemma3Config(
        int hiddenSize,
        int layerCount,
        int headCount,
        int kvHeadCount,
        int headDim,
        int ffnSize,
        int vocabSize,
        int contextLength,
        int slidingWindow,
        List<LayerKind> layerKinds,
        float attentionScale,
        double ropeBaseGlobal,
        double ropeBaseLocal,
        double ropeLinearScaleGlobal,
        float rmsNormEps,
        float embeddingScale,
        boolean normWeightsIncludeOne) {

    /** Whether a layer attends over a sliding window (local) or the whole context (global). */
    public enum LayerKind { SLIDING, GLOBAL }

    public Gemma3Config {
        layerKinds = List.copyOf(layerKinds);
        if (layerKinds.size() != layerCount) {
            throw new IllegalArgumentException(
                    "layer kinds list has " + layerKinds.size() + " entries for " + layerCount + " layers");
        }
        if (headCount % kvHeadCount != 0) {
            throw new IllegalArgumentException(headCount + " heads is not a multiple of " + kvHeadCount + " kv heads");
        }
    }

    /** Gemma 3's layout: every {@code pattern}-th layer (1-based) is global, the others slide. */
    public static List<LayerKind> layerKindsFromPattern(int layerCount, int pattern) {
        List<LayerKind> kinds = new ArrayList<>(layerCount);
        for (int i = 0; i < layerCount; i++) {
            kinds.add((i + 1) % pattern == 0 ? LayerKind.GLOBAL : LayerKind.SLIDING);
        }
        return kinds;
    }

    public boolean isGlobal(int layer) {
        return layerKinds.get(layer) == LayerKind.GLOBAL;
    }

    /** Query heads that share one key/value head. */
    public int queriesPerKvHead() {
        return headCount / kvHeadCount;
    }

    public int queryDim() {
        return headCount * headDim;
    }

    public int kvDim() {
        return kvHeadCount * headDim;
    }
}
