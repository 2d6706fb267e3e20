package io.gemmafleet.model.vision;

import java.util.List;

/** Turns normalised images into the soft-token embeddings the text decoder takes in place of <image_soft_token>s. */
public interface VisionEncoder extends AutoCloseable {

    VisionConfig config();

    /**
     * @param images each [3][imageSize][imageSize] channel-major, normalised (mean 0.5, std 0.5)
     * @return one array per image: tokensPerImage × textHidden, row-major
     */
    float[][] encode(List<float[]> images);

    @Override
    void close();
}
