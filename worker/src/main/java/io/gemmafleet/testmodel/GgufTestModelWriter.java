package io.gemmafleet.testmodel;

import io.gemmafleet.model.gguf.GgufValue;
import io.gemmafleet.model.gguf.GgufValueType;
import io.gemmafleet.model.gguf.GgufWriter;
import io.gemmafleet.model.load.Gemma3Tensors;
import io.gemmafleet.model.tensor.GgmlType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a random-weight test model as one GGUF file, laid out as llama.cpp's converter writes {@code gemma3}
 * (followed by {@code llama-quantize --pure} for single quantized types, plain {@code llama-quantize} for the mixes):
 * {@code gemma3.*} hyper-parameters, the real Gemma 3 vocabulary, norm weights as {@code 1 + w} in F32, every matrix
 * in the type {@link TestModelDtype#typeOf} gives it.
 */
final class GgufTestModelWriter {

    private GgufTestModelWriter() {}

    static void write(Path file, TestModelShape s, TestModelDtype dtype, long seed, TestModelTokenizer tokenizer)
            throws IOException {
        checkRows(s, dtype);
        GgufWriter w = new GgufWriter();
        String a = "gemma3.";
        w.put("general.architecture", GgufValue.string("gemma3"));
        w.put("general.name", GgufValue.string("gemma-fleet random test model " + s.name() + " seed " + seed));
        w.put("general.file_type", GgufValue.uint32(dtype.ggufFileType()));
        w.put("general.quantization_version", GgufValue.uint32(2));
        w.put(a + "context_length", GgufValue.uint32(s.contextLength()));
        w.put(a + "embedding_length", GgufValue.uint32(s.hidden()));
        w.put(a + "block_count", GgufValue.uint32(s.layers()));
        w.put(a + "feed_forward_length", GgufValue.uint32(s.ffn()));
        w.put(a + "attention.head_count", GgufValue.uint32(s.heads()));
        w.put(a + "attention.head_count_kv", GgufValue.uint32(s.kvHeads()));
        w.put(a + "attention.key_length", GgufValue.uint32(s.headDim()));
        w.put(a + "attention.value_length", GgufValue.uint32(s.headDim()));
        w.put(a + "attention.layer_norm_rms_epsilon", GgufValue.float32(TestModelShape.RMS_NORM_EPS));
        w.put(a + "rope.freq_base", GgufValue.float32((float) s.ropeTheta()));
        if (s.ropeLocalTheta() != 10_000) {
            w.put(a + "rope.freq_base_swa", GgufValue.float32((float) s.ropeLocalTheta()));
        }
        w.put(a + "attention.sliding_window", GgufValue.uint32(s.slidingWindow()));
        if (s.slidingWindowPattern() != 6) {
            w.put(a + "attention.sliding_window_pattern", GgufValue.uint32(s.slidingWindowPattern()));
        }
        if (s.ropeLinearFactor() != 1) {
            w.put(a + "rope.scaling.type", GgufValue.string("linear"));
            w.put(a + "rope.scaling.factor", GgufValue.float32((float) s.ropeLinearFactor()));
        }
        putVocabulary(w, s, tokenizer);

        TestModelWeights weights = new TestModelWeights(seed, dtype == TestModelDtype.BF16);
        for (Map.Entry<String, long[]> e : s.tensorShapes().entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            boolean norm = Gemma3Tensors.isNorm(name);
            GgmlType type = norm ? GgmlType.F32 : dtype.typeOf(name, shape, s.layers());
            w.addTensor(name, type, shape, TestModelPayloads.rows(weights, name, shape, type, norm ? 1f : 0f));
        }
        w.write(file);
    }

    /** A single type whose block does not divide some row (a K-quant on a 64-wide shape) fails before writing. */
    private static void checkRows(TestModelShape s, TestModelDtype dtype) {
        for (Map.Entry<String, long[]> e : s.tensorShapes().entrySet()) {
            long row = e.getValue()[e.getValue().length - 1];
            GgmlType type = dtype.typeOf(e.getKey(), e.getValue(), s.layers());
            if (!Gemma3Tensors.isNorm(e.getKey()) && row % type.blockSize() != 0) {
                throw new IllegalArgumentException(type + " needs rows that are multiples of " + type.blockSize()
                        + ", but " + e.getKey() + " of shape " + s.name() + " has rows of " + row
                        + " (q4_k_m falls back to other types there, as llama.cpp does)");
            }
        }
    }

    private static void putVocabulary(GgufWriter w, TestModelShape s, TestModelTokenizer tokenizer) {
        TestModelTokenizer.Pieces p = tokenizer.pieces(s.vocabRows());
        long[] types = new long[p.types().length];
        for (int i = 0; i < types.length; i++) {
            types[i] = p.types()[i];
        }
        w.put("tokenizer.ggml.model", GgufValue.string("llama"));
        w.put("tokenizer.ggml.tokens", GgufValue.stringArray(p.tokens()));
        w.put("tokenizer.ggml.scores", GgufValue.float32Array(p.scores()));
        w.put("tokenizer.ggml.token_type", GgufValue.intArray(GgufValueType.INT32, types));
        w.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(2));
        w.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(1));
        w.put("tokenizer.ggml.unknown_token_id", GgufValue.uint32(3));
        w.put("tokenizer.ggml.padding_token_id", GgufValue.uint32(0));
        w.put("tokenizer.ggml.add_bos_token", GgufValue.bool(true));
        w.put("tokenizer.ggml.add_eos_token", GgufValue.bool(false));
        w.put("tokenizer.ggml.add_space_prefix", GgufValue.bool(false));
        String template = tokenizer.chatTemplate();
        if (template != null) {
            w.put("tokenizer.chat_template", GgufValue.string(template));
        }
    }
}
