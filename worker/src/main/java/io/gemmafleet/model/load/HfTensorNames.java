package io.gemmafleet.model.load;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates Gemma 3 text-decoder tensor names between Hugging Face spelling ({@code model.layers.3.self_attn.q_proj.weight})
 * and the GGUF spelling llama.cpp's converter uses ({@code blk.3.attn_q.weight}). Vision tower, projector and
 * {@code lm_head} tensors have no GGUF text name.
 */
public final class HfTensorNames {

    /** Causal-LM checkpoints. */
    public static final String CAUSAL_PREFIX = "model.";
    /** Text-decoder prefixes of ConditionalGeneration checkpoints (original, and newer transformers). */
    public static final List<String> CONDITIONAL_PREFIXES = List.of("language_model.model.", "model.language_model.");

    private static final Map<String, String> LAYER_PARTS = Map.ofEntries(
            Map.entry("self_attn.q_proj", "attn_q"),
            Map.entry("self_attn.k_proj", "attn_k"),
            Map.entry("self_attn.v_proj", "attn_v"),
            Map.entry("self_attn.o_proj", "attn_output"),
            Map.entry("self_attn.q_norm", "attn_q_norm"),
            Map.entry("self_attn.k_norm", "attn_k_norm"),
            Map.entry("input_layernorm", "attn_norm"),
            Map.entry("post_attention_layernorm", "post_attention_norm"),
            Map.entry("pre_feedforward_layernorm", "ffn_norm"),
            Map.entry("post_feedforward_layernorm", "post_ffw_norm"),
            Map.entry("mlp.gate_proj", "ffn_gate"),
            Map.entry("mlp.up_proj", "ffn_up"),
            Map.entry("mlp.down_proj", "ffn_down"));
    private static final Pattern HF_LAYER = Pattern.compile("layers\\.(\\d+)\\.(.+)\\.weight");
    private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.(\\d+)\\.(.+)\\.weight");

    private HfTensorNames() {}

    /** The GGUF name for {@code hfName} under {@code prefix}, or null when it is not a text-decoder tensor. */
    public static String toGguf(String hfName, String prefix) {
        if (!hfName.startsWith(prefix)) {
            return null;
        }
        String rest = hfName.substring(prefix.length());
        if (rest.equals("embed_tokens.weight")) {
            return "token_embd.weight";
        }
        if (rest.equals("norm.weight")) {
            return "output_norm.weight";
        }
        Matcher m = HF_LAYER.matcher(rest);
        if (m.matches() && LAYER_PARTS.containsKey(m.group(2))) {
            return "blk." + m.group(1) + "." + LAYER_PARTS.get(m.group(2)) + ".weight";
        }
        return null;
    }

    /** The Hugging Face name for a GGUF text-decoder tensor name, under {@code prefix}. */
    public static String toHf(String ggufName, String prefix) {
        if (ggufName.equals("token_embd.weight")) {
            return prefix + "embed_tokens.weight";
        }
        if (ggufName.equals("output_norm.weight")) {
            return prefix + "norm.weight";
        }
        Matcher m = GGUF_LAYER.matcher(ggufName);
        if (m.matches()) {
            for (Map.Entry<String, String> e : LAYER_PARTS.entrySet()) {
                if (e.getValue().equals(m.group(2))) {
                    return prefix + "layers." + m.group(1) + "." + e.getKey() + ".weight";
                }
            }
        }
        throw new IllegalArgumentException("not a Gemma 3 text tensor name: " + ggufName);
    }
}
