package io.gemmafleet.model.vision;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates the vision tensor names of a Hugging Face {@code Gemma3ForConditionalGeneration} checkpoint to and from
 * the mmproj names of {@link VisionTensors}. Two spellings occur: {@code vision_tower.vision_model.*} +
 * {@code multi_modal_projector.*} in the original checkpoints, and the same under {@code model.} in checkpoints saved
 * by newer transformers.
 *
 * @param tower prefix of the SigLIP tensors, e.g. {@code vision_tower.vision_model.}
 * @param projector prefix of the projector tensors, e.g. {@code multi_modal_projector.}
 */
public record HfVisionNames(String tower, String projector) {

    /** The original checkpoints' spelling (what the test models write). */
    public static final HfVisionNames ORIGINAL = new HfVisionNames("vision_tower.vision_model.", "multi_modal_projector.");
    /** Checkpoints saved by transformers ≥ 4.52. */
    public static final HfVisionNames NESTED = new HfVisionNames("model.vision_tower.vision_model.",
            "model.multi_modal_projector.");
    public static final List<HfVisionNames> ALL = List.of(ORIGINAL, NESTED);

    private static final Pattern MMPROJ_LAYER = Pattern.compile("v\\.blk\\.(\\d+)\\.([a-z_0-9]+)\\.(weight|bias)");

    /** The Hugging Face name of an mmproj tensor name. */
    public String toHf(String name) {
        return switch (name) {
            case VisionTensors.PATCH_WEIGHT -> tower + "embeddings.patch_embedding.weight";
            case VisionTensors.PATCH_BIAS -> tower + "embeddings.patch_embedding.bias";
            case VisionTensors.POSITION -> tower + "embeddings.position_embedding.weight";
            case "v.post_ln.weight" -> tower + "post_layernorm.weight";
            case "v.post_ln.bias" -> tower + "post_layernorm.bias";
            case VisionTensors.SOFT_EMB_NORM -> projector + "mm_soft_emb_norm.weight";
            case VisionTensors.INPUT_PROJECTION -> projector + "mm_input_projection_weight";
            default -> {
                Matcher m = MMPROJ_LAYER.matcher(name);
                String part = m.matches() ? VisionTensors.LAYER_PARTS.get(m.group(2)) : null;
                if (part == null) {
                    throw new IllegalArgumentException("not a Gemma 3 vision tensor name: " + name);
                }
                yield tower + "encoder.layers." + m.group(1) + "." + part + "." + m.group(3);
            }
        };
    }

    /** Every mmproj name of {@code config}'s tensors → its Hugging Face name. */
    public Map<String, String> hfNames(VisionConfig config) {
        Map<String, String> names = new java.util.LinkedHashMap<>();
        for (String name : VisionTensors.expectedShapes(config).keySet()) {
            names.put(name, toHf(name));
        }
        return names;
    }
}
