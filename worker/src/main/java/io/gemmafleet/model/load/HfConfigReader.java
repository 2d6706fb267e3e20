package io.gemmafleet.model.load;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.model.Gemma3Config.LayerKind;
import io.gemmafleet.model.quant.Quantizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a Hugging Face Gemma 3 {@code config.json} into a normalised {@link Gemma3Config}, applying
 * {@code Gemma3TextConfig}'s defaults for absent fields (published 4B configs omit most of them) and Hugging Face's
 * numerics: attention scale {@code query_pre_attn_scalar^-0.5}, embedding scale {@code sqrt(hidden)} rounded to the
 * weight dtype, norm weights without the +1.
 */
public final class HfConfigReader {

    /** Which checkpoint layout a config describes. */
    public enum Architecture { CAUSAL_LM, CONDITIONAL_GENERATION }

    /** The parsed config and the layout its tensors use. */
    public record HfConfig(Architecture architecture, Gemma3Config config) {}

    private HfConfigReader() {}

    public static HfConfig read(Path configJson) {
        JsonNode root = ConfigJson.readObject(configJson);
        Architecture arch = architecture(configJson, root);
        JsonNode text = root;
        if (arch == Architecture.CONDITIONAL_GENERATION) {
            text = root.has("text_config") ? root.get("text_config") : ConfigJson.emptyObject();
        }
        try {
            return new HfConfig(arch, config(configJson, root, text));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(configJson, "inconsistent hyper-parameters: " + e.getMessage());
        }
    }

    private static Architecture architecture(Path file, JsonNode root) {
        JsonNode archs = root.get("architectures");
        String name = archs != null && archs.isArray() && !archs.isEmpty() ? archs.get(0).asText() : null;
        if (name == null) {
            String modelType = root.path("model_type").asText("");
            name = switch (modelType) {
                case "gemma3_text" -> "Gemma3ForCausalLM";
                case "gemma3" -> "Gemma3ForConditionalGeneration";
                default -> "model_type '" + modelType + "'";
            };
        }
        return switch (name) {
            case "Gemma3ForCausalLM" -> Architecture.CAUSAL_LM;
            case "Gemma3ForConditionalGeneration" -> Architecture.CONDITIONAL_GENERATION;
            default -> throw new ModelLoadException(file, "unsupported architecture " + name
                    + " (expected Gemma3ForCausalLM or Gemma3ForConditionalGeneration)");
        };
    }

    private static Gemma3Config config(Path file, JsonNode root, JsonNode t) {
        int hidden = ConfigJson.positiveInt(file, t, "hidden_size", 2304);
        int layers = ConfigJson.positiveInt(file, t, "num_hidden_layers", 26);
        double queryPreAttnScalar = t.path("query_pre_attn_scalar").asDouble(256);
        RopeSettings rope = rope(file, t);
        return new Gemma3Config(
                hidden,
                layers,
                ConfigJson.positiveInt(file, t, "num_attention_heads", 8),
                ConfigJson.positiveInt(file, t, "num_key_value_heads", 4),
                ConfigJson.positiveInt(file, t, "head_dim", 256),
                ConfigJson.positiveInt(file, t, "intermediate_size", 9216),
                ConfigJson.positiveInt(file, t, "vocab_size", 262208),
                ConfigJson.positiveInt(file, t, "max_position_embeddings", 131072),
                ConfigJson.positiveInt(file, t, "sliding_window", 4096),
                layerKinds(file, t, layers),
                (float) Math.pow(queryPreAttnScalar, -0.5),
                rope.global, rope.local, rope.linearFactor,
                (float) t.path("rms_norm_eps").asDouble(1e-6),
                embeddingScale(hidden, dtype(t, root)),
                false);
    }

    private static String dtype(JsonNode text, JsonNode root) {
        for (JsonNode n : new JsonNode[] {text, root}) {
            for (String key : new String[] {"torch_dtype", "dtype"}) {
                if (n.hasNonNull(key)) {
                    return n.get(key).asText();
                }
            }
        }
        return "float32";
    }

    /** HF casts the scale to the weight dtype before multiplying. */
    private static float embeddingScale(int hidden, String dtype) {
        float scale = (float) Math.sqrt(hidden);
        return switch (dtype) {
            case "bfloat16" -> Quantizer.roundToBf16(scale);
            case "float16" -> Quantizer.roundToF16(scale);
            default -> scale;
        };
    }

    private static List<LayerKind> layerKinds(Path file, JsonNode t, int layers) {
        JsonNode types = t.get("layer_types");
        if (types != null && types.isArray()) {
            if (types.size() != layers) {
                throw new ModelLoadException(file, "layer_types has " + types.size() + " entries for " + layers + " layers");
            }
            List<LayerKind> kinds = new ArrayList<>();
            for (JsonNode k : types) {
                kinds.add(switch (k.asText()) {
                    case "sliding_attention" -> LayerKind.SLIDING;
                    case "full_attention" -> LayerKind.GLOBAL;
                    default -> throw new ModelLoadException(file, "unknown layer type '" + k.asText() + "'");
                });
            }
            return kinds;
        }
        return Gemma3Config.layerKindsFromPattern(layers, ConfigJson.positiveInt(file, t, "sliding_window_pattern", 6));
    }

    private record RopeSettings(double global, double local, double linearFactor) {}

    private static RopeSettings rope(Path file, JsonNode t) {
        double global = t.path("rope_theta").asDouble(1_000_000.0);
        double local = t.path("rope_local_base_freq").asDouble(10_000.0);
        JsonNode scaling = t.get("rope_scaling");
        JsonNode params = t.get("rope_parameters");
        if (params != null && params.has("full_attention")) {
            // transformers ≥ 4.57 spelling: per layer type {rope_type, rope_theta, factor}
            JsonNode full = params.get("full_attention");
            global = full.path("rope_theta").asDouble(global);
            local = params.path("sliding_attention").path("rope_theta").asDouble(local);
            scaling = full;
        }
        return new RopeSettings(global, local, linearFactor(file, scaling));
    }

    private static double linearFactor(Path file, JsonNode scaling) {
        if (scaling == null || scaling.isNull()) {
            return 1.0;
        }
        String type = scaling.has("rope_type") ? scaling.get("rope_type").asText() : scaling.path("type").asText("default");
        return switch (type) {
            case "default" -> 1.0;
            case "linear" -> {
                double f = scaling.path("factor").asDouble(1.0);
                if (!(f > 0)) {
                    throw new ModelLoadException(file, "rope_scaling factor " + f + " must be positive");
                }
                yield f;
            }
            default -> throw new ModelLoadException(file, "unsupported rope_scaling type '" + type + "' (only linear)");
        };
    }
}
