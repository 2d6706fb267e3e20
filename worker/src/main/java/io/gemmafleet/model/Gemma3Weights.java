package io.gemmafleet.model;

import io.gemmafleet.model.load.Checkpoint;
import io.gemmafleet.model.load.ModelLoadException;
import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.model.tensor.TensorData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The text decoder's weights arranged by role: matrices stay as stored (packed, memory-mapped) for the backend's
 * kernels; the small norm vectors are read into floats with the {@code 1 + w} convention already applied, so the
 * forward pass multiplies by them as they are.
 */
public record Gemma3Weights(Gemma3Config config, TensorData tokenEmbedding, float[] outputNorm, List<Layer> layers) {

    /** One transformer layer. Matrices are {@code [out, in]}; norm vectors are final multipliers. */
    public record Layer(
            float[] attentionNorm,
            TensorData query,
            TensorData key,
            TensorData value,
            float[] queryNorm,
            float[] keyNorm,
            TensorData attentionOutput,
            float[] postAttentionNorm,
            float[] ffnNorm,
            TensorData gate,
            TensorData up,
            TensorData down,
            float[] postFfnNorm) {}

    /** Arranges a checkpoint's tensors, checking that every matrix has the shape the config implies. */
    public static Gemma3Weights from(Checkpoint checkpoint) {
        Gemma3Config c = checkpoint.config();
        Reader r = new Reader(checkpoint);
        TensorData embedding = r.matrix("token_embd.weight", c.vocabSize(), c.hiddenSize());
        List<Layer> layers = new ArrayList<>(c.layerCount());
        for (int i = 0; i < c.layerCount(); i++) {
            String p = "blk." + i + ".";
            layers.add(new Layer(
                    r.norm(p + "attn_norm.weight", c.hiddenSize()),
                    r.matrix(p + "attn_q.weight", c.queryDim(), c.hiddenSize()),
                    r.matrix(p + "attn_k.weight", c.kvDim(), c.hiddenSize()),
                    r.matrix(p + "attn_v.weight", c.kvDim(), c.hiddenSize()),
                    r.norm(p + "attn_q_norm.weight", c.headDim()),
                    r.norm(p + "attn_k_norm.weight", c.headDim()),
                    r.matrix(p + "attn_output.weight", c.hiddenSize(), c.queryDim()),
                    r.norm(p + "post_attention_norm.weight", c.hiddenSize()),
                    r.norm(p + "ffn_norm.weight", c.hiddenSize()),
                    r.matrix(p + "ffn_gate.weight", c.ffnSize(), c.hiddenSize()),
                    r.matrix(p + "ffn_up.weight", c.ffnSize(), c.hiddenSize()),
                    r.matrix(p + "ffn_down.weight", c.hiddenSize(), c.ffnSize()),
                    r.norm(p + "post_ffw_norm.weight", c.hiddenSize())));
        }
        return new Gemma3Weights(c, embedding, r.norm("output_norm.weight", c.hiddenSize()), List.copyOf(layers));
    }

    /** Reads tensors by name with shape checks that name the tensor on failure. */
    private record Reader(Checkpoint checkpoint) {

        TensorData matrix(String name, long rows, long columns) {
            TensorData t = checkpoint.tensor(name);
            expectShape(t, new long[] {rows, columns});
            return t;
        }

        float[] norm(String name, int length) {
            TensorData t = checkpoint.tensor(name);
            expectShape(t, new long[] {length});
            if (!Dequantizer.supports(t.type())) {
                throw new ModelLoadException(checkpoint.source(), "norm tensor " + name + " has type " + t.type());
            }
            float[] w = Dequantizer.all(t);
            if (!checkpoint.config().normWeightsIncludeOne()) {
                for (int i = 0; i < w.length; i++) {
                    w[i] += 1f;
                }
            }
            return w;
        }

        private void expectShape(TensorData t, long[] expected) {
            if (!Arrays.equals(t.shape(), expected)) {
                throw new ModelLoadException(checkpoint.source(), "tensor " + t.name() + " has shape "
                        + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(expected));
            }
        }
    }
}
