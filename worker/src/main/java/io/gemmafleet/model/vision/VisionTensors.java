package io.gemmafleet.model.vision;

import io.gemmafleet.model.load.ModelLoadException;
import io.gemmafleet.model.tensor.TensorData;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors a Gemma 3 vision tower and projector need, under the names llama.cpp's mmproj files use
 * ({@code v.blk.N.attn_q.weight}, {@code mm.input_projection.weight}, ...), with numpy-order shapes as the Hugging Face
 * checkpoint holds them (an mmproj file stores the same arrays: its converter transposes nothing), and the check that a
 * checkpoint has all of them with those shapes.
 */
public final class VisionTensors {

    public static final String PATCH_WEIGHT = "v.patch_embd.weight";
    public static final String PATCH_BIAS = "v.patch_embd.bias";
    public static final String POSITION = "v.position_embd.weight";
    public static final String POST_NORM = "v.post_ln";
    public static final String SOFT_EMB_NORM = "mm.soft_emb_norm.weight";
    /** {@code [hidden, textHidden]}, used as {@code x @ W} (a raw parameter in transformers, not a Linear). */
    public static final String INPUT_PROJECTION = "mm.input_projection.weight";

    /** The per-layer parts: mmproj name → Hugging Face name under {@code encoder.layers.N.}. */
    static final Map<String, String> LAYER_PARTS = Map.of(
            "ln1", "layer_norm1",
            "ln2", "layer_norm2",
            "attn_q", "self_attn.q_proj",
            "attn_k", "self_attn.k_proj",
            "attn_v", "self_attn.v_proj",
            "attn_out", "self_attn.out_proj",
            "ffn_up", "mlp.fc1",
            "ffn_down", "mlp.fc2");

    private VisionTensors() {}

    /** {@code v.blk.N.PART.SUFFIX}, e.g. {@code layer(3, "attn_q", "bias")}. */
    public static String layer(int layer, String part, String suffix) {
        return "v.blk." + layer + "." + part + "." + suffix;
    }

    /** Every required tensor name → expected numpy shape. */
    public static Map<String, long[]> expectedShapes(VisionConfig c) {
        long d = c.hidden();
        long f = c.ffn();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(PATCH_WEIGHT, new long[] {d, 3, c.patchSize(), c.patchSize()});
        shapes.put(PATCH_BIAS, new long[] {d});
        shapes.put(POSITION, new long[] {c.patchCount(), d});
        for (int i = 0; i < c.layers(); i++) {
            for (String ln : new String[] {"ln1", "ln2"}) {
                shapes.put(layer(i, ln, "weight"), new long[] {d});
                shapes.put(layer(i, ln, "bias"), new long[] {d});
            }
            for (String p : new String[] {"attn_q", "attn_k", "attn_v", "attn_out"}) {
                shapes.put(layer(i, p, "weight"), new long[] {d, d});
                shapes.put(layer(i, p, "bias"), new long[] {d});
            }
            shapes.put(layer(i, "ffn_up", "weight"), new long[] {f, d});
            shapes.put(layer(i, "ffn_up", "bias"), new long[] {f});
            shapes.put(layer(i, "ffn_down", "weight"), new long[] {d, f});
            shapes.put(layer(i, "ffn_down", "bias"), new long[] {d});
        }
        shapes.put(POST_NORM + ".weight", new long[] {d});
        shapes.put(POST_NORM + ".bias", new long[] {d});
        shapes.put(SOFT_EMB_NORM, new long[] {d});
        shapes.put(INPUT_PROJECTION, new long[] {d, c.textHidden()});
        return shapes;
    }

    /** Throws a one-line {@link ModelLoadException} for the first missing or mis-shaped tensor. */
    public static void validate(Path source, VisionConfig config, Map<String, TensorData> tensors) {
        for (Map.Entry<String, long[]> e : expectedShapes(config).entrySet()) {
            TensorData t = tensors.get(e.getKey());
            if (t == null) {
                throw new ModelLoadException(source, "missing vision tensor " + e.getKey());
            }
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new ModelLoadException(source, "vision tensor " + e.getKey() + " has shape "
                        + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(e.getValue()));
            }
            long expectedBytes = t.type().byteSize(t.elementCount());
            if (t.data().byteSize() != expectedBytes) {
                throw new ModelLoadException(source, "vision tensor " + e.getKey() + " holds " + t.data().byteSize()
                        + " bytes, expected " + expectedBytes);
            }
        }
    }
}
