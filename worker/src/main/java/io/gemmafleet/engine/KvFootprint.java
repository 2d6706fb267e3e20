package io.gemmafleet.engine;

import io.gemmafleet.model.Gemma3Config;

/**
 * Bytes of key/value cache one sequence needs, from a model's shape: every layer stores a key and a value row of
 * {@code kvDim} elements per position it keeps. A global layer keeps every position; a sliding-window layer needs
 * only its window, so a cache that drops older blocks from those layers keeps {@code min(context, window)} there.
 *
 * @param bytesPerElement 4 for an f32 cache, 2 for bf16/f16
 * @param windowedLocalLayers whether sliding-window layers keep only their window (false: a full cache)
 */
public record KvFootprint(int bytesPerElement, boolean windowedLocalLayers) {

    public KvFootprint {
        if (bytesPerElement <= 0) {
            throw new IllegalArgumentException("bytes per element must be positive, got " + bytesPerElement);
        }
    }

    /** Cache bytes for one sequence of {@code context} positions. */
    public long bytes(Gemma3Config config, int context) {
        long perPositionPerLayer = 2L * config.kvDim() * bytesPerElement;
        long total = 0;
        for (int layer = 0; layer < config.layerCount(); layer++) {
            boolean keepsAll = config.isGlobal(layer) || !windowedLocalLayers;
            total += perPositionPerLayer * (keepsAll ? context : Math.min(context, config.slidingWindow()));
        }
        return total;
    }
}
