package io.gemmafleet.model.vision;

/**
 * The hyper-parameters of a Gemma 3 vision tower (SigLIP) and its multi-modal projector.
 *
 * @param imageSize side of the square input image in pixels (896 for the published models)
 * @param patchSize side of one patch in pixels (14)
 * @param hidden the tower's width (1152)
 * @param layers encoder layers (27)
 * @param heads attention heads (16)
 * @param ffn MLP width (4304)
 * @param layerNormEps epsilon of the tower's LayerNorms
 * @param tokensPerImage soft tokens one image becomes ({@code mm_tokens_per_image}, 256): a square number
 * @param textHidden the text decoder's width, which the projector maps onto
 * @param softEmbNormEps epsilon of the projector's RMSNorm ({@code mm_soft_emb_norm}); transformers builds it with the
 *     vision tower's {@code layer_norm_eps} and llama.cpp with {@code clip.vision.attention.layer_norm_epsilon}
 */
public record VisionConfig(int imageSize, int patchSize, int hidden, int layers, int heads, int ffn, float layerNormEps,
                           int tokensPerImage, int textHidden, float softEmbNormEps) {

    public VisionConfig {
        if (imageSize <= 0 || patchSize <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || ffn <= 0
                || tokensPerImage <= 0 || textHidden <= 0) {
            throw new IllegalArgumentException("vision sizes must be positive");
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
        }
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("hidden_size " + hidden + " is not a multiple of " + heads + " heads");
        }
        int side = (int) Math.round(Math.sqrt(tokensPerImage));
        if (side * side != tokensPerImage) {
            throw new IllegalArgumentException("mm_tokens_per_image " + tokensPerImage + " is not a square number");
        }
        if ((imageSize / patchSize) % side != 0) {
            throw new IllegalArgumentException((imageSize / patchSize) + " patches per side do not pool evenly to "
                    + side + " tokens per side");
        }
        if (!(layerNormEps > 0) || !(softEmbNormEps > 0)) {
            throw new IllegalArgumentException("norm epsilons must be positive");
        }
    }

    /** Patches along one side of the image (64 for 896 / 14). */
    public int patchesPerSide() {
        return imageSize / patchSize;
    }

    /** Patches per image (4096). */
    public int patchCount() {
        return patchesPerSide() * patchesPerSide();
    }

    /** Length of one flattened patch: 3 channels × patch × patch, in PyTorch's (channel, row, column) order. */
    public int patchVectorLength() {
        return 3 * patchSize * patchSize;
    }

    /** Soft tokens along one side of the pooled grid (16). */
    public int tokensPerSide() {
        return (int) Math.round(Math.sqrt(tokensPerImage));
    }

    /** Side of the average-pooling window over the patch grid (64 / 16 = 4). */
    public int poolKernel() {
        return patchesPerSide() / tokensPerSide();
    }

    public int headDim() {
        return hidden / heads;
    }
}
