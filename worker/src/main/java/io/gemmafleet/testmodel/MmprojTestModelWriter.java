package io.gemmafleet.testmodel;

import io.gemmafleet.model.gguf.GgufValue;
import io.gemmafleet.model.gguf.GgufWriter;
import io.gemmafleet.model.tensor.GgmlType;
import io.gemmafleet.model.vision.VisionTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the random-weight vision tower + projector of a multimodal test model as the separate mmproj GGUF that
 * llama.cpp's {@code convert_hf_to_gguf.py --mmproj} writes for Gemma 3 ({@code Gemma3VisionModel}): architecture
 * {@code clip}, {@code clip.*} hyper-parameters, SigLIP arrays unchanged (nothing transposed), the projector's RMSNorm
 * weight stored as {@code w + 1}, tensor types as {@link TestMmprojDtype} describes.
 */
final class MmprojTestModelWriter {

    private MmprojTestModelWriter() {}

    /** The mmproj file llama.cpp users keep beside {@code model}: {@code mmproj-NAME} in the same folder. */
    static Path besides(Path model) {
        return model.resolveSibling("mmproj-" + model.getFileName());
    }

    static void write(Path file, TestVisionShape v, int textHidden, TestMmprojDtype dtype, long seed,
                      boolean bf16Source) throws IOException {
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.string("clip"));
        w.put("general.type", GgufValue.string("mmproj"));
        w.put("general.name", GgufValue.string("gemma-fleet random test vision tower " + v.name() + " seed " + seed));
        w.put("general.file_type", GgufValue.uint32(dtype.ggufFileType()));
        w.put("clip.has_vision_encoder", GgufValue.bool(true));
        w.put("clip.vision.projection_dim", GgufValue.uint32(textHidden));
        w.put("clip.vision.image_size", GgufValue.uint32(v.imageSize()));
        w.put("clip.vision.patch_size", GgufValue.uint32(v.patchSize()));
        w.put("clip.vision.embedding_length", GgufValue.uint32(v.hidden()));
        w.put("clip.vision.feed_forward_length", GgufValue.uint32(v.ffn()));
        w.put("clip.vision.block_count", GgufValue.uint32(v.layers()));
        w.put("clip.vision.attention.head_count", GgufValue.uint32(v.heads()));
        w.put("clip.vision.image_mean", GgufValue.float32Array(new float[] {0.5f, 0.5f, 0.5f}));
        w.put("clip.vision.image_std", GgufValue.float32Array(new float[] {0.5f, 0.5f, 0.5f}));
        w.put("clip.projector_type", GgufValue.string("gemma3"));
        w.put("clip.vision.attention.layer_norm_epsilon", GgufValue.float32(TestVisionShape.LAYER_NORM_EPS));
        w.put("clip.use_gelu", GgufValue.bool(true));
        if (v.poolKernel() != 4) {
            // the converter writes the pooling factor only when it is not Gemma 3's 4 (its "tinygemma3" case)
            w.put("clip.vision.projector.scale_factor", GgufValue.uint32(v.poolKernel()));
        }
        TestModelWeights weights = new TestModelWeights(seed, bf16Source);
        for (Map.Entry<String, long[]> e : v.tensorShapes(textHidden).entrySet()) {
            String name = e.getKey();
            float add = name.equals(VisionTensors.SOFT_EMB_NORM) ? 1f : 0f;
            w.addTensor(name, typeOf(name, e.getValue(), dtype), e.getValue(),
                    TestModelPayloads.rows(weights, name, e.getValue(), typeOf(name, e.getValue(), dtype), add));
        }
        w.write(file);
    }

    /** The converter's rule: Gemma3VisionModel.tensor_force_quant, then 1-D and non-.weight tensors in F32. */
    static GgmlType typeOf(String name, long[] shape, TestMmprojDtype dtype) {
        if (name.equals(VisionTensors.INPUT_PROJECTION)) {
            return GgmlType.F16;
        }
        if (name.equals(VisionTensors.PATCH_WEIGHT) || name.equals(VisionTensors.POSITION)
                || shape.length == 1 || !name.endsWith(".weight")) {
            return GgmlType.F32;
        }
        return dtype == TestMmprojDtype.F16 ? GgmlType.F16 : GgmlType.F32;
    }
}
