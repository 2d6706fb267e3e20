package io.gemmafleet.testmodel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmafleet.model.load.HfTensorNames;
import io.gemmafleet.model.safetensors.SafetensorsShardWriter;
import io.gemmafleet.model.vision.HfVisionNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Writes a random-weight test model as a Hugging Face folder shaped like the published Gemma 3 checkpoints:
 * {@code config.json} ({@code Gemma3ForCausalLM}, or {@code Gemma3ForConditionalGeneration} with a {@code text_config}
 * that — like the real 4B one — omits fields equal to {@code Gemma3TextConfig}'s defaults), safetensors weights
 * (sharded with an index beyond {@code maxShardBytes}) and the tokenizer files.
 */
final class SafetensorsTestModelWriter {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SafetensorsTestModelWriter() {}

    /** @param vision the vision tower to write as well (a ConditionalGeneration checkpoint), or null for none */
    static void write(Path dir, TestModelShape s, TestModelDtype dtype, long seed, TestModelTokenizer tokenizer,
                      long maxShardBytes, TestVisionShape vision) throws IOException {
        if (!dtype.fitsSafetensors()) {
            throw new IllegalArgumentException("safetensors test models hold f32 or bf16 weights; "
                    + dtype.name().toLowerCase() + " is GGUF-only");
        }
        Files.createDirectories(dir);
        String torchDtype = dtype == TestModelDtype.BF16 ? "bfloat16" : "float32";
        JSON.writeValue(dir.resolve("config.json").toFile(), s.conditionalGeneration()
                ? conditionalConfig(s, torchDtype, vision == null ? TestVisionShape.siglip() : vision)
                : causalConfig(s, torchDtype));

        String prefix = s.conditionalGeneration() ? HfTensorNames.CONDITIONAL_PREFIXES.get(0) : HfTensorNames.CAUSAL_PREFIX;
        TestModelWeights weights = new TestModelWeights(seed, dtype == TestModelDtype.BF16);
        SafetensorsShardWriter w = new SafetensorsShardWriter(maxShardBytes);
        for (Map.Entry<String, long[]> e : s.tensorShapes().entrySet()) {
            w.addTensor(HfTensorNames.toHf(e.getKey(), prefix), dtype.type(), e.getValue(),
                    TestModelPayloads.rows(weights, e.getKey(), e.getValue(), dtype.type(), 0f));
        }
        if (vision != null) {
            for (Map.Entry<String, long[]> e : vision.tensorShapes(s.hidden()).entrySet()) {
                w.addTensor(HfVisionNames.ORIGINAL.toHf(e.getKey()), dtype.type(), e.getValue(),
                        TestModelPayloads.rows(weights, e.getKey(), e.getValue(), dtype.type(), 0f));
            }
            JSON.writeValue(dir.resolve("preprocessor_config.json").toFile(), preprocessorConfig(vision));
        }
        w.write(dir);
        Files.copy(tokenizer.tokenizerJson(), dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        if (Files.isRegularFile(tokenizer.tokenizerConfigJson())) {
            Files.copy(tokenizer.tokenizerConfigJson(), dir.resolve("tokenizer_config.json"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Like google/gemma-3-1b-it's config.json. */
    private static ObjectNode causalConfig(TestModelShape s, String torchDtype) {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("Gemma3ForCausalLM");
        c.put("attention_bias", false);
        c.put("attention_dropout", 0.0);
        c.putNull("attn_logit_softcapping");
        c.put("bos_token_id", 2);
        c.putArray("eos_token_id").add(1).add(106);
        c.putNull("final_logit_softcapping");
        c.put("head_dim", s.headDim());
        c.put("hidden_activation", "gelu_pytorch_tanh");
        c.put("hidden_size", s.hidden());
        c.put("initializer_range", 0.02);
        c.put("intermediate_size", s.ffn());
        ArrayNode types = c.putArray("layer_types");
        for (int i = 0; i < s.layers(); i++) {
            types.add((i + 1) % s.slidingWindowPattern() == 0 ? "full_attention" : "sliding_attention");
        }
        c.put("max_position_embeddings", s.contextLength());
        c.put("model_type", "gemma3_text");
        c.put("num_attention_heads", s.heads());
        c.put("num_hidden_layers", s.layers());
        c.put("num_key_value_heads", s.kvHeads());
        c.put("pad_token_id", 0);
        c.put("query_pre_attn_scalar", s.queryPreAttnScalar());
        c.put("rms_norm_eps", (double) TestModelShape.RMS_NORM_EPS);
        c.put("rope_local_base_freq", s.ropeLocalTheta());
        putRopeScaling(c, s);
        c.put("rope_theta", s.ropeTheta());
        c.put("sliding_window", s.slidingWindow());
        c.put("sliding_window_pattern", s.slidingWindowPattern());
        c.put("torch_dtype", torchDtype);
        c.put("transformers_version", "4.50.0.dev0");
        c.put("use_cache", true);
        c.put("vocab_size", s.vocabRows());
        return c;
    }

    /**
     * Like google/gemma-3-4b-it's config.json: text_config lists only what differs from the defaults; vision_config
     * describes {@code vision} (the published tower when the model has none written).
     */
    private static ObjectNode conditionalConfig(TestModelShape s, String torchDtype, TestVisionShape vision) {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("Gemma3ForConditionalGeneration");
        c.put("boi_token_index", 255999);
        c.put("eoi_token_index", 256000);
        c.putArray("eos_token_id").add(1).add(106);
        c.put("image_token_index", 262144);
        c.put("initializer_range", 0.02);
        c.put("mm_tokens_per_image", vision.tokensPerImage());
        c.put("model_type", "gemma3");
        ObjectNode t = c.putObject("text_config");
        t.put("hidden_size", s.hidden());
        t.put("intermediate_size", s.ffn());
        t.put("model_type", "gemma3_text");
        t.put("num_hidden_layers", s.layers());
        putIfNot(t, "num_attention_heads", s.heads(), 8);
        putIfNot(t, "num_key_value_heads", s.kvHeads(), 4);
        putIfNot(t, "head_dim", s.headDim(), 256);
        putIfNot(t, "query_pre_attn_scalar", s.queryPreAttnScalar(), 256);
        putIfNot(t, "vocab_size", s.vocabRows(), 262208);
        putIfNot(t, "max_position_embeddings", s.contextLength(), 131072);
        putIfNot(t, "sliding_window_pattern", s.slidingWindowPattern(), 6);
        if (s.ropeTheta() != 1_000_000) {
            t.put("rope_theta", s.ropeTheta());
        }
        if (s.ropeLocalTheta() != 10_000) {
            t.put("rope_local_base_freq", s.ropeLocalTheta());
        }
        putRopeScaling(t, s);
        t.put("sliding_window", s.slidingWindow());
        c.put("torch_dtype", torchDtype);
        c.put("transformers_version", "4.50.0.dev0");
        ObjectNode v = c.putObject("vision_config");
        v.put("hidden_size", vision.hidden());
        v.put("image_size", vision.imageSize());
        v.put("intermediate_size", vision.ffn());
        v.put("model_type", "siglip_vision_model");
        v.put("num_attention_heads", vision.heads());
        v.put("num_hidden_layers", vision.layers());
        v.put("patch_size", vision.patchSize());
        v.put("vision_use_head", false);
        return c;
    }

    /** Like google/gemma-3-4b-it's preprocessor_config.json (Gemma3ImageProcessor, mean and std 0.5, no pan-and-scan). */
    private static ObjectNode preprocessorConfig(TestVisionShape vision) {
        ObjectNode p = JSON.createObjectNode();
        p.put("do_convert_rgb", true);
        p.put("do_normalize", true);
        p.put("do_pan_and_scan", false);
        p.put("do_rescale", true);
        p.put("do_resize", true);
        p.putArray("image_mean").add(0.5).add(0.5).add(0.5);
        p.put("image_processor_type", "Gemma3ImageProcessor");
        p.put("image_seq_length", vision.tokensPerImage());
        p.putArray("image_std").add(0.5).add(0.5).add(0.5);
        p.put("processor_class", "Gemma3Processor");
        p.put("resample", 2);
        p.put("rescale_factor", 1.0 / 255);
        p.putObject("size").put("height", vision.imageSize()).put("width", vision.imageSize());
        return p;
    }

    private static void putIfNot(ObjectNode n, String key, int value, int defaultValue) {
        if (value != defaultValue) {
            n.put(key, value);
        }
    }

    private static void putRopeScaling(ObjectNode n, TestModelShape s) {
        if (s.ropeLinearFactor() == 1) {
            n.putNull("rope_scaling");
        } else {
            n.putObject("rope_scaling").put("factor", s.ropeLinearFactor()).put("rope_type", "linear");
        }
    }
}
