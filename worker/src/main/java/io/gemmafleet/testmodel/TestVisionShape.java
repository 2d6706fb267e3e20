package io.gemmafleet.testmodel;

import io.gemmafleet.model.vision.VisionConfig;
import io.gemmafleet.model.vision.VisionTensors;
import java.util.Locale;
import java.util.Map;

/**
 * The vision tower + projector of a random-weight multimodal test model ({@link #of(String)}: tiny, siglip).
 *
 * @param tokensPerImage {@code mm_tokens_per_image}: a square whose side divides the patches per side
 */
public record TestVisionShape(String name, int imageSize, int patchSize, int hidden, int layers, int heads, int ffn,
                              int tokensPerImage) {

    /** SigLIP's LayerNorm epsilon, also the projector RMSNorm's. */
    public static final float LAYER_NORM_EPS = 1e-6f;

    public TestVisionShape {
        // VisionConfig's checks (the fields are not assigned yet, so build it from the parameters)
        new VisionConfig(imageSize, patchSize, hidden, layers, heads, ffn, LAYER_NORM_EPS, tokensPerImage, 1,
                LAYER_NORM_EPS);
    }

    /** 448 px, patch 14 (32 × 32 patches, pooled 2 × 2 to 16 × 16 = 256 tokens), hidden 64, 2 layers, 4 heads, ffn 128. */
    public static TestVisionShape tiny() {
        return new TestVisionShape("tiny", 448, 14, 64, 2, 4, 128, 256);
    }

    /** The published Gemma 3 tower: 896 px, patch 14, hidden 1152, 27 layers, 16 heads, ffn 4304, 256 tokens. */
    public static TestVisionShape siglip() {
        return new TestVisionShape("siglip", 896, 14, 1152, 27, 16, 4304, 256);
    }

    /** The named shape: tiny or siglip. */
    public static TestVisionShape of(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny" -> tiny();
            case "siglip" -> siglip();
            default -> throw new IllegalArgumentException("unknown vision shape '" + name + "' (tiny, siglip)");
        };
    }

    /** The config a loader should read back for a text decoder of width {@code textHidden}. */
    public VisionConfig config(int textHidden) {
        return new VisionConfig(imageSize, patchSize, hidden, layers, heads, ffn, LAYER_NORM_EPS, tokensPerImage,
                textHidden, LAYER_NORM_EPS);
    }

    /** Tensors (mmproj names, numpy shapes) for a text decoder of width {@code textHidden}. */
    public Map<String, long[]> tensorShapes(int textHidden) {
        return VisionTensors.expectedShapes(config(textHidden));
    }

    /** The pooling factor llama.cpp reads from {@code clip.vision.projector.scale_factor}. */
    public int poolKernel() {
        return config(1).poolKernel();
    }

    public long parameterCount(int textHidden) {
        long n = 0;
        for (long[] s : tensorShapes(textHidden).values()) {
            long e = 1;
            for (long d : s) {
                e *= d;
            }
            n += e;
        }
        return n;
    }
}
