package io.gemmafleet.model.load;

import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.model.Gemma3Config.LayerKind;
import io.gemmafleet.model.gguf.GgufFile;
import io.gemmafleet.model.gguf.GgufReader;
import io.gemmafleet.model.gguf.GgufValue;
import io.gemmafleet.model.gguf.GgufValueType;
import io.gemmafleet.model.tensor.TensorData;
import io.gemmafleet.model.tokenizer.TokenizerSource;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Loads a {@code gemma3} GGUF file into a {@link Checkpoint}, normalising its hyper-parameters by llama.cpp's rules
 * (attention scale {@code 1/sqrt(key_length)}, or {@code 1/sqrt(n_embd/n_head)} for 62-layer models; f32
 * {@code sqrt(hidden)} embedding scale; norm weights already include the +1).
 */
public final class GgufCheckpointReader {

    private static final String A = "gemma3.";

    private GgufCheckpointReader() {}

    /** Reads {@code file} with tensors mapped into {@code arena} (which the returned checkpoint owns). */
    public static Checkpoint read(Path file, Arena arena) {
        GgufFile gguf = GgufReader.read(file, arena);
        if (!gguf.has("general.architecture")) {
            throw new ModelLoadException(file, "missing metadata key general.architecture");
        }
        String arch = gguf.getString("general.architecture");
        if (!arch.equals("gemma3")) {
            throw new ModelLoadException(file, "unsupported architecture '" + arch + "' (expected gemma3)");
        }
        Gemma3Config config = config(gguf);
        Map<String, TensorData> tensors = gguf.tensors();
        Gemma3Tensors.validate(file, config, tensors);
        return new Checkpoint(file, "gguf", config, tensors, vocabulary(gguf), arena);
    }

    static Gemma3Config config(GgufFile g) {
        Path file = g.path();
        TensorData embd = g.tensors().get("token_embd.weight");
        if (embd == null || embd.shape().length != 2) {
            throw new ModelLoadException(file, "missing tensor token_embd.weight"
                    + (embd == null ? "" : " as a matrix (found shape " + Arrays.toString(embd.shape()) + ")"));
        }
        int hidden = g.getInt(A + "embedding_length");
        int layers = g.getInt(A + "block_count");
        int heads = g.getInt(A + "attention.head_count");
        int kvHeads = g.getInt(A + "attention.head_count_kv", heads);
        positive(file, "embedding_length", hidden);
        positive(file, "block_count", layers);
        positive(file, "attention.head_count", heads);
        positive(file, "attention.head_count_kv", kvHeads);
        int headDim = g.getInt(A + "attention.key_length", hidden / heads);
        positive(file, "attention.key_length", headDim);
        int context = g.getInt(A + "context_length");
        float attentionScale = layers == 62
                ? (float) (1.0 / Math.sqrt(hidden / heads)) // llama.cpp's 27B rule: integer n_embd / n_head
                : (float) (1.0 / Math.sqrt(headDim));
        try {
            return new Gemma3Config(hidden, layers, heads, kvHeads, headDim,
                    g.getInt(A + "feed_forward_length"),
                    Math.toIntExact(embd.shape()[0]),
                    context,
                    g.getInt(A + "attention.sliding_window", context),
                    layerKinds(g, layers),
                    attentionScale,
                    g.getDouble(A + "rope.freq_base", 10_000.0),
                    g.getDouble(A + "rope.freq_base_swa", 10_000.0),
                    ropeLinearFactor(g),
                    (float) g.getDouble(A + "attention.layer_norm_rms_epsilon", 1e-6),
                    (float) Math.sqrt(hidden),
                    true);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(file, "inconsistent hyper-parameters: " + e.getMessage());
        }
    }

    private static void positive(Path file, String key, int v) {
        if (v <= 0) {
            throw new ModelLoadException(file, "metadata " + A + key + " = " + v + " must be positive");
        }
    }

    private static List<LayerKind> layerKinds(GgufFile g, int layers) {
        GgufValue pattern = g.metadata().get(A + "attention.sliding_window_pattern");
        if (pattern != null && pattern.type() == GgufValueType.ARRAY && pattern.elementType() == GgufValueType.BOOL) {
            boolean[] sliding = (boolean[]) pattern.value();
            if (sliding.length != layers) {
                throw new ModelLoadException(g.path(), "sliding_window_pattern has " + sliding.length
                        + " entries for " + layers + " layers");
            }
            List<LayerKind> kinds = new ArrayList<>();
            for (boolean s : sliding) {
                kinds.add(s ? LayerKind.SLIDING : LayerKind.GLOBAL);
            }
            return kinds;
        }
        int n = g.getInt(A + "attention.sliding_window_pattern", 6);
        if (n <= 0) {
            throw new ModelLoadException(g.path(), "sliding_window_pattern " + n + " must be positive");
        }
        return Gemma3Config.layerKindsFromPattern(layers, n);
    }

    private static double ropeLinearFactor(GgufFile g) {
        String type = g.has(A + "rope.scaling.type") ? g.getString(A + "rope.scaling.type") : null;
        if (type == null || type.equals("none")) {
            // older files carry only the linear factor
            return g.getDouble(A + "rope.scale_linear", 1.0);
        }
        if (!type.equals("linear")) {
            throw new ModelLoadException(g.path(), "unsupported rope scaling type '" + type + "' (only linear)");
        }
        double factor = g.getDouble(A + "rope.scaling.factor", g.getDouble(A + "rope.scale_linear", 1.0));
        if (!(factor > 0)) {
            throw new ModelLoadException(g.path(), "rope scaling factor " + factor + " must be positive");
        }
        return factor;
    }

    /** The embedded vocabulary, or null when the file has none. */
    static TokenizerSource.GgufVocabulary vocabulary(GgufFile g) {
        if (!g.has("tokenizer.ggml.tokens")) {
            return null;
        }
        List<String> tokens = g.getStringArray("tokenizer.ggml.tokens");
        float[] scores = g.has("tokenizer.ggml.scores") ? g.getFloatArray("tokenizer.ggml.scores") : new float[tokens.size()];
        int[] types;
        if (g.has("tokenizer.ggml.token_type")) {
            types = g.getIntArray("tokenizer.ggml.token_type");
        } else {
            types = new int[tokens.size()];
            Arrays.fill(types, 1);
        }
        if (scores.length != tokens.size() || types.length != tokens.size()) {
            throw new ModelLoadException(g.path(), "tokenizer arrays disagree: " + tokens.size() + " tokens, "
                    + scores.length + " scores, " + types.length + " token types");
        }
        return new TokenizerSource.GgufVocabulary(
                g.has("tokenizer.ggml.model") ? g.getString("tokenizer.ggml.model") : "llama",
                tokens, scores, types,
                g.getInt("tokenizer.ggml.bos_token_id", -1),
                g.getInt("tokenizer.ggml.eos_token_id", -1),
                g.getInt("tokenizer.ggml.unknown_token_id", -1),
                g.getInt("tokenizer.ggml.padding_token_id", -1));
    }
}
