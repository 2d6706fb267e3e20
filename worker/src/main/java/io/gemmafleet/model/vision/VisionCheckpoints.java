package io.gemmafleet.model.vision;

import io.gemmafleet.model.gguf.GgufFile;
import io.gemmafleet.model.gguf.GgufReader;
import io.gemmafleet.model.load.ModelLoadException;
import io.gemmafleet.model.quant.Dequantizer;
import io.gemmafleet.model.safetensors.SafetensorsFolderReader;
import io.gemmafleet.model.tensor.TensorData;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Loads the vision tower + projector of a checkpoint: an HF folder, or an mmproj GGUF file. Every failure is a one-line
 * {@link ModelLoadException}; on failure all mapped memory is released.
 */
public final class VisionCheckpoints {

    private static final String CLIP = "clip.";
    private static final String CLIP_V = "clip.vision.";
    /** llama.cpp's pooling factor for gemma3 when the file does not say ({@code clip.vision.projector.scale_factor}). */
    private static final int DEFAULT_MMPROJ_SCALE_FACTOR = 4;

    private VisionCheckpoints() {}

    /** From an HF folder that holds a Gemma3ForConditionalGeneration checkpoint; throws ModelLoadException when it has no vision tower. */
    public static VisionWeights loadHf(Path folder) {
        HfVisionConfigReader.HfVision hf = HfVisionConfigReader.read(folder);
        if (!SafetensorsFolderReader.hasWeights(folder)) {
            throw new ModelLoadException(folder, "no safetensors weights (model.safetensors or model.safetensors.index.json) in folder");
        }
        return withArena(arena -> {
            Map<String, TensorData> raw = SafetensorsFolderReader.read(folder, arena);
            HfVisionNames names = HfVisionNames.ALL.stream()
                    .filter(n -> raw.containsKey(n.toHf(VisionTensors.PATCH_WEIGHT)))
                    .findFirst()
                    .orElseThrow(() -> new ModelLoadException(folder, "missing vision tensor "
                            + HfVisionNames.ORIGINAL.toHf(VisionTensors.PATCH_WEIGHT) + " (also tried the "
                            + HfVisionNames.NESTED.tower() + " prefix)"));
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : names.hfNames(hf.config()).entrySet()) {
                TensorData t = raw.get(e.getValue());
                if (t == null) {
                    throw new ModelLoadException(folder, "missing vision tensor " + e.getValue());
                }
                tensors.put(e.getKey(), new TensorData(e.getKey(), t.type(), t.shape(), t.data()));
            }
            check(folder, hf.config(), tensors);
            return new VisionWeights(folder, "safetensors", hf.config(), tensors, true, hf.imageMean(), hf.imageStd(), arena);
        });
    }

    /** From llama.cpp's mmproj GGUF file. */
    public static VisionWeights loadMmproj(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file, "no such file");
        }
        return withArena(arena -> {
            GgufFile g = GgufReader.read(file, arena);
            VisionConfig config = mmprojConfig(g);
            check(file, config, g.tensors());
            float[] mean = g.has(CLIP_V + "image_mean") ? g.getFloatArray(CLIP_V + "image_mean") : new float[] {0.5f, 0.5f, 0.5f};
            float[] std = g.has(CLIP_V + "image_std") ? g.getFloatArray(CLIP_V + "image_std") : new float[] {0.5f, 0.5f, 0.5f};
            if (mean.length != 3 || std.length != 3) {
                throw new ModelLoadException(file, "clip.vision.image_mean/image_std must have 3 entries");
            }
            return new VisionWeights(file, "mmproj-gguf", config, g.tensors(), false, mean, std, arena);
        });
    }

    /** Whether the HF folder's config describes a vision tower (a Gemma3ForConditionalGeneration with a vision_config). */
    public static boolean hasVision(Path folder) {
        return HfVisionConfigReader.visionConfigNode(folder) != null;
    }

    private static VisionConfig mmprojConfig(GgufFile g) {
        Path file = g.path();
        if (!g.has("general.architecture") || !g.getString("general.architecture").equals("clip")) {
            throw new ModelLoadException(file, "not an mmproj file (general.architecture is "
                    + (g.has("general.architecture") ? "'" + g.getString("general.architecture") + "'" : "absent")
                    + ", expected 'clip')");
        }
        if (!g.getBoolean(CLIP + "has_vision_encoder", false)) {
            throw new ModelLoadException(file, "mmproj file has no vision encoder (clip.has_vision_encoder)");
        }
        String projector = g.has(CLIP + "projector_type") ? g.getString(CLIP + "projector_type")
                : g.has(CLIP_V + "projector_type") ? g.getString(CLIP_V + "projector_type") : "(absent)";
        if (!projector.equals("gemma3")) {
            throw new ModelLoadException(file, "unsupported projector type '" + projector + "' (expected gemma3)");
        }
        int imageSize = g.getInt(CLIP_V + "image_size");
        int patchSize = g.getInt(CLIP_V + "patch_size");
        int scale = g.getInt(CLIP_V + "projector.scale_factor", DEFAULT_MMPROJ_SCALE_FACTOR);
        if (patchSize <= 0 || scale <= 0 || imageSize <= 0 || (imageSize / patchSize) % scale != 0) {
            throw new ModelLoadException(file, "image_size " + imageSize + ", patch_size " + patchSize
                    + " and projector scale factor " + scale + " do not give a whole token grid");
        }
        int tokensPerSide = imageSize / patchSize / scale;
        TensorData projection = g.tensors().get(VisionTensors.INPUT_PROJECTION);
        int textHidden = g.getInt(CLIP_V + "projection_dim",
                projection != null && projection.shape().length == 2 ? (int) projection.shape()[1] : 0);
        float eps = (float) g.getDouble(CLIP_V + "attention.layer_norm_epsilon", 1e-6);
        try {
            return new VisionConfig(imageSize, patchSize,
                    g.getInt(CLIP_V + "embedding_length"),
                    g.getInt(CLIP_V + "block_count"),
                    g.getInt(CLIP_V + "attention.head_count"),
                    g.getInt(CLIP_V + "feed_forward_length"),
                    eps, tokensPerSide * tokensPerSide, textHidden, eps);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(file, "inconsistent vision hyper-parameters: " + e.getMessage());
        }
    }

    /** Names and shapes, then element types the CPU can read. */
    private static void check(Path source, VisionConfig config, Map<String, TensorData> tensors) {
        VisionTensors.validate(source, config, tensors);
        for (String name : VisionTensors.expectedShapes(config).keySet()) {
            TensorData t = tensors.get(name);
            if (!Dequantizer.supports(t.type())) {
                throw new ModelLoadException(source, "vision tensor " + name + " has unsupported type " + t.type());
            }
        }
    }

    /** Runs a load in a fresh shared arena (the encoder reads weights from many threads); closes it on failure. */
    private static VisionWeights withArena(Function<Arena, VisionWeights> load) {
        Arena arena = Arena.ofShared();
        try {
            return load.apply(arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }
}
