package io.gemmafleet.model.load;

import io.gemmafleet.model.Gemma3Config;
import io.gemmafleet.model.tensor.TensorData;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors a Gemma 3 text decoder needs, under their GGUF names with numpy-order shapes, and the check that a
 * checkpoint has all of them with those shapes.
 */
public final class Gemma3Tensors {

    private Gemma3Tensors() {}

    /** Every required tensor name → expected shape, in the order llama.cpp's converter writes them. */
    public static Map<String, long[]> expectedShapes(Gemma3Config c) {
        long h = c.hiddenSize();
        long q = c.queryDim();
        long kv = c.kvDim();
        long hd = c.headDim();
        long f = c.ffnSize();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("token_embd.weight", new long[] {c.vocabSize(), h});
        for (int i = 0; i < c.layerCount(); i++) {
            String b = "blk." + i + ".";
            shapes.put(b + "attn_norm.weight", new long[] {h});
            shapes.put(b + "attn_q.weight", new long[] {q, h});
            shapes.put(b + "attn_k.weight", new long[] {kv, h});
            shapes.put(b + "attn_v.weight", new long[] {kv, h});
            shapes.put(b + "attn_q_norm.weight", new long[] {hd});
            shapes.put(b + "attn_k_norm.weight", new long[] {hd});
            shapes.put(b + "attn_output.weight", new long[] {h, q});
            shapes.put(b + "post_attention_norm.weight", new long[] {h});
            shapes.put(b + "ffn_norm.weight", new long[] {h});
            shapes.put(b + "ffn_gate.weight", new long[] {f, h});
            shapes.put(b + "ffn_up.weight", new long[] {f, h});
            shapes.put(b + "ffn_down.weight", new long[] {h, f});
            shapes.put(b + "post_ffw_norm.weight", new long[] {h});
        }
        shapes.put("output_norm.weight", new long[] {h});
        return shapes;
    }

    /** Whether a GGUF tensor name is an RMSNorm weight (stored as w + 1 in GGUF). */
    public static boolean isNorm(String ggufName) {
        return ggufName.endsWith("norm.weight");
    }

    /** Throws a one-line {@link ModelLoadException} for the first missing or mis-shaped tensor. */
    public static void validate(Path source, Gemma3Config config, Map<String, TensorData> tensors) {
        for (Map.Entry<String, long[]> e : expectedShapes(config).entrySet()) {
            TensorData t = tensors.get(e.getKey());
            if (t == null) {
                throw new ModelLoadException(source, "missing tensor " + e.getKey());
            }
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new ModelLoadException(source, "tensor " + e.getKey() + " has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(e.getValue()));
            }
        }
    }
}
