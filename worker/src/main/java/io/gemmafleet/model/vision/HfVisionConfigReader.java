package io.gemmafleet.model.vision;

import com.fasterxml.jackson.databind.JsonNode;
import io.gemmafleet.model.load.ConfigJson;
import io.gemmafleet.model.load.HfConfigReader;
import io.gemmafleet.model.load.HfConfigReader.Architecture;
import io.gemmafleet.model.load.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the vision part of a Hugging Face Gemma 3 {@code config.json} ({@code vision_config}, top-level
 * {@code mm_tokens_per_image}, the text width) into a {@link VisionConfig}, with {@code SiglipVisionConfig}'s defaults
 * for absent fields, and the image mean/std from {@code preprocessor_config.json} when the folder has one.
 */
final class HfVisionConfigReader {

    private static final float[] HALF = {0.5f, 0.5f, 0.5f};

    /** The parsed vision config and the pixel normalisation. */
    record HfVision(VisionConfig config, float[] imageMean, float[] imageStd) {}

    private HfVisionConfigReader() {}

    /** The root object of {@code config.json}, or null when the file is not a Gemma 3 ConditionalGeneration config. */
    static JsonNode visionConfigNode(Path folder) {
        Path configJson = folder.resolve("config.json");
        if (!Files.isRegularFile(configJson)) {
            return null;
        }
        JsonNode root = ConfigJson.readObject(configJson);
        if (HfConfigReader.read(configJson).architecture() != Architecture.CONDITIONAL_GENERATION) {
            return null;
        }
        JsonNode vision = root.get("vision_config");
        return vision != null && vision.isObject() ? vision : null;
    }

    static HfVision read(Path folder) {
        Path configJson = folder.resolve("config.json");
        if (!Files.isRegularFile(configJson)) {
            throw new ModelLoadException(folder, "no config.json in folder (not a Hugging Face model folder)");
        }
        JsonNode root = ConfigJson.readObject(configJson);
        JsonNode v = visionConfigNode(folder);
        if (v == null) {
            throw new ModelLoadException(configJson, "no vision tower: not a Gemma3ForConditionalGeneration config with a vision_config");
        }
        int textHidden = HfConfigReader.read(configJson).config().hiddenSize();
        float eps = (float) v.path("layer_norm_eps").asDouble(1e-6);
        String act = v.path("hidden_act").asText("gelu_pytorch_tanh");
        if (!act.equals("gelu_pytorch_tanh")) {
            throw new ModelLoadException(configJson, "unsupported vision hidden_act '" + act + "' (expected gelu_pytorch_tanh)");
        }
        if (v.path("num_channels").asInt(3) != 3) {
            throw new ModelLoadException(configJson, "vision num_channels must be 3");
        }
        VisionConfig config;
        try {
            config = new VisionConfig(
                    ConfigJson.positiveInt(configJson, v, "image_size", 224),
                    ConfigJson.positiveInt(configJson, v, "patch_size", 16),
                    ConfigJson.positiveInt(configJson, v, "hidden_size", 768),
                    ConfigJson.positiveInt(configJson, v, "num_hidden_layers", 12),
                    ConfigJson.positiveInt(configJson, v, "num_attention_heads", 12),
                    ConfigJson.positiveInt(configJson, v, "intermediate_size", 3072),
                    eps,
                    ConfigJson.positiveInt(configJson, root, "mm_tokens_per_image", 256),
                    textHidden,
                    eps); // Gemma3MultiModalProjector: mm_soft_emb_norm uses vision_config.layer_norm_eps
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(configJson, "inconsistent vision hyper-parameters: " + e.getMessage());
        }
        Path pre = folder.resolve("preprocessor_config.json");
        float[] mean = HALF;
        float[] std = HALF;
        if (Files.isRegularFile(pre)) {
            JsonNode p = ConfigJson.readObject(pre);
            mean = triple(pre, p, "image_mean");
            std = triple(pre, p, "image_std");
        }
        return new HfVision(config, mean, std);
    }

    private static float[] triple(Path file, JsonNode node, String key) {
        JsonNode a = node.get(key);
        if (a == null || a.isNull()) {
            return HALF;
        }
        if (!a.isArray() || a.size() != 3) {
            throw new ModelLoadException(file, key + " must be an array of 3 numbers");
        }
        return new float[] {(float) a.get(0).asDouble(), (float) a.get(1).asDouble(), (float) a.get(2).asDouble()};
    }
}
