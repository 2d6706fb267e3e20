package io.gemmafleet.model.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gemmafleet.model.Gemma3Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The text-decoder config.json of each published Gemma 3 size (as Google ships them: 4B/12B/27B leave most fields
 * to Gemma3TextConfig's defaults) normalises to the numbers of the sizes table in gemma3-facts.md.
 */
class PublishedConfigsTest {

    private static final String CAUSAL_270M = """
            {"architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "head_dim": 256, "hidden_size": 640,
             "intermediate_size": 2048, "layer_types": LAYER_TYPES, "max_position_embeddings": 32768,
             "num_attention_heads": 4, "num_hidden_layers": 18, "num_key_value_heads": 1, "query_pre_attn_scalar": 256,
             "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000.0, "rope_scaling": null, "rope_theta": 1000000.0,
             "sliding_window": 512, "torch_dtype": "bfloat16", "vocab_size": 262144}""";
    private static final String CAUSAL_1B = """
            {"architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "bos_token_id": 2,
             "eos_token_id": [1, 106], "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 1152,
             "intermediate_size": 6912, "max_position_embeddings": 32768, "num_attention_heads": 4,
             "num_hidden_layers": 26, "num_key_value_heads": 1, "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06,
             "rope_local_base_freq": 10000, "rope_scaling": null, "rope_theta": 1000000, "sliding_window": 512,
             "sliding_window_pattern": 6, "torch_dtype": "bfloat16", "vocab_size": 262144}""";
    private static final String CONDITIONAL = """
            {"architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3", "boi_token_index": 255999,
             "eoi_token_index": 256000, "eos_token_id": [1, 106], "image_token_index": 262144,
             "mm_tokens_per_image": 256, "torch_dtype": "bfloat16", "text_config": TEXT,
             "vision_config": {"hidden_size": 1152, "image_size": 896, "intermediate_size": 4304,
                               "model_type": "siglip_vision_model", "num_attention_heads": 16,
                               "num_hidden_layers": 27, "patch_size": 14, "vision_use_head": false}}""";
    private static final String TEXT_4B = """
            {"hidden_size": 2560, "intermediate_size": 10240, "model_type": "gemma3_text", "num_hidden_layers": 34,
             "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "sliding_window": 1024}""";
    private static final String TEXT_12B = """
            {"hidden_size": 3840, "intermediate_size": 15360, "model_type": "gemma3_text", "num_attention_heads": 16,
             "num_hidden_layers": 48, "num_key_value_heads": 8, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
             "sliding_window": 1024}""";
    private static final String TEXT_27B = """
            {"head_dim": 128, "hidden_size": 5376, "intermediate_size": 21504, "model_type": "gemma3_text",
             "num_attention_heads": 32, "num_hidden_layers": 62, "num_key_value_heads": 16,
             "query_pre_attn_scalar": 168, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
             "sliding_window": 1024}""";

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // size, hidden, layers, heads, kv, head_dim, ffn, window, query_pre_attn_scalar, vocab, positions, rope factor
        "270m, 640, 18, 4, 1, 256, 2048, 512, 256, 262144, 32768, 1",
        "1b, 1152, 26, 4, 1, 256, 6912, 512, 256, 262144, 32768, 1",
        "4b, 2560, 34, 8, 4, 256, 10240, 1024, 256, 262208, 131072, 8",
        "12b, 3840, 48, 16, 8, 256, 15360, 1024, 256, 262208, 131072, 8",
        "27b, 5376, 62, 32, 16, 128, 21504, 1024, 168, 262208, 131072, 8"})
    void normalisesToTheFactsTable(String size, int hidden, int layers, int heads, int kvHeads, int headDim, int ffn,
                                   int window, int queryPreAttnScalar, int vocab, int positions, double ropeFactor,
                                   @TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.json");
        Files.writeString(file, configJson(size));
        Gemma3Config c = HfConfigReader.read(file).config();
        assertEquals(hidden, c.hiddenSize());
        assertEquals(layers, c.layerCount());
        assertEquals(heads, c.headCount());
        assertEquals(kvHeads, c.kvHeadCount());
        assertEquals(headDim, c.headDim());
        assertEquals(ffn, c.ffnSize());
        assertEquals(window, c.slidingWindow());
        assertEquals(vocab, c.vocabSize());
        assertEquals(positions, c.contextLength());
        assertEquals((float) (1 / Math.sqrt(queryPreAttnScalar)), c.attentionScale(), 1e-7);
        assertEquals(ropeFactor, c.ropeLinearScaleGlobal());
        assertEquals(1_000_000, c.ropeBaseGlobal());
        assertEquals(10_000, c.ropeBaseLocal());
        assertEquals(1e-6f, c.rmsNormEps());
        assertEquals((float) bf16(Math.sqrt(hidden)), c.embeddingScale(), "sqrt(hidden) rounded to bf16, as HF");
        assertEquals(IntStream.range(0, layers).filter(i -> (i + 1) % 6 == 0).boxed().toList(),
                IntStream.range(0, layers).filter(c::isGlobal).boxed().toList(), "every sixth layer is global");
    }

    private static String configJson(String size) {
        return switch (size) {
            case "270m" -> CAUSAL_270M.replace("LAYER_TYPES", layerTypes(18));
            case "1b" -> CAUSAL_1B;
            case "4b" -> CONDITIONAL.replace("TEXT", TEXT_4B);
            case "12b" -> CONDITIONAL.replace("TEXT", TEXT_12B);
            case "27b" -> CONDITIONAL.replace("TEXT", TEXT_27B);
            default -> throw new IllegalArgumentException(size);
        };
    }

    private static String layerTypes(int layers) {
        List<String> types = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            types.add((i + 1) % 6 == 0 ? "\"full_attention\"" : "\"sliding_attention\"");
        }
        return types.toString();
    }

    private static double bf16(double v) {
        int bits = Float.floatToIntBits((float) v);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }
}
